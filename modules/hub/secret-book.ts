/**
 * Credentials by name in the key-value store (NVS on the ESP32, the data
 * folder's store on the desktop), domain `secrets`. A contract names its
 * credential (e.g. "energy-saver-token"), never the value. The value is
 * kept under the name itself when it fits NVS's 15-character keys, else
 * under "s" + the first 14 hex digits of the name's SHA-256. What the owner
 * enters on the page lands here; the board's lab provisioning
 * (hosts/moddable/secrets.ts) writes the same keys. Values are never read
 * back out to the page: they can only be replaced.
 */
import { toHex, utf8 } from '../bytes.js';
import type { Crypto, KeyValueStore } from '../host.js';

export const SECRETS_DOMAIN = 'secrets';
/** One NVS value holds at most 4000 bytes. */
export const SECRET_MAX_BYTES = 4000;

export function secretKey(name: string, crypto: Pick<Crypto, 'sha256'>): string {
  return name.length <= 15 ? name : `s${toHex(crypto.sha256(utf8(name))).slice(0, 14)}`;
}

export class SecretBook {
  readonly #store: KeyValueStore;
  readonly #crypto: Pick<Crypto, 'sha256'>;

  constructor(store: KeyValueStore, crypto: Pick<Crypto, 'sha256'>) {
    this.#store = store;
    this.#crypto = crypto;
  }

  get(name: string): string | undefined {
    try {
      const value = this.#store.get(SECRETS_DOMAIN, secretKey(name, this.#crypto));
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Why a value cannot be kept, or undefined. */
  static check(value: unknown): string | undefined {
    if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
    if (utf8(value).length > SECRET_MAX_BYTES) return `is over ${SECRET_MAX_BYTES} bytes (the most one NVS value holds)`;
    return undefined;
  }

  set(name: string, value: string): void {
    const problem = SecretBook.check(value);
    if (problem) throw new RangeError(`secret "${name}" ${problem}`);
    this.#store.set(SECRETS_DOMAIN, secretKey(name, this.#crypto), value);
  }

  delete(name: string): void {
    this.#store.delete(SECRETS_DOMAIN, secretKey(name, this.#crypto));
  }
}
