/**
 * The Crypto capability over @noble/hashes, @noble/ciphers and @noble/curves, for the XS
 * test host (xsnap has no native crypto). Audited, dependency-free, and
 * tested against the same vectors as the other hosts.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { p256 } from '@noble/curves/nist.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Crypto, Sha256Stream } from '../../modules/host.js';
import { ccmOpen, ccmSeal } from './ccm.js';
import { P256_PUBLIC_KEY_BYTES, P256_SIGNATURE_BYTES } from '../../modules/signature-rules.js';

const TAG_BYTES = 16;

function checkGcm(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 32) throw new RangeError(`AES-256-GCM key must be 32 bytes, got ${key.length}`);
  if (nonce.length !== 12) throw new RangeError(`AES-GCM nonce must be 12 bytes, got ${nonce.length}`);
}

function checkPbkdf2(iterations: number, length: number): void {
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`PBKDF2 iterations must be a positive integer, got ${iterations}`);
  if (!Number.isInteger(length) || length < 1 || length > 1024) throw new RangeError(`PBKDF2 length must be 1..1024 bytes, got ${length}`);
}

export const nobleCrypto: Crypto = Object.freeze({
  sha256: (data: Uint8Array) => sha256(data),
  hmacSha256: (key: Uint8Array, data: Uint8Array) => hmac(sha256, key, data),
  hmacSha1: (key: Uint8Array, data: Uint8Array) => hmac(sha1, key, data),
  pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array {
    checkPbkdf2(iterations, length);
    return pbkdf2(sha256, password, salt, { c: iterations, dkLen: length });
  },
  hkdfSha256: (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) =>
    hkdf(sha256, ikm, salt, info, length),
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    checkGcm(key, nonce);
    return gcm(key, nonce, aad).encrypt(plaintext);
  },
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    checkGcm(key, nonce);
    if (sealed.length < TAG_BYTES) return undefined;
    try {
      return gcm(key, nonce, aad).decrypt(sealed);
    } catch {
      return undefined;
    }
  },
  aesCcmSeal: ccmSeal,
  aesCcmOpen: ccmOpen,
  sha256Stream(): Sha256Stream {
    const hash = sha256.create();
    return {
      update: (data: Uint8Array) => void hash.update(data),
      digest: () => hash.digest(),
    };
  },
  verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (publicKey.length !== P256_PUBLIC_KEY_BYTES || publicKey[0] !== 0x04 || signature.length !== P256_SIGNATURE_BYTES) return false;
    try {
      // lowS: false accepts both halves of s, as OpenSSL and the Moddable SDK do, so every
      // host agrees on every signature; prehash: SHA-256 of the message is what is signed.
      return p256.verify(signature, message, publicKey, { prehash: true, lowS: false, format: 'compact' });
    } catch {
      return false;
    }
  },
});
