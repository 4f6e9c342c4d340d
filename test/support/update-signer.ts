/**
 * The vendor's side of signed updates, for tests only: a P-256 signing key
 * made from the test's seeded randomness (no platform entropy needed, so it
 * runs inside XS too) and deterministic RFC 6979 signatures by @noble/curves.
 * The hub never signs; it only verifies through the Crypto capability.
 */
import { p256 } from '@noble/curves/nist.js';
import type { Random } from '../../modules/host.js';

export interface TestSigner {
  /** Uncompressed SEC1 public key, the form the hub is configured with. */
  readonly publicKey: Uint8Array;
  /** IEEE P1363 (r || s) signature over SHA-256(message). */
  sign(message: Uint8Array): Uint8Array;
}

export function makeTestSigner(random: Random): TestSigner {
  let secretKey = random.bytes(32);
  while (!p256.utils.isValidSecretKey(secretKey)) secretKey = random.bytes(32);
  return {
    publicKey: p256.getPublicKey(secretKey, false),
    sign: (message) => p256.sign(message, secretKey, { prehash: true, format: 'compact' }),
  };
}
