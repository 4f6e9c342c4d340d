/**
 * The Crypto capability over Moddable's `crypt` modules: native SHA-256
 * Digest (hardware SHA on the ESP32), the SDK's HMAC and GCM (JavaScript over
 * native AES, CTR and GHASH). HKDF is not in the SDK, so it is composed here
 * from the SDK's HMAC exactly as RFC 5869 defines it, and checked against the
 * RFC's vectors like every other host. Signatures are checked with the SDK's
 * ECDSA (the one TLS uses for certificates) over its native P-256 arithmetic.
 * PBKDF2 (RFC 8018) is composed the
 * same way from one reused HMAC object (its key pads are computed once), and
 * HMAC-SHA1 for TOTP uses the native SHA1 Digest.
 */
import { BlockCipher, Digest, Mode } from 'crypt';
import Curve from 'curve';
import ECDSA from 'ecdsa';
import ECPoint from 'ecp';
import GCM from 'gcm';
import HMAC from 'hmac';
import { toHex } from '../../modules/bytes.js';
import { composeCcm } from '../../modules/ccm.js';
import type { Crypto, Sha256Stream } from '../../modules/host.js';
import { P256_PUBLIC_KEY_BYTES, P256_SIGNATURE_BYTES } from '../../modules/signature-rules.js';

const TAG_BYTES = 16;

function toBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);
}

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(new HMAC(new Digest('SHA256'), toBuffer(key)).process(...parts.map(toBuffer)));
}

/** 1 <= value < n, as ECDSA verification requires (the SDK's ECDSA does not check it itself). */
function inScalarRange(bytes: Uint8Array, n: bigint): boolean {
  const value = BigInt('0x' + toHex(bytes));
  return value > 0n && value < n;
}

/** RFC 8018 section 5.2, PRF = HMAC-SHA256. */
function pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array {
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`PBKDF2 iterations must be a positive integer, got ${iterations}`);
  if (!Number.isInteger(length) || length < 1 || length > 1024) throw new RangeError(`PBKDF2 length must be 1..1024 bytes, got ${length}`);
  const prf = new HMAC(new Digest('SHA256'), toBuffer(password));
  const saltBuffer = toBuffer(salt);
  const out = new Uint8Array(length);
  for (let block = 1, at = 0; at < length; block++, at += 32) {
    const index = new Uint8Array([block >>> 24, (block >>> 16) & 255, (block >>> 8) & 255, block & 255]);
    let u = prf.process(saltBuffer, index.buffer as ArrayBuffer); // U1 = PRF(P, S || INT(i))
    // XOR as eight 32-bit words: a quarter of the bytecode of a byte loop, and
    // the same bytes in memory whatever the endianness.
    const t = new Uint32Array(u.slice(0));
    for (let i = 1; i < iterations; i++) {
      u = prf.process(u); // Uc = PRF(P, Uc-1)
      const view = new Uint32Array(u);
      for (let k = 0; k < 8; k++) t[k]! ^= view[k]!;
    }
    out.set(new Uint8Array(t.buffer).subarray(0, Math.min(32, length - at)), at);
  }
  return out;
}

function checkGcm(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 32) throw new RangeError(`AES-256-GCM key must be 32 bytes, got ${key.length}`);
  if (nonce.length !== 12) throw new RangeError(`AES-GCM nonce must be 12 bytes, got ${nonce.length}`);
}

// BTHome's AES-CCM: the SDK has no CCM, so the portable RFC 3610 composition runs over the
// SDK's native CBC and CTR modes (hardware AES on the ESP32).
const ccm = composeCcm({
  cbcEncryptZeroIv: (key, input) =>
    new Uint8Array(new Mode('CBC', new BlockCipher('AES', toBuffer(key)), new ArrayBuffer(16), false).encrypt(toBuffer(input))),
  ctrXor: (key, counter, input) =>
    new Uint8Array(new Mode('CTR', new BlockCipher('AES', toBuffer(key)), toBuffer(counter)).encrypt(toBuffer(input))),
});

export const moddableCrypto: Crypto = Object.freeze({
  aesCcmSeal: ccm.seal,
  aesCcmOpen: ccm.open,
  sha256(data: Uint8Array): Uint8Array {
    return new Uint8Array(new Digest('SHA256').process(toBuffer(data)));
  },
  hmacSha256: (key: Uint8Array, data: Uint8Array) => hmac(key, data),
  hmacSha1: (key: Uint8Array, data: Uint8Array) =>
    new Uint8Array(new HMAC(new Digest('SHA1'), toBuffer(key)).process(toBuffer(data))),
  pbkdf2Sha256,
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    if (length > 255 * 32) throw new RangeError(`HKDF-SHA256 output is at most ${255 * 32} bytes`);
    const prk = hmac(salt.length ? salt : new Uint8Array(32), ikm); // RFC 5869 2.2 Extract
    const out = new Uint8Array(length);
    let previous: Uint8Array = new Uint8Array(0);
    for (let block = 1, at = 0; at < length; block++) {
      previous = hmac(prk, previous, info, Uint8Array.of(block)); // RFC 5869 2.3 Expand
      out.set(previous.subarray(0, Math.min(32, length - at)), at);
      at += 32;
    }
    return out;
  },
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    checkGcm(key, nonce);
    const gcm = new GCM(new BlockCipher('AES', toBuffer(key)), TAG_BYTES);
    return new Uint8Array(gcm.process(toBuffer(plaintext), undefined, toBuffer(nonce), toBuffer(aad), true)!);
  },
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    checkGcm(key, nonce);
    if (sealed.length < TAG_BYTES) return undefined;
    // Decrypting, the SDK's GCM splits its input with subarray(): it must be a view, not an ArrayBuffer.
    const gcm = new GCM(new BlockCipher('AES', toBuffer(key)), TAG_BYTES);
    const opened = gcm.process(new Uint8Array(toBuffer(sealed)), undefined, toBuffer(nonce), toBuffer(aad), false);
    if (opened === undefined) return undefined;
    return opened instanceof ArrayBuffer ? new Uint8Array(opened) : Uint8Array.from(opened);
  },
  sha256Stream(): Sha256Stream {
    const digest = new Digest('SHA256');
    return {
      update: (data: Uint8Array) => digest.write(toBuffer(data)),
      digest: () => new Uint8Array(digest.close()),
    };
  },
  verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (publicKey.length !== P256_PUBLIC_KEY_BYTES || publicKey[0] !== 0x04 || signature.length !== P256_SIGNATURE_BYTES) return false;
    try {
      const curve = new Curve('secp256r1');
      if (!inScalarRange(signature.subarray(0, 32), curve.n) || !inScalarRange(signature.subarray(32), curve.n)) return false;
      const verifier = new ECDSA(ECPoint.fromOctetString(publicKey), curve);
      const hash = new Digest('SHA256').process(toBuffer(message));
      return verifier.verify(hash, toBuffer(signature), false) === true;
    } catch {
      return false;
    }
  },
});
