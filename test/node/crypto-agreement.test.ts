// node:crypto (the desktop host) and @noble (the XS host) must agree on every input,
// not only on the published vectors.
import test from 'ava';
import fc from 'fast-check';
import { nodeCrypto } from '../../hosts/node/crypto.js';
import { nobleCrypto } from '../../hosts/xs/crypto.js';
import { toHex } from '../../modules/bytes.js';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

test('HMAC, HKDF and SHA-256 agree between node:crypto and @noble', (t) => {
  fc.assert(
    fc.property(bytes(0, 200), bytes(0, 300), bytes(0, 40), fc.integer({ min: 1, max: 100 }), (key, data, info, length) => {
      t.is(toHex(nodeCrypto.sha256(data)), toHex(nobleCrypto.sha256(data)));
      t.is(toHex(nodeCrypto.hmacSha256(key, data)), toHex(nobleCrypto.hmacSha256(key, data)));
      t.is(toHex(nodeCrypto.hkdfSha256(data, key, info, length)), toHex(nobleCrypto.hkdfSha256(data, key, info, length)));
    }),
    { numRuns: 200 },
  );
});

test('AES-256-GCM agrees between node:crypto and @noble, and each opens the other', (t) => {
  fc.assert(
    fc.property(bytes(32, 32), bytes(12, 12), bytes(0, 300), bytes(0, 64), (key, nonce, plaintext, aad) => {
      const a = nodeCrypto.aesGcmSeal(key, nonce, plaintext, aad);
      const b = nobleCrypto.aesGcmSeal(key, nonce, plaintext, aad);
      t.is(toHex(a), toHex(b));
      t.is(toHex(nobleCrypto.aesGcmOpen(key, nonce, a, aad)!), toHex(plaintext));
      t.is(toHex(nodeCrypto.aesGcmOpen(key, nonce, b, aad)!), toHex(plaintext));
    }),
    { numRuns: 200 },
  );
});

test('HMAC-SHA1 and PBKDF2-HMAC-SHA256 agree between node:crypto and @noble', (t) => {
  fc.assert(
    fc.property(bytes(0, 100), bytes(0, 200), bytes(0, 32), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), (key, data, salt, iterations, length) => {
      t.is(toHex(nodeCrypto.hmacSha1(key, data)), toHex(nobleCrypto.hmacSha1(key, data)));
      t.is(toHex(nodeCrypto.pbkdf2Sha256(key, salt, iterations, length)), toHex(nobleCrypto.pbkdf2Sha256(key, salt, iterations, length)));
    }),
    { numRuns: 100 },
  );
});
