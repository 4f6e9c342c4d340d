import test from 'ava';
import { TokenBucket } from '../../modules/forward/pacing.js';
import { makeTestHost } from '../support/test-host.js';

test('a full bucket allows a burst of its capacity, then the rate', (t) => {
  const host = makeTestHost();
  const bucket = new TokenBucket(host.clock, 10, 20);
  t.is(bucket.waitMs(20), 0);
  bucket.take(20);
  t.is(bucket.waitMs(1), 100);
  t.is(bucket.waitMs(10), 1000);
  host.clock.advance(500);
  t.is(Math.round(bucket.available), 5);
  t.is(bucket.waitMs(10), 500);
});

test('tokens never exceed the capacity however long the outage', (t) => {
  const host = makeTestHost();
  const bucket = new TokenBucket(host.clock, 5, 8);
  bucket.take(8);
  host.clock.advance(24 * 3_600_000);
  t.is(bucket.available, 8);
});

test('draining a backlog through the bucket keeps the average rate', (t) => {
  const host = makeTestHost();
  const bucket = new TokenBucket(host.clock, 50, 10);
  let sent = 0;
  const start = host.clock.monotonic();
  while (sent < 1010) {
    const wait = bucket.waitMs(10);
    if (wait > 0) host.clock.advance(wait);
    bucket.take(10);
    sent += 10;
  }
  const seconds = (host.clock.monotonic() - start) / 1000;
  // 1000 records beyond the first burst at 50/s take 20 s.
  t.true(seconds >= 19.9 && seconds <= 20.5, `took ${seconds} s`);
});

test('a request larger than the capacity waits only for a full bucket', (t) => {
  const host = makeTestHost();
  const bucket = new TokenBucket(host.clock, 10, 5);
  bucket.take(5);
  t.is(bucket.waitMs(50), 500);
});

test('nonsense rates are refused with the rule', (t) => {
  const host = makeTestHost();
  t.throws(() => new TokenBucket(host.clock, 0, 5), { message: /ratePerSecond must be > 0/ });
  t.throws(() => new TokenBucket(host.clock, 1, 0), { message: /capacity must be >= 1/ });
});
