/** The XS host's CCM (composed from @noble modes) agrees with OpenSSL's on arbitrary inputs. */
import test from 'ava';
import fc from 'fast-check';
import { nodeCrypto } from '../../hosts/node/crypto.js';
import { ccmOpen, ccmSeal } from '../../hosts/xs/ccm.js';

test('noble-composed CCM and node:crypto aes-128-ccm produce the same bytes', (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 7, maxLength: 13 }),
      fc.uint8Array({ maxLength: 80 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.constantFrom(4, 6, 8, 10, 12, 14, 16),
      (key, nonce, message, aad, tagLength) => {
        const fromNode = nodeCrypto.aesCcmSeal(key, nonce, message, aad, tagLength);
        const fromNoble = ccmSeal(key, nonce, message, aad, tagLength);
        t.deepEqual(Array.from(fromNoble), Array.from(fromNode));
        t.deepEqual(Array.from(ccmOpen(key, nonce, fromNode, aad, tagLength) ?? []), Array.from(message));
      },
    ),
    { numRuns: 150 },
  );
});
