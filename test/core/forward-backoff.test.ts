import test from 'ava';
import { Backoff, BreakerRegistry, CircuitBreaker, randomUnit } from '../../modules/forward/backoff.js';
import { makeTestHost } from '../support/test-host.js';

test('backoff delays grow exponentially, stay within [d/2, d] and are capped', (t) => {
  const host = makeTestHost({ seed: 7 });
  const backoff = new Backoff(host.random, { baseMs: 100, maxMs: 2000, factor: 2 });
  const ceilings = [100, 200, 400, 800, 1600, 2000, 2000, 2000];
  for (const ceiling of ceilings) {
    const delay = backoff.next();
    t.true(delay >= ceiling / 2 && delay <= ceiling, `delay ${delay} outside [${ceiling / 2}, ${ceiling}]`);
  }
  t.is(backoff.failures, ceilings.length);
  backoff.reset();
  t.true(backoff.next() <= 100);
});

test('backoff is jittered: hubs failing together do not retry together', (t) => {
  const a = new Backoff(makeTestHost({ seed: 1 }).random, { baseMs: 1000 });
  const b = new Backoff(makeTestHost({ seed: 2 }).random, { baseMs: 1000 });
  const delaysA = [a.next(), a.next(), a.next()];
  const delaysB = [b.next(), b.next(), b.next()];
  t.notDeepEqual(delaysA, delaysB);
});

test('randomUnit covers [0, 1)', (t) => {
  const host = makeTestHost({ seed: 3 });
  const values = Array.from({ length: 200 }, () => randomUnit(host.random));
  t.true(values.every((v) => v >= 0 && v < 1));
  t.true(Math.min(...values) < 0.1 && Math.max(...values) > 0.9);
});

test('backoff refuses nonsense settings with the rule', (t) => {
  const host = makeTestHost();
  t.throws(() => new Backoff(host.random, { baseMs: 0 }), { message: /baseMs > 0/ });
});

test('breaker opens after the threshold, lets one probe through when half-open, closes on its success', (t) => {
  const host = makeTestHost();
  const breaker = new CircuitBreaker('mqtts://vendor.example:8883/t', host.clock, { failureThreshold: 3, openMs: 1000 });
  const states: string[] = [];
  breaker.onStateChange((s) => states.push(s));
  t.is(breaker.state, 'closed');
  breaker.failure();
  breaker.failure();
  t.true(breaker.tryAcquire());
  breaker.failure();
  t.is(breaker.state, 'open');
  t.false(breaker.tryAcquire());
  t.is(breaker.waitMs(), 1000);
  host.clock.advance(999);
  t.is(breaker.state, 'open');
  host.clock.advance(1);
  t.is(breaker.state, 'half-open');
  t.true(breaker.tryAcquire(), 'the probe');
  t.false(breaker.tryAcquire(), 'only one probe at a time');
  breaker.success();
  t.is(breaker.state, 'closed');
  t.true(breaker.tryAcquire());
  t.deepEqual(states, ['open', 'half-open', 'closed']);
  t.is(breaker.opens, 1);
});

test('a failed probe reopens the breaker for twice as long, up to the limit', (t) => {
  const host = makeTestHost();
  const breaker = new CircuitBreaker('https://vendor.example/in', host.clock, { failureThreshold: 1, openMs: 1000, maxOpenMs: 3000 });
  breaker.failure();
  const openFor: number[] = [];
  for (let i = 0; i < 3; i++) {
    openFor.push(breaker.waitMs());
    host.clock.advance(breaker.waitMs());
    t.true(breaker.tryAcquire());
    breaker.failure();
  }
  t.deepEqual(openFor, [1000, 2000, 3000]);
  t.is(breaker.state, 'open');
  t.is(breaker.opens, 4);
});

test('success in closed state resets the failure count', (t) => {
  const host = makeTestHost();
  const breaker = new CircuitBreaker('https://v.example/', host.clock, { failureThreshold: 2 });
  breaker.failure();
  breaker.success();
  breaker.failure();
  t.is(breaker.state, 'closed');
});

test('the registry gives one breaker per endpoint', (t) => {
  const host = makeTestHost();
  const registry = new BreakerRegistry(host.clock);
  t.is(registry.for('mqtts://a:8883/x'), registry.for('mqtts://a:8883/x'));
  t.not(registry.for('mqtts://a:8883/x'), registry.for('mqtts://b:8883/x'));
});
