// node:crypto (desktop host) and @noble/curves (XS host) must accept and refuse
// exactly the same update signatures, whoever made them.
import test from 'ava';
import fc from 'fast-check';
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { nodeCrypto } from '../../hosts/node/crypto.js';
import { nobleCrypto } from '../../hosts/xs/crypto.js';

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function nodeKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const raw = new Uint8Array(65);
  raw[0] = 4;
  raw.set(Buffer.from(jwk.x!, 'base64url'), 1);
  raw.set(Buffer.from(jwk.y!, 'base64url'), 33);
  return { privateKey, raw };
}

/** The same signature with s replaced by n - s: also valid ECDSA (malleability). */
function otherHalf(signature: Uint8Array): Uint8Array {
  const s = BigInt('0x' + Buffer.from(signature.subarray(32)).toString('hex'));
  const out = signature.slice();
  out.set(Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex'), 32);
  return out;
}

test('a key made by OpenSSL signs what both hosts accept, with either half of s, and both refuse tampering', (t) => {
  const { privateKey, raw } = nodeKeyPair();
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.nat({ max: 299 }), (message, at) => {
      const signature = new Uint8Array(nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
      for (const sig of [signature, otherHalf(signature)]) {
        t.true(nodeCrypto.verifySignature(raw, message, sig));
        t.true(nobleCrypto.verifySignature(raw, message, sig));
      }
      if (message.length > 0) {
        const tampered = message.slice();
        tampered[at % message.length]! ^= 0x01;
        t.false(nodeCrypto.verifySignature(raw, tampered, signature));
        t.false(nobleCrypto.verifySignature(raw, tampered, signature));
      }
    }),
    { numRuns: 40 },
  );
});

test('both hosts give the same answer on arbitrary signature bytes', (t) => {
  const { privateKey, raw } = nodeKeyPair();
  const message = new TextEncoder().encode('airlock-update/v1');
  const good = new Uint8Array(nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (junk) => {
      t.is(nodeCrypto.verifySignature(raw, message, junk), nobleCrypto.verifySignature(raw, message, junk));
    }),
    { numRuns: 100 },
  );
  t.true(nodeCrypto.verifySignature(raw, message, good) && nobleCrypto.verifySignature(raw, message, good));
});
