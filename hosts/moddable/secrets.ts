/**
 * Delivery credentials on the ESP32: NVS, domain `secrets`, keyed as
 * modules/hub/secret-book.ts keys them (the page writes there too). An
 * installer may also put values in `config.airlock.secrets` for a lab
 * build; they are copied into NVS on the first boot and should then be
 * removed from the manifest (a firmware image is not a secret store). A
 * value already in NVS (one the owner entered on the page) is never
 * overwritten by the build's copy.
 */
import type { Crypto, KeyValueStore, Logger } from '../../modules/host.js';
import { SecretBook } from '../../modules/hub/secret-book.js';

export function secretStore(store: KeyValueStore, crypto: Crypto, log: Logger, provisioned: Record<string, string> = {}): (name: string) => string | undefined {
  const book = new SecretBook(store, crypto);
  for (const [name, value] of Object.entries(provisioned)) {
    try {
      if (!book.has(name)) book.set(name, value);
    } catch (error) {
      log.warn(`secrets: cannot keep "${name}" in NVS (${(error as Error).message})`);
    }
  }
  return (name) => book.get(name);
}
