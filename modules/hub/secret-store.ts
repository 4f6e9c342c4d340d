/**
 * Named secrets in the key-value store (NVS on the board, the data folder's
 * store on a computer), domain `secrets`: under the name itself when it fits
 * NVS's 15-character keys, else under "s" + the first 14 hex digits of the
 * name's SHA-256. The board's secrets (hosts/moddable/secrets.ts), what the
 * settings page sets (broker passwords, BTHome bindkeys: settings-store.ts)
 * and the credentials the owner enters when adding an integration
 * (integration-installer.ts) share it. Values are never read back out to the
 * page: they can only be replaced.
 */
import { toHex, utf8 } from '../bytes.js';
import type { Crypto, KeyValueStore } from '../host.js';
import { MAX_VALUE_BYTES } from '../store-rules.js';

export const SECRETS_DOMAIN = 'secrets';

export function secretKey(name: string, crypto: Pick<Crypto, 'sha256'>): string {
  return name.length <= 15 ? name : `s${toHex(crypto.sha256(utf8(name))).slice(0, 14)}`;
}

/** Why a value the page sent cannot be kept as a secret, or undefined. */
export function secretValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  if (utf8(value).length > MAX_VALUE_BYTES) return `is over ${MAX_VALUE_BYTES} bytes (the most one NVS value holds)`;
  return undefined;
}

export interface SecretStore {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  delete(name: string): void;
}

export function secretStore(store: KeyValueStore, crypto: Pick<Crypto, 'sha256'>): SecretStore {
  return Object.freeze({
    get(name: string) {
      try {
        const value = store.get(SECRETS_DOMAIN, secretKey(name, crypto));
        return typeof value === 'string' ? value : undefined;
      } catch {
        return undefined;
      }
    },
    set: (name: string, value: string) => store.set(SECRETS_DOMAIN, secretKey(name, crypto), value),
    delete: (name: string) => store.delete(SECRETS_DOMAIN, secretKey(name, crypto)),
  });
}
