/** The Crypto capability over node:crypto (OpenSSL). */
import { createCipheriv, createDecipheriv, createHash, createHmac, createPublicKey, hkdfSync, pbkdf2Sync, verify } from 'node:crypto';
import { checkCcmParameters } from '../../modules/ccm-rules.js';
import type { Crypto, Sha256Stream } from '../../modules/host.js';
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

export const nodeCrypto: Crypto = Object.freeze({
  sha256(data: Uint8Array): Uint8Array {
    return new Uint8Array(createHash('sha256').update(data).digest());
  },
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
    return new Uint8Array(createHmac('sha256', key).update(data).digest());
  },
  hmacSha1(key: Uint8Array, data: Uint8Array): Uint8Array {
    return new Uint8Array(createHmac('sha1', key).update(data).digest());
  },
  pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array {
    checkPbkdf2(iterations, length);
    return new Uint8Array(pbkdf2Sync(password, salt, iterations, length, 'sha256'));
  },
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
  },
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    checkGcm(key, nonce);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return new Uint8Array(body.buffer, body.byteOffset, body.length);
  },
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    checkGcm(key, nonce);
    if (sealed.length < TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      const body = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
      return new Uint8Array(body.buffer, body.byteOffset, body.length);
    } catch {
      return undefined;
    }
  },
  aesCcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, tagLength: number): Uint8Array {
    checkCcmParameters(key, nonce, tagLength, aad.length);
    const cipher = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: tagLength });
    cipher.setAAD(aad, { plaintextLength: plaintext.length });
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return new Uint8Array(body.buffer, body.byteOffset, body.length);
  },
  aesCcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array, tagLength: number): Uint8Array | undefined {
    checkCcmParameters(key, nonce, tagLength, aad.length);
    if (sealed.length < tagLength) return undefined;
    const length = sealed.length - tagLength;
    try {
      const decipher = createDecipheriv('aes-128-ccm', key, nonce, { authTagLength: tagLength });
      decipher.setAuthTag(sealed.subarray(length));
      decipher.setAAD(aad, { plaintextLength: length });
      // OpenSSL checks the CCM tag inside update(); a mismatch throws here.
      const body = decipher.update(sealed.subarray(0, length));
      decipher.final();
      return new Uint8Array(body.buffer, body.byteOffset, body.length);
    } catch {
      return undefined;
    }
  },
  sha256Stream(): Sha256Stream {
    const hash = createHash('sha256');
    return {
      update: (data: Uint8Array) => void hash.update(data),
      digest: () => new Uint8Array(hash.digest()),
    };
  },
  verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (publicKey.length !== P256_PUBLIC_KEY_BYTES || publicKey[0] !== 0x04 || signature.length !== P256_SIGNATURE_BYTES) return false;
    try {
      const coordinate = (from: number) => Buffer.from(publicKey.subarray(from, from + 32)).toString('base64url');
      // OpenSSL checks the point lies on the curve when the key is imported.
      const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: coordinate(1), y: coordinate(33) }, format: 'jwk' });
      return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false;
    }
  },
});
