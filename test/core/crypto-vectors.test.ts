import test from 'ava';
import { fromHex, toHex, utf8 } from '../../modules/bytes.js';
import { platformCrypto as crypto, platformName } from '../support/platform.js';
import { gcmVectors, hkdfVectors, hmacVectors, sha256Vectors } from '../vectors/crypto.js';

test(`SHA-256 matches FIPS 180-2 on ${platformName}`, (t) => {
  for (const v of sha256Vectors) t.is(toHex(crypto.sha256(fromHex(v.input))), v.digest);
});

test(`HMAC-SHA256 matches RFC 4231 on ${platformName}`, (t) => {
  for (const v of hmacVectors) t.is(toHex(crypto.hmacSha256(fromHex(v.key), fromHex(v.data))), v.mac, v.name);
});

test(`HKDF-SHA256 matches RFC 5869 on ${platformName}`, (t) => {
  for (const v of hkdfVectors) {
    t.is(toHex(crypto.hkdfSha256(fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), v.length)), v.okm, v.name);
  }
});

test(`AES-256-GCM seals and opens the published vectors on ${platformName}`, (t) => {
  for (const v of gcmVectors) {
    const key = fromHex(v.key);
    const nonce = fromHex(v.nonce);
    const aad = fromHex(v.aad);
    const sealed = crypto.aesGcmSeal(key, nonce, fromHex(v.plaintext), aad);
    t.is(toHex(sealed), v.ciphertext + v.tag, v.name);
    const opened = crypto.aesGcmOpen(key, nonce, sealed, aad);
    t.is(opened && toHex(opened), v.plaintext, v.name);
  }
});

test('AES-256-GCM refuses a changed ciphertext, tag or associated data', (t) => {
  const v = gcmVectors[3]!;
  const key = fromHex(v.key);
  const nonce = fromHex(v.nonce);
  const sealed = fromHex(v.ciphertext + v.tag);
  const flipped = sealed.slice();
  flipped[5]! ^= 1;
  t.is(crypto.aesGcmOpen(key, nonce, flipped, fromHex(v.aad)), undefined);
  const badTag = sealed.slice();
  badTag[badTag.length - 1]! ^= 0x80;
  t.is(crypto.aesGcmOpen(key, nonce, badTag, fromHex(v.aad)), undefined);
  t.is(crypto.aesGcmOpen(key, nonce, sealed, utf8('other integration')), undefined);
  t.is(crypto.aesGcmOpen(key, nonce, sealed.subarray(0, 8), fromHex(v.aad)), undefined);
});

test('AES-256-GCM refuses keys and nonces of the wrong size with a clear error', (t) => {
  t.throws(() => crypto.aesGcmSeal(new Uint8Array(16), new Uint8Array(12), new Uint8Array(1), new Uint8Array()), {
    message: /32 bytes/,
  });
  t.throws(() => crypto.aesGcmSeal(new Uint8Array(32), new Uint8Array(8), new Uint8Array(1), new Uint8Array()), {
    message: /12 bytes/,
  });
});
