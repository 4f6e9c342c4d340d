import test from 'ava';
import { ServiceLevelMonitor, type ServiceLevelEvent } from '../../modules/forward/service-levels.js';
import { makeTestHost } from '../support/test-host.js';

function monitor(promised: ConstructorParameters<typeof ServiceLevelMonitor>[0]['promised'], extra: Partial<ConstructorParameters<typeof ServiceLevelMonitor>[0]> = {}) {
  const host = makeTestHost();
  const events: ServiceLevelEvent[] = [];
  const sl = new ServiceLevelMonitor({
    integration: 'energy',
    promised,
    clock: host.clock,
    now: () => ({ boot: host.clock.bootCount, mono: host.clock.monotonic(), wall: host.clock.wallTime()! }),
    windowMs: 60_000,
    slots: 6,
    minObservedMs: 10_000,
    minLatencySamples: 10,
    onViolation: (e) => events.push(e),
    ...extra,
  });
  return { host, sl, events };
}

test('uptime is the up share of observed time in the window', (t) => {
  const { host, sl } = monitor({ uptimeRatio: 0.9 });
  t.is(sl.snapshot().uptimeRatio, undefined, 'nothing observed yet');
  sl.endpointUp(true);
  host.clock.advance(30_000);
  sl.endpointUp(false);
  host.clock.advance(10_000);
  const snap = sl.snapshot();
  t.is(snap.observedMs, 40_000);
  t.is(snap.uptimeRatio, 0.75);
});

test('an uptime breach is one event while it lasts, and counts again after recovery', (t) => {
  const { host, sl, events } = monitor({ uptimeRatio: 0.9 });
  sl.endpointUp(false);
  host.clock.advance(5_000);
  t.deepEqual(sl.evaluate(undefined), [], 'not judged before minObservedMs');
  host.clock.advance(10_000);
  const first = sl.evaluate(undefined);
  t.is(first.length, 1);
  t.like(first[0], { integration: 'energy', kind: 'uptime', observed: 0, promised: 0.9 });
  t.is(typeof first[0]!.time.mono, 'number');
  host.clock.advance(5_000);
  t.deepEqual(sl.evaluate(undefined), [], 'still the same breach');
  sl.endpointUp(true);
  host.clock.advance(120_000); // the window (60 s) forgets the outage
  t.deepEqual(sl.evaluate(undefined), []);
  t.is(sl.snapshot().uptimeRatio, 1);
  sl.endpointUp(false);
  host.clock.advance(30_000);
  t.is(sl.evaluate(undefined).length, 1);
  t.is(sl.snapshot().violations.uptime, 2);
  t.is(events.length, 2);
});

test('latency quantiles come from a fixed histogram and never understate', (t) => {
  const { sl } = monitor({});
  for (let i = 1; i <= 100; i++) sl.ackLatency(i * 10); // 10 ms .. 1000 ms
  const snap = sl.snapshot();
  t.is(snap.latencySamples, 100);
  t.true(snap.latencyP50Ms! >= 500 && snap.latencyP50Ms! <= 500 * 1.19 + 1, `p50 ${snap.latencyP50Ms}`);
  t.true(snap.latencyP95Ms! >= 950 && snap.latencyP95Ms! <= 950 * 1.19 + 1, `p95 ${snap.latencyP95Ms}`);
});

test('memory does not grow with the number of acknowledgements', (t) => {
  const { host, sl } = monitor({ latencyP95Ms: 100 });
  for (let i = 0; i < 20_000; i++) {
    sl.ackLatency(i % 300);
    if (i % 1000 === 0) host.clock.advance(7_000);
  }
  const snap = sl.snapshot();
  // Only the slots still in the 60 s window count.
  t.true(snap.latencySamples > 0 && snap.latencySamples < 20_000);
});

test('a p95 above the promise is a latency violation naming the quantile', (t) => {
  const { sl, events } = monitor({ latencyP95Ms: 200, latencyP50Ms: 1000 });
  for (let i = 0; i < 9; i++) sl.ackLatency(5000);
  t.deepEqual(sl.evaluate(undefined), [], 'too few samples to judge');
  for (let i = 0; i < 11; i++) sl.ackLatency(50);
  const [event] = sl.evaluate(undefined);
  t.like(event, { kind: 'latency', quantile: 'p95', promised: 200 });
  t.true(event!.observed >= 5000);
  t.is(events.length, 1);
});

test('delivery lag beyond the promise is a lag violation', (t) => {
  const { sl } = monitor({ maxLagMs: 60_000 });
  t.deepEqual(sl.evaluate(59_000), []);
  const [event] = sl.evaluate(61_000);
  t.like(event, { kind: 'lag', observed: 61_000, promised: 60_000 });
  t.deepEqual(sl.evaluate(90_000), []);
  t.deepEqual(sl.evaluate(undefined), [], 'nothing waiting: recovered');
  t.is(sl.evaluate(70_000).length, 1);
  t.is(sl.snapshot().violations.lag, 2);
  t.false(sl.snapshot().violating.uptime);
});

test('a throwing audit sink does not stop measuring', (t) => {
  const { sl } = monitor({ maxLagMs: 1 }, { onViolation: () => { throw new Error('audit full'); } });
  t.is(sl.evaluate(5).length, 1);
  t.is(sl.snapshot().violations.lag, 1);
});
