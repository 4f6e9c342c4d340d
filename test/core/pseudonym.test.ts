import test from 'ava';
import { toHex, utf8 } from '../../modules/bytes.js';
import { Keyring } from '../../modules/keyring.js';
import { PSEUDONYM_BYTES, Pseudonymizer } from '../../modules/pipeline/pseudonym.js';
import { makeTestHost } from '../support/test-host.js';

function setup() {
  const host = makeTestHost();
  const keyring = new Keyring(host);
  return { host, keyring, pseudonyms: new Pseudonymizer({ crypto: host.crypto, keyring }) };
}

test('a pseudonym is HMAC-SHA256 under the integration key, first 16 bytes in hex', (t) => {
  const { host, keyring, pseudonyms } = setup();
  const expected = toHex(host.crypto.hmacSha256(keyring.key('pseudonym', 'energy-saver')!, utf8('z2m:0x00158d0001a2b3c4')).subarray(0, PSEUDONYM_BYTES));
  const p = pseudonyms.pseudonym('energy-saver', 'z2m:0x00158d0001a2b3c4');
  t.is(p, expected);
  t.regex(p, /^[0-9a-f]{32}$/);
  t.is(pseudonyms.pseudonym('energy-saver', 'z2m:0x00158d0001a2b3c4'), p, 'stable');
});

test('one device has unlinkable pseudonyms at two integrations', (t) => {
  const { pseudonyms } = setup();
  t.not(pseudonyms.pseudonym('energy-saver', 'dev-1'), pseudonyms.pseudonym('leak-insurer', 'dev-1'));
});

test('a new key epoch gives new pseudonyms once the cached key is forgotten', (t) => {
  const { keyring, pseudonyms } = setup();
  const before = pseudonyms.pseudonym('alarm-company', 'dev-1');
  keyring.rotate('alarm-company');
  pseudonyms.forget('alarm-company');
  const after = pseudonyms.pseudonym('alarm-company', 'dev-1');
  t.not(after, before);
  t.is(pseudonyms.pseudonym('alarm-company', 'dev-1'), after);
});
