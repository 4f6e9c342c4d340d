import test from 'ava';
import { WifiPolicy } from '../../modules/wifi-policy.js';
import { ManualClock } from '../../hosts/sim/manual-time.js';

const home = { ssid: 'home', password: 'correct horse' };

test('with no saved network the hub opens the setup access point and waits', (t) => {
  const policy = new WifiPolicy(new ManualClock());
  t.deepEqual(policy.start(undefined), [{ type: 'access-point', on: true }]);
  t.is(policy.state, 'setup');
  t.deepEqual(policy.on({ type: 'retry-timer' }), [], 'nothing to retry without credentials');
  const actions = policy.on({ type: 'credentials', credentials: home });
  t.deepEqual(actions[0], { type: 'connect', credentials: home });
  t.true(policy.accessPointOn, 'the AP stays up so the page can show the result');
  t.deepEqual(policy.on({ type: 'got-ip' }), [{ type: 'access-point', on: false }]);
  t.is(policy.state, 'online');
});

test('a first connection that keeps failing opens the AP beside the station after the fallback delay, and keeps retrying', (t) => {
  const clock = new ManualClock();
  const policy = new WifiPolicy(clock, { fallbackAfterMs: 10_000, backoffMs: [1_000, 4_000] });
  t.deepEqual(policy.start(home), [
    { type: 'connect', credentials: home },
    { type: 'schedule-retry', ms: 1_000 },
  ]);
  t.deepEqual(policy.on({ type: 'disconnected' }), [], 'a failed attempt waits for the timer');
  clock.advance(1_000);
  t.deepEqual(policy.on({ type: 'retry-timer' }), [
    { type: 'connect', credentials: home },
    { type: 'schedule-retry', ms: 4_000 },
  ]);
  clock.advance(10_000);
  const late = policy.on({ type: 'retry-timer' });
  t.deepEqual(late, [
    { type: 'connect', credentials: home },
    { type: 'access-point', on: true },
    { type: 'schedule-retry', ms: 4_000 },
  ]);
  t.is(policy.state, 'connecting');
  t.deepEqual(policy.on({ type: 'got-ip' }), [{ type: 'access-point', on: false }]);
});

test('losing Wi-Fi after being online reconnects with backoff and never opens the setup network by itself', (t) => {
  const clock = new ManualClock();
  const policy = new WifiPolicy(clock, { fallbackAfterMs: 1_000, backoffMs: [2_000, 5_000] });
  policy.start(home);
  policy.on({ type: 'got-ip' });
  t.deepEqual(policy.on({ type: 'disconnected' }), [{ type: 'schedule-retry', ms: 2_000 }]);
  t.is(policy.state, 'reconnecting');
  for (let i = 0; i < 5; i++) {
    clock.advance(60_000);
    const actions = policy.on({ type: 'retry-timer' });
    t.false(actions.some((a) => a.type === 'access-point'), `retry ${i}`);
    t.deepEqual(actions.at(-1), { type: 'schedule-retry', ms: 5_000 });
  }
  t.deepEqual(policy.on({ type: 'setup-requested' }), [{ type: 'access-point', on: true }], 'the owner can still ask for it');
  t.deepEqual(policy.on({ type: 'got-ip' }), [{ type: 'access-point', on: false }]);
  t.deepEqual(policy.on({ type: 'disconnected' }), [{ type: 'schedule-retry', ms: 2_000 }], 'backoff starts over after a success');
});
