/**
 * Deterministic "random" bytes from a ChaCha20 keystream under a fixed seed.
 * Only for tests and the XS test host (which has no entropy source): the
 * same seed gives the same bytes on every engine.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import type { Random } from '../../modules/host.js';

export class SeededRandom implements Random {
  readonly #key: Uint8Array;
  #counter = 0;

  constructor(seed: number) {
    this.#key = new Uint8Array(32);
    new DataView(this.#key.buffer).setUint32(0, seed >>> 0);
  }

  bytes(length: number): Uint8Array {
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setUint32(8, this.#counter++);
    return chacha20(this.#key, nonce, new Uint8Array(length));
  }
}
