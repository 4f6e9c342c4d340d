import test from 'ava';
import { fromHex, toHex } from '../../modules/bytes.js';
import { platformCrypto as crypto, platformName } from '../support/platform.js';
import { ccmVectors } from '../vectors/ccm.js';

test(`AES-128-CCM seals and opens the RFC 3610 and BTHome vectors on ${platformName}`, (t) => {
  for (const v of ccmVectors) {
    const key = fromHex(v.key);
    const nonce = fromHex(v.nonce);
    const aad = fromHex(v.aad);
    t.is(toHex(crypto.aesCcmSeal(key, nonce, fromHex(v.plaintext), aad, v.tagLength)), v.sealed, v.name);
    const opened = crypto.aesCcmOpen(key, nonce, fromHex(v.sealed), aad, v.tagLength);
    t.is(opened && toHex(opened), v.plaintext, v.name);
  }
});

test('AES-CCM refuses a changed ciphertext, tag, nonce or associated data', (t) => {
  const v = ccmVectors[0]!;
  const key = fromHex(v.key);
  const nonce = fromHex(v.nonce);
  const aad = fromHex(v.aad);
  const sealed = fromHex(v.sealed);
  for (const at of [0, 10, sealed.length - 1]) {
    const changed = sealed.slice();
    changed[at]! ^= 0x01;
    t.is(crypto.aesCcmOpen(key, nonce, changed, aad, v.tagLength), undefined, `byte ${at}`);
  }
  const otherNonce = nonce.slice();
  otherNonce[12]! ^= 1;
  t.is(crypto.aesCcmOpen(key, otherNonce, sealed, aad, v.tagLength), undefined);
  t.is(crypto.aesCcmOpen(key, nonce, sealed, aad.subarray(1), v.tagLength), undefined);
  t.is(crypto.aesCcmOpen(key, nonce, sealed.subarray(0, 3), aad, v.tagLength), undefined, 'shorter than the tag');
});

test('AES-CCM round-trips empty and multi-block messages with and without associated data', (t) => {
  const key = fromHex('000102030405060708090a0b0c0d0e0f');
  const nonce = fromHex('101112131415161718191a1b1c');
  for (const length of [0, 1, 15, 16, 17, 100]) {
    const message = new Uint8Array(length).map((_, i) => (i * 7) & 0xff);
    for (const aad of [new Uint8Array(0), fromHex('aabbcc')]) {
      const sealed = crypto.aesCcmSeal(key, nonce, message, aad, 4);
      t.is(sealed.length, length + 4);
      t.is(toHex(crypto.aesCcmOpen(key, nonce, sealed, aad, 4) ?? new Uint8Array([0xee])), toHex(message), `length ${length}`);
    }
  }
});

test('AES-CCM refuses wrong key, nonce and tag sizes with a clear error', (t) => {
  const nonce = new Uint8Array(13);
  t.throws(() => crypto.aesCcmSeal(new Uint8Array(32), nonce, new Uint8Array(1), new Uint8Array(), 4), { message: /16 bytes/ });
  t.throws(() => crypto.aesCcmSeal(new Uint8Array(16), new Uint8Array(14), new Uint8Array(1), new Uint8Array(), 4), {
    message: /7\.\.13 bytes/,
  });
  t.throws(() => crypto.aesCcmOpen(new Uint8Array(16), nonce, new Uint8Array(8), new Uint8Array(), 5), { message: /tag length/ });
});
