// The BTHome counter table kept in the store is bounded (NVS is 16 KB on the board): a device
// beyond the bound is counted, keeps its counter in RAM only, and never pushes a kept one out.
import test from 'ava';
import { BthomeCounterStore, MAX_KEPT_DEVICES } from '../../modules/sources/bthome-counters.js';
import { makeTestHost } from '../support/test-host.js';

const mac = (n: number) => `a4:c1:38:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;

test('at most MAX_KEPT_DEVICES devices are kept; more are counted, and the kept ones stay', (t) => {
  const host = makeTestHost();
  const kept = new BthomeCounterStore({ store: host.store, clock: host.clock });
  for (let n = 0; n < MAX_KEPT_DEVICES + 3; n++) kept.note(mac(n), 100 + n);
  t.like(kept.counters(), { kept: MAX_KEPT_DEVICES, notKept: 3 });
  const value = String(host.store.get('bthome', 'ctr'));
  t.true(new TextEncoder().encode(value).length < 1000, `the entry stays small (${value.length} bytes)`);
  const again = new BthomeCounterStore({ store: host.store, clock: host.clock }).load();
  t.is(Object.keys(again).length, MAX_KEPT_DEVICES);
  t.is(again[mac(0)], 100);
  t.false(mac(MAX_KEPT_DEVICES) in again, 'the device beyond the bound was not kept');
});

test('a damaged entry is read as far as it goes, never trusted beyond', (t) => {
  const host = makeTestHost();
  host.store.set('bthome', 'ctr', `${'5448e68f80a5'}:42,garbage,zz:1,a4c1388d18b2:99999999999`);
  t.deepEqual(new BthomeCounterStore({ store: host.store, clock: host.clock }).load(), { '54:48:e6:8f:80:a5': 42 });
});
