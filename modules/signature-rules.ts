/**
 * The one signature scheme every host verifies: ECDSA on P-256 over SHA-256.
 * (Ed25519 would be smaller, but the Moddable SDK's crypt modules only offer
 * ECDSA, and all hosts must accept exactly the same signatures.)
 */

/** Uncompressed SEC1 point: 0x04 || X || Y. */
export const P256_PUBLIC_KEY_BYTES = 65;
/** IEEE P1363 signature: r || s, each 32 bytes big-endian. */
export const P256_SIGNATURE_BYTES = 64;
export const SIGNATURE_ALGORITHM = 'ecdsa-p256-sha256';

/** Why a configured public key is unusable, or undefined when it has the right form. */
export function publicKeyProblem(key: Uint8Array): string | undefined {
  if (key.length !== P256_PUBLIC_KEY_BYTES) return `the update key must be ${P256_PUBLIC_KEY_BYTES} bytes (uncompressed P-256 point), got ${key.length}`;
  if (key[0] !== 0x04) return `the update key must start with 0x04 (uncompressed point), got 0x${key[0]!.toString(16)}`;
  return undefined;
}
