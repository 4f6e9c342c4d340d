import test from 'ava';
import { bytesEqual } from '../../modules/bytes.js';
import { Keyring } from '../../modules/keyring.js';
import { MAX_NAME_LENGTH } from '../../modules/store-rules.js';
import { makeTestHost } from '../support/test-host.js';

function keyringOn(host = makeTestHost()) {
  return { host, keyring: new Keyring(host) };
}

test('keys differ by integration and by use, and are stable across restarts', (t) => {
  const { host, keyring } = keyringOn();
  const a = keyring.key('pseudonym', 'energy-saver')!;
  const b = keyring.key('pseudonym', 'leak-insurer')!;
  const d = keyring.key('data', 'energy-saver')!;
  t.is(a.length, 32);
  t.false(bytesEqual(a, b));
  t.false(bytesEqual(a, d));
  const again = new Keyring(host).key('pseudonym', 'energy-saver')!;
  t.true(bytesEqual(a, again));
});

test('a new epoch gives new keys while the old epoch stays readable until shredded', (t) => {
  const { keyring } = keyringOn();
  const first = keyring.key('data', 'alarm-co')!;
  t.is(keyring.rotate('alarm-co'), 2);
  const second = keyring.key('data', 'alarm-co')!;
  t.false(bytesEqual(first, second));
  t.true(bytesEqual(keyring.key('data', 'alarm-co', 1)!, first));
  keyring.shred('alarm-co', 1);
  t.is(keyring.key('data', 'alarm-co', 1), undefined);
  t.true(bytesEqual(keyring.key('data', 'alarm-co', 2)!, second));
});

test('shredding destroys the secret in the store, not only the cache', (t) => {
  const { host, keyring } = keyringOn();
  const before = keyring.key('data', 'health')!;
  keyring.shred('health');
  const reopened = new Keyring(host);
  t.is(reopened.key('data', 'health', 1), undefined);
  t.false(reopened.hasEpoch('health', 1));
  const fresh = reopened.key('data', 'health')!;
  t.is(reopened.currentEpoch('health'), 2);
  t.false(bytesEqual(before, fresh));
});

test('store names fit the NVS limit whatever the integration id', (t) => {
  const { host, keyring } = keyringOn();
  keyring.key('data', 'a-very-long-integration-identifier-from-a-vendor.example.com');
  keyring.rotate('a-very-long-integration-identifier-from-a-vendor.example.com');
  for (const name of host.store.keys('keyring')) t.true(name.length <= MAX_NAME_LENGTH, name);
});

test('a damaged master key is refused with advice, not silently replaced', (t) => {
  const { host, keyring } = keyringOn();
  host.store.set('keyring', 'master', new Uint8Array(5));
  t.throws(() => keyring.key('data', 'x'), { message: /damaged.*restore/ });
});

test('hub keys are independent of integration keys', (t) => {
  const { keyring } = keyringOn();
  const audit = keyring.hubKey('audit');
  t.is(audit.length, 32);
  t.false(bytesEqual(audit, keyring.key('data', 'audit')!));
  t.true(bytesEqual(audit, keyring.hubKey('audit')));
});
