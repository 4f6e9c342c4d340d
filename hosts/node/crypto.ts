/** The Crypto capability over node:crypto (OpenSSL). */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, pbkdf2Sync } from 'node:crypto';
import type { Crypto } from '../../modules/host.js';

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
});
