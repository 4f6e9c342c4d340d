/**
 * Delivery credentials on the ESP32. A contract names its credential (e.g.
 * "energy-saver-token"), never the value. The value lives in NVS, domain
 * `secrets`, under the name itself when it fits NVS's 15-character keys,
 * else under "s" + the first 14 hex digits of the name's SHA-256. An
 * installer may also put values in `config.airlock.secrets` for a lab
 * build; they are copied into NVS on the first boot and should then be
 * removed from the manifest (a firmware image is not a secret store). A
 * value already in NVS (one the owner entered on the page) is never
 * overwritten by the build's copy. Keys: modules/hub/secret-store.ts.
 */
import type { Crypto, KeyValueStore, Logger } from '../../modules/host.js';
import { secretStore as namedSecrets } from '../../modules/hub/secret-store.js';

export function secretStore(store: KeyValueStore, crypto: Crypto, log: Logger, provisioned: Record<string, string> = {}): (name: string) => string | undefined {
  const secrets = namedSecrets(store, crypto);
  for (const [name, value] of Object.entries(provisioned)) {
    try {
      if (secrets.get(name) === undefined) secrets.set(name, value);
    } catch (error) {
      log.warn(`secrets: cannot keep "${name}" in NVS (${(error as Error).message})`);
    }
  }
  return (name) => secrets.get(name);
}
