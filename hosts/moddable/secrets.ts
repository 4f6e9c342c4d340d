/**
 * Delivery credentials on the ESP32. A contract names its credential (e.g.
 * "energy-saver-token"), never the value. The value lives in NVS, domain
 * `secrets`, under the name itself when it fits NVS's 15-character keys,
 * else under "s" + the first 14 hex digits of the name's SHA-256. An
 * installer may also put values in `config.airlock.secrets` for a lab
 * build; they are copied into NVS on the first boot and should then be
 * removed from the manifest (a firmware image is not a secret store).
 */
import { toHex, utf8 } from '../../modules/bytes.js';
import type { Crypto, KeyValueStore, Logger } from '../../modules/host.js';

const DOMAIN = 'secrets';

export function secretKey(name: string, crypto: Crypto): string {
  return name.length <= 15 ? name : `s${toHex(crypto.sha256(utf8(name))).slice(0, 14)}`;
}

export function secretStore(store: KeyValueStore, crypto: Crypto, log: Logger, provisioned: Record<string, string> = {}): (name: string) => string | undefined {
  for (const [name, value] of Object.entries(provisioned)) {
    try {
      if (store.get(DOMAIN, secretKey(name, crypto)) === undefined) store.set(DOMAIN, secretKey(name, crypto), value);
    } catch (error) {
      log.warn(`secrets: cannot keep "${name}" in NVS (${(error as Error).message})`);
    }
  }
  return (name) => {
    try {
      const value = store.get(DOMAIN, secretKey(name, crypto));
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  };
}
