// RFC 7914 §11 #2 runs 80 000 iterations: quick on node:crypto, too slow for
// pure-JS SHA-256 inside xsnap's suite budget, so it lives here; the core suite
// checks the same loop with the 4096-iteration vectors on both engines.
import test from 'ava';
import { fromHex, toHex } from '../../modules/bytes.js';
import { nodeCrypto } from '../../hosts/node/crypto.js';
import { nobleCrypto } from '../../hosts/xs/crypto.js';
import { pbkdf2SlowVector as v } from '../vectors/auth.js';

test('PBKDF2-HMAC-SHA256 matches RFC 7914 §11 #2 on node:crypto and @noble/hashes', (t) => {
  t.is(toHex(nodeCrypto.pbkdf2Sha256(fromHex(v.password), fromHex(v.salt), v.iterations, 64)), v.derived);
  t.is(toHex(nobleCrypto.pbkdf2Sha256(fromHex(v.password), fromHex(v.salt), v.iterations, 64)), v.derived);
});
