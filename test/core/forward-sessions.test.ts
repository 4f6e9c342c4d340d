import test from 'ava';
import { encode } from 'cbor-x';
import { Forwarder } from '../../modules/forward/forwarder.js';
import { SessionPool, type SessionOptions } from '../../modules/forward/sessions.js';
import { StampTime } from '../../modules/forward/stamp-time.js';
import type { DeliveryTerms } from '../../modules/forward/terms.js';
import { dedupe, settle } from '../support/fake-transport.js';
import { FakeLink, LinkMeter, OnDemandTransport } from '../support/fake-sessions.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { makeTestHost } from '../support/test-host.js';

function rig(options: SessionOptions) {
  const host = makeTestHost();
  const queue = new MemoryQueue();
  const stampTime = new StampTime(host.clock);
  const pool = new SessionPool(options, host);
  const meter = new LinkMeter();
  const now = () => host.clock.monotonic();
  const forwarders: Forwarder[] = [];
  return {
    host,
    queue,
    pool,
    meter,
    append(integration: string, count: number) {
      for (let i = 0; i < count; i++) queue.append(integration, encode({ n: i }), stampTime.now());
    },
    link(key: string, connectMs = 0) {
      return new FakeLink(key, meter, host.timers, connectMs);
    },
    lane(integration: string, link: FakeLink, terms: Partial<DeliveryTerms> = {}) {
      const endpoint = `mqtts://${link.key}:8883/airlock/${integration}`;
      const transport = new OnDemandTransport(endpoint, now, pool, link);
      const forwarder = new Forwarder({
        hub: 'hub-test',
        terms: { integration, endpoint, format: 'cbor', batchSize: 10, maxRecordsPerSecond: 1000, ackTimeoutMs: 5_000, promised: {}, ...terms },
        queue,
        transport,
        clock: host.clock,
        timers: host.timers,
        random: host.random,
        stampTime,
        backoff: { baseMs: 100, maxMs: 1000 },
        tickMs: 100,
        serviceLevels: { minLatencySamples: 1 },
      });
      forwarders.push(forwarder);
      forwarder.start();
      return { transport, forwarder };
    },
    /** Advances manual time in steps, letting promises settle, until `done()` or `ms` ran out; calls `each` after every step. */
    async runUntil(done: () => boolean, ms: number, each: () => void = () => undefined, step = 10) {
      await settle();
      for (let t = 0; t < ms && !done(); t += step) {
        host.timers.advance(step);
        await settle();
        each();
      }
      return done();
    },
    async stop() {
      await Promise.all(forwarders.map((f) => f.stop()));
      await pool.close();
    },
  };
}

const inOrder = (seqs: number[], count: number) => dedupe(seqs).unique.join() === Array.from({ length: count }, (_, i) => i + 1).join();

test('a session opens when there is something to send, closes when idle, and opens again for new records', async (t) => {
  const r = rig({ idleMs: 2_000 });
  const link = r.link('energy.vendor.example');
  const { transport, forwarder } = r.lane('energy', link);
  await r.runUntil(() => false, 500);
  t.is(link.opens, 0, 'nothing to send: no connection');

  r.append('energy', 25);
  forwarder.notify();
  t.true(await r.runUntil(() => forwarder.counters.forwarded === 25, 2_000));
  t.true(link.isOpen);
  t.is(forwarder.snapshot().session?.state, 'closed', 'the lane let go once its queue was empty');

  t.false(await r.runUntil(() => !link.isOpen, 1_500), 'still open before idleMs');
  t.true(await r.runUntil(() => !link.isOpen, 1_000), 'closed after idleMs without records');
  t.is(r.pool.stats().idleClosed, 1);
  t.is(forwarder.connectivity.state, 'online', 'an idle close is not an outage');

  r.append('energy', 5);
  forwarder.notify();
  t.true(await r.runUntil(() => forwarder.counters.forwarded === 30, 2_000));
  t.is(link.opens, 2, 'opened again for the new records');
  t.true(inOrder(transport.seqs(), 30));
  await r.stop();
  t.false(link.isOpen);
});

test('lanes of one endpoint share one session', async (t) => {
  const r = rig({ idleMs: 1_000, maxSessions: 2 });
  const shared = r.link('broker.vendor.example');
  const a = r.lane('energy', shared);
  const b = r.lane('heating', shared);
  r.append('energy', 30);
  r.append('heating', 30);
  a.forwarder.notify();
  b.forwarder.notify();
  t.true(await r.runUntil(() => a.forwarder.counters.forwarded === 30 && b.forwarder.counters.forwarded === 30, 3_000));
  t.is(shared.opens, 1, 'one connection for both');
  t.is(r.meter.maxOpen, 1);
  t.true(inOrder(a.transport.seqs(), 30));
  t.true(inOrder(b.transport.seqs(), 30));
  t.true(await r.runUntil(() => !shared.isOpen, 2_000), 'closed once both are idle');
  await r.stop();
});

test('eight lanes under a cap of two: every record in order, never more than two open, waits counted', async (t) => {
  const r = rig({ idleMs: 1_000, maxSessions: 2, turnMs: 500 });
  const lanes = Array.from({ length: 8 }, (_, i) => r.lane(`lane${i}`, r.link(`vendor${i}.example`, 50)));
  for (let round = 0; round < 3; round++) {
    for (const [i] of lanes.entries()) r.append(`lane${i}`, 40);
    for (const { forwarder } of lanes) forwarder.notify();
    let sawWaiting = false;
    const done = await r.runUntil(
      () => lanes.every(({ forwarder }) => forwarder.counters.forwarded === 40 * (round + 1)),
      60_000,
      () => {
        t.true(r.pool.stats().open <= 2);
        if (lanes.some(({ forwarder }) => forwarder.snapshot().session?.state === 'waiting_for_session')) sawWaiting = true;
      },
    );
    t.true(done, `round ${round}: all delivered`);
    t.true(sawWaiting, 'lanes showed waiting_for_session');
    // Then the sessions go idle and close, and the next round opens them again.
    t.true(await r.runUntil(() => r.meter.open === 0, 5_000));
  }
  for (const [i, { transport }] of lanes.entries()) t.true(inOrder(transport.seqs(), 120), `lane${i} in order`);
  t.is(r.meter.maxOpen, 2, 'the links never had more than two open at once');
  t.is(r.pool.stats().maxOpen, 2);
  const waits = lanes.reduce((sum, { forwarder }) => sum + forwarder.snapshot().session!.waits, 0);
  t.true(waits >= 6 * 3, `waits counted (${waits})`);
  t.true(lanes.every(({ forwarder }) => forwarder.counters.failures.unreachable === 0), 'waiting is not a failure');
  await r.stop();
});

test('fair turns: a long backlog on one endpoint does not starve the others', async (t) => {
  const r = rig({ idleMs: 5_000, maxSessions: 1, turnMs: 1_000 });
  // 2 000 records at 100 records/s: 20 s of draining on its own.
  const big = r.lane('big', r.link('big.vendor.example', 50), { maxRecordsPerSecond: 100 });
  r.append('big', 2_000);
  big.forwarder.notify();
  await r.runUntil(() => false, 2_000);
  const small = [r.lane('small1', r.link('small1.example', 50)), r.lane('small2', r.link('small2.example', 50))];
  const queuedAt = r.host.clock.monotonic();
  for (const [i] of small.entries()) r.append(`small${i + 1}`, 5);
  for (const { forwarder } of small) forwarder.notify();
  t.true(await r.runUntil(() => small.every(({ forwarder }) => forwarder.counters.forwarded === 5), 10_000));
  const waited = r.host.clock.monotonic() - queuedAt;
  t.true(waited <= 3_000, `the small lanes got their turn within a turn or two (${waited} ms)`);
  t.true(big.forwarder.counters.forwarded < 2_000, 'while the backlog was still draining');
  t.true(await r.runUntil(() => big.forwarder.counters.forwarded === 2_000, 40_000));
  t.true(inOrder(big.transport.seqs(), 2_000));
  t.is(r.meter.maxOpen, 1);
  await r.stop();
});

test('the acknowledgement latency counts the connect time', async (t) => {
  const r = rig({ idleMs: 1_000 });
  const link = r.link('slow.vendor.example', 800);
  const { forwarder } = r.lane('slow', link);
  r.append('slow', 5);
  forwarder.notify();
  t.true(await r.runUntil(() => forwarder.counters.forwarded === 5, 3_000));
  const levels = forwarder.snapshot().serviceLevels;
  t.true((levels.latencyP50Ms ?? 0) >= 800, `p50 ${levels.latencyP50Ms} ms includes the 800 ms connect`);
  await r.stop();
});

test('a session that cannot open is a failure: records stay queued and go once it opens', async (t) => {
  const r = rig({ idleMs: 1_000, maxSessions: 1 });
  const link = r.link('flaky.vendor.example');
  link.failures.push('unreachable', 'unreachable');
  const { transport, forwarder } = r.lane('flaky', link);
  r.append('flaky', 12);
  forwarder.notify();
  t.true(await r.runUntil(() => forwarder.counters.forwarded === 12, 10_000));
  t.is(forwarder.counters.failures.unreachable, 2);
  t.true(inOrder(transport.seqs(), 12));
  t.is(r.pool.stats().failed, 2);
  t.is(r.pool.stats().open, 1, 'the failed opens gave their slot back');
  await r.stop();
});

test('a dropped session is opened again by the next attempt, nothing lost', async (t) => {
  const r = rig({ idleMs: 1_000 });
  const link = r.link('drop.vendor.example');
  const { transport, forwarder } = r.lane('drop', link, { maxRecordsPerSecond: 100, batchSize: 10 });
  r.append('drop', 100);
  forwarder.notify();
  t.true(await r.runUntil(() => forwarder.counters.forwarded >= 30, 5_000));
  link.drop();
  t.true(await r.runUntil(() => forwarder.counters.forwarded === 100, 10_000));
  t.true(link.opens >= 2);
  t.true(inOrder(transport.seqs(), 100));
  t.is(r.pool.stats().lost, 1);
  await r.stop();
});

test('options are checked', (t) => {
  const host = makeTestHost();
  t.throws(() => new SessionPool({ maxSessions: 0 }, host), { message: /maxSessions must be at least 1/ });
  t.throws(() => new SessionPool({ idleMs: -1 }, host), { message: /idleMs/ });
});

test('a lane built again (its credential replaced) gets a new link; the old one closes with its last lane', async (t) => {
  const r = rig({ idleMs: 60_000 });
  const built: FakeLink[] = [];
  const build = () => {
    const link = r.link('energy.vendor.example');
    built.push(link);
    return link;
  };
  const old = r.pool.claim('energy.vendor.example token', 'energy', build);
  const neighbour = r.pool.claim('energy.vendor.example token', 'heating', build);
  await old.acquire();
  old.release();
  t.is(built.length, 1, 'lanes of one endpoint share a link');
  t.true(built[0]!.isOpen);

  r.pool.renew('energy');
  const fresh = r.pool.claim('energy.vendor.example token', 'energy', build);
  t.is(built.length, 2, 'the rebuilt lane reads its credential again into a new link');
  await fresh.acquire();
  t.true(built[1]!.isOpen);
  await old.detach();
  t.true(built[0]!.isOpen, 'still attached by the other lane');
  await neighbour.detach();
  t.false(built[0]!.isOpen, 'the old link closes with its last lane');
  t.is(r.pool.stats().open, 1);
  r.pool.renew('no-such-lane');
  t.is(r.pool.claim('energy.vendor.example token', 'heating', build).link, built[1], 'a renew of another lane leaves the new link shared');
  await r.stop();
  t.false(built[1]!.isOpen);
});
