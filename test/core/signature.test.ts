import test from 'ava';
import { fromHex, utf8 } from '../../modules/bytes.js';
import { SeededRandom } from '../../hosts/sim/seeded-random.js';
import { platformCrypto as crypto, platformName } from '../support/platform.js';
import { makeTestSigner } from '../support/update-signer.js';
import { rfc6979P256 } from '../vectors/signature.js';

const key = fromHex(rfc6979P256.publicKey);

test(`ECDSA P-256 accepts the RFC 6979 signatures (high and low s) on ${platformName}`, (t) => {
  for (const v of rfc6979P256.signatures) t.true(crypto.verifySignature(key, utf8(v.message), fromHex(v.signature)), v.message);
});

test(`ECDSA P-256 refuses a changed message, signature or key on ${platformName}`, (t) => {
  const v = rfc6979P256.signatures[1];
  const signature = fromHex(v.signature);
  t.false(crypto.verifySignature(key, utf8('tesT'), signature));
  const flipped = signature.slice();
  flipped[40]! ^= 1;
  t.false(crypto.verifySignature(key, utf8(v.message), flipped));
  // The other RFC signature is valid, but for another message.
  t.false(crypto.verifySignature(key, utf8(v.message), fromHex(rfc6979P256.signatures[0].signature)));
  const otherKey = makeTestSigner(new SeededRandom(5)).publicKey;
  t.false(crypto.verifySignature(otherKey, utf8(v.message), signature));
});

test(`ECDSA P-256 answers false, never throws, on malformed keys and signatures on ${platformName}`, (t) => {
  const v = rfc6979P256.signatures[1];
  const message = utf8(v.message);
  const signature = fromHex(v.signature);
  t.false(crypto.verifySignature(key.subarray(0, 64), message, signature), 'short key');
  const compressedPrefix = key.slice();
  compressedPrefix[0] = 0x02;
  t.false(crypto.verifySignature(compressedPrefix, message, signature), 'not an uncompressed point');
  const offCurve = key.slice();
  offCurve[64]! ^= 1;
  t.false(crypto.verifySignature(offCurve, message, signature), 'point not on the curve');
  t.false(crypto.verifySignature(key, message, signature.subarray(0, 63)), 'short signature');
  t.false(crypto.verifySignature(key, message, new Uint8Array(64)), 'r = s = 0');
  t.false(crypto.verifySignature(key, message, new Uint8Array(64).fill(0xff)), 'r, s >= n');
});

test(`signatures made with a test key verify, and only for what was signed, on ${platformName}`, (t) => {
  const signer = makeTestSigner(new SeededRandom(9));
  const message = utf8('airlock-update/v1 firmware 1.2.3');
  const signature = signer.sign(message);
  t.is(signature.length, 64);
  t.true(crypto.verifySignature(signer.publicKey, message, signature));
  t.false(crypto.verifySignature(signer.publicKey, utf8('airlock-update/v1 firmware 1.2.4'), signature));
});

test(`incremental SHA-256 equals the one-shot digest however the data is split on ${platformName}`, (t) => {
  const data = new Uint8Array(1000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
  const whole = crypto.sha256(data);
  for (const chunk of [1, 64, 333, 1000]) {
    const stream = crypto.sha256Stream();
    for (let at = 0; at < data.length; at += chunk) stream.update(data.subarray(at, at + chunk));
    t.deepEqual(stream.digest(), whole, `chunks of ${chunk}`);
  }
  t.deepEqual(crypto.sha256Stream().digest(), crypto.sha256(new Uint8Array(0)));
});
