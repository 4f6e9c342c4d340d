/**
 * Pseudonyms: HMAC-SHA256 under the integration's own pseudonym key (from the
 * Keyring: HKDF from the hub's master key, per integration and key epoch) of
 * the UTF-8 identifier, truncated to the first 16 bytes and written as 32
 * lowercase hex digits.
 *
 * - Two integrations have different keys, so they cannot link one device.
 * - A new epoch (Keyring.rotate) or shredding gives new pseudonyms; call
 *   `forget(integration)` afterwards so the cached key is derived again.
 * - 128 bits keep collisions out of reach for any home's device count while
 *   halving the bytes every record carries.
 */
import { toHex, utf8 } from '../bytes.js';
import type { Crypto } from '../host.js';
import type { Keyring } from '../keyring.js';

export const PSEUDONYM_BYTES = 16;

export interface PseudonymPowers {
  crypto: Pick<Crypto, 'hmacSha256'>;
  keyring: Pick<Keyring, 'key'>;
}

export class Pseudonymizer {
  readonly #crypto: Pick<Crypto, 'hmacSha256'>;
  readonly #keyring: Pick<Keyring, 'key'>;
  /** Keys by integration: deriving one costs an HKDF and store reads, a record must not pay that. */
  readonly #keys = new Map<string, Uint8Array>();

  constructor({ crypto, keyring }: PseudonymPowers) {
    this.#crypto = crypto;
    this.#keyring = keyring;
  }

  pseudonym(integration: string, identifier: string): string {
    let key = this.#keys.get(integration);
    if (!key) {
      key = this.#keyring.key('pseudonym', integration);
      if (!key) throw new Error(`pseudonym: no key for integration "${integration}" (its epoch was shredded)`);
      this.#keys.set(integration, key);
    }
    return toHex(this.#crypto.hmacSha256(key, utf8(identifier)).subarray(0, PSEUDONYM_BYTES));
  }

  /** Drops cached keys (one integration, or all) after a key rotation or shredding. */
  forget(integration?: string): void {
    if (integration === undefined) this.#keys.clear();
    else this.#keys.delete(integration);
  }
}
