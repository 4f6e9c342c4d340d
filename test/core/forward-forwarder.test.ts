import test from 'ava';
import { encode } from 'cbor-x';
import { BreakerRegistry } from '../../modules/forward/backoff.js';
import { Forwarder, type ForwarderOptions } from '../../modules/forward/forwarder.js';
import type { ServiceLevelEvent } from '../../modules/forward/service-levels.js';
import { StampTime } from '../../modules/forward/stamp-time.js';
import type { DeliveryTerms } from '../../modules/forward/terms.js';
import { dedupe, FakeTransport, settle } from '../support/fake-transport.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { makeTestHost, type TestHost } from '../support/test-host.js';

function terms(integration: string, extra: Partial<DeliveryTerms> = {}): DeliveryTerms {
  return {
    integration,
    endpoint: `mqtts://${integration}.vendor.example:8883/airlock/${integration}`,
    format: 'cbor',
    batchSize: 10,
    maxRecordsPerSecond: 1000,
    ackTimeoutMs: 5_000,
    promised: {},
    ...extra,
  };
}

interface Rig {
  host: TestHost;
  queue: MemoryQueue;
  stampTime: StampTime;
  append(integration: string, count: number): void;
  forwarder(integration: string, transport: FakeTransport, extra?: Partial<ForwarderOptions>, termsExtra?: Partial<DeliveryTerms>): Forwarder;
  /** Advances manual time in steps, letting promises settle between them. */
  run(ms: number, step?: number): Promise<void>;
}

function rig(options: { noWallTime?: boolean } = {}): Rig {
  const host = makeTestHost();
  if (options.noWallTime) host.clock.setWallTime(undefined);
  const queue = new MemoryQueue();
  const stampTime = new StampTime(host.clock);
  return {
    host,
    queue,
    stampTime,
    append(integration, count) {
      for (let i = 0; i < count; i++) queue.append(integration, encode({ n: i, w: 100 + i }), stampTime.now());
    },
    forwarder(integration, transport, extra = {}, termsExtra = {}) {
      return new Forwarder({
        hub: 'hub-test',
        terms: terms(integration, termsExtra),
        queue,
        transport,
        clock: host.clock,
        timers: host.timers,
        random: host.random,
        stampTime,
        backoff: { baseMs: 100, maxMs: 1000 },
        tickMs: 100,
        ...extra,
      });
    },
    async run(ms, step = 10) {
      await settle();
      for (let t = 0; t < ms; t += step) {
        host.timers.advance(step);
        await settle();
      }
    },
  };
}

function fake(r: Rig, integration: string): FakeTransport {
  return new FakeTransport(`mqtts://${integration}.vendor.example:8883/airlock/${integration}`, () => r.host.clock.monotonic());
}

test('delivers in order, in batches, and acknowledges only what was confirmed', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  r.append('energy', 25);
  const f = r.forwarder('energy', transport);
  f.start();
  await r.run(50);
  t.deepEqual(transport.calls.map((c) => [c.firstSeq, c.lastSeq]), [[1, 10], [11, 20], [21, 25]]);
  t.deepEqual(transport.seqs(), Array.from({ length: 25 }, (_, i) => i + 1));
  t.deepEqual(r.queue.ackLog, [['energy', 10], ['energy', 20], ['energy', 25]]);
  t.is(r.queue.stats('energy').records, 0);
  t.like(f.counters, { forwarded: 25, messages: 3, attempts: 3, retried: 0 });
  t.is(transport.received[0]!.records[0]!.data && (transport.received[0]!.records[0]!.data as { w: number }).w, 100);
  t.is(transport.calls[0]!.timeoutMs, 5_000);
  await f.stop();
});

test('records appended later are picked up on notify', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  const f = r.forwarder('energy', transport);
  f.start();
  await r.run(20);
  t.is(transport.calls.length, 0);
  r.append('energy', 3);
  f.notify();
  await settle();
  t.deepEqual(transport.seqs(), [1, 2, 3]);
  await f.stop();
});

test('a failed attempt keeps the records and sends the same range again after a backoff', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  transport.script.push('unreachable', 'server');
  r.append('energy', 5);
  const f = r.forwarder('energy', transport);
  f.start();
  await settle();
  t.is(transport.calls.length, 1);
  t.is(r.queue.stats('energy').records, 5, 'nothing acknowledged on failure');
  await r.run(40);
  t.is(transport.calls.length, 1, 'the second attempt waits for the backoff (>= 50 ms)');
  await r.run(70);
  t.is(transport.calls.length, 2);
  await r.run(400);
  t.is(transport.calls.length, 3);
  t.deepEqual(transport.calls.map((c) => c.firstSeq), [1, 1, 1]);
  t.true(transport.calls[1]!.at - transport.calls[0]!.at >= 50);
  t.true(transport.calls[2]!.at - transport.calls[1]!.at >= 100);
  t.deepEqual(transport.seqs(), [1, 2, 3, 4, 5]);
  t.like(f.counters, { forwarded: 5, attempts: 3, retried: 10 });
  t.like(f.counters.failures, { unreachable: 1, server: 1 });
  t.regex(f.counters.lastError!, /server/);
  await f.stop();
});

test('duplicates appear only after a lost acknowledgement, and carry their seqs', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  transport.script.push('ack', 'lose-ack', 'ack', 'ack');
  r.append('energy', 30);
  const f = r.forwarder('energy', transport);
  f.start();
  await r.run(2000);
  const { unique, duplicates } = dedupe(transport.seqs());
  t.deepEqual(unique, Array.from({ length: 30 }, (_, i) => i + 1));
  t.deepEqual(duplicates, [11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 'exactly the batch whose ack was lost');
  t.is(f.counters.forwarded, 30, 'the forwarder counts each record once');
  t.is(f.counters.sentRecords, transport.seqs().length, 'what was sent is what the receiver saw');
  await f.stop();
});

test('a transport that never answers is given up on by the watchdog', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  transport.script.push('hang');
  r.append('energy', 2);
  const f = r.forwarder('energy', transport);
  f.start();
  await r.run(6_900, 100);
  t.is(transport.calls.length, 1, 'still waiting (ack timeout 5 s + grace)');
  await r.run(2_000, 100);
  t.is(transport.calls.length, 2);
  t.is(f.counters.failures.timeout, 1);
  t.is(r.queue.stats('energy').records, 0);
  await f.stop();
});

test('a receiver that refuses the size gets smaller batches, then full ones again', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  transport.script.push('tooLarge', 'tooLarge');
  r.append('energy', 20);
  const f = r.forwarder('energy', transport);
  f.start();
  await r.run(3000);
  t.deepEqual(transport.calls.map((c) => c.lastSeq - c.firstSeq + 1), [10, 5, 2, 4, 8, 6]);
  t.is(f.counters.forwarded, 20);
  await f.stop();
});

test('maxBatchBytes bounds a message but a single big record still goes', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  r.queue.append('energy', encode('x'.repeat(300)), r.stampTime.now());
  r.append('energy', 4);
  const f = r.forwarder('energy', transport, {}, { maxBatchBytes: 40 });
  f.start();
  await r.run(100);
  t.is(transport.calls[0]!.lastSeq, 1);
  t.true(transport.calls.length >= 2);
  t.is(f.counters.forwarded, 5);
  await f.stop();
});

test('after an outage the backlog drains at the contract rate, not as a flood', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  transport.fallback = 'unreachable';
  const f = r.forwarder('energy', transport, {}, { maxRecordsPerSecond: 20, batchSize: 10 });
  f.start();
  r.append('energy', 200);
  await r.run(10_000, 100);
  t.is(f.counters.forwarded, 0);
  transport.fallback = 'ack';
  const start = r.host.clock.monotonic();
  await r.run(12_000, 50);
  t.is(f.counters.forwarded, 200);
  const acks = transport.calls.filter((c) => c.at >= start);
  const firstAck = acks.findIndex((_, i) => i >= 0);
  const drainMs = acks[acks.length - 1]!.at - acks[firstAck]!.at;
  // 190 records after the first burst of 10, at 20/s: 9.5 s.
  t.true(drainMs >= 9_000 && drainMs <= 10_500, `drained in ${drainMs} ms`);
  await f.stop();
});

test('a dead vendor does not slow a live one', async (t) => {
  const r = rig();
  const dead = fake(r, 'insurer');
  dead.fallback = 'hang';
  const live = fake(r, 'energy');
  r.append('insurer', 50);
  r.append('energy', 50);
  const a = r.forwarder('insurer', dead);
  const b = r.forwarder('energy', live);
  a.start();
  b.start();
  await r.run(100);
  t.is(b.counters.forwarded, 50);
  t.deepEqual(live.seqs(), Array.from({ length: 50 }, (_, i) => i + 1));
  t.is(a.counters.forwarded, 0);
  t.is(r.queue.stats('insurer').records, 50, 'the dead vendor\'s records wait, none lost');
  await b.stop();
  await a.stop();
  t.is(a.counters.failures.closed, 0, 'stopping is not counted against the vendor');
});

test('the circuit breaker opens after repeated failures and probes with one message', async (t) => {
  const r = rig();
  const registry = new BreakerRegistry(r.host.clock, { failureThreshold: 3, openMs: 5_000 });
  const transport = fake(r, 'energy');
  transport.fallback = 'unreachable';
  r.append('energy', 5);
  const f = r.forwarder('energy', transport, { breaker: registry.for(transport.endpoint) });
  const states: string[] = [];
  f.connectivity.onChange((s) => states.push(s));
  f.start();
  await r.run(2_000, 50);
  t.is(transport.calls.length, 3, 'no attempt while open');
  t.is(f.breaker.state, 'open');
  t.is(f.connectivity.state, 'offline');
  transport.fallback = 'ack';
  await r.run(4_000, 50);
  t.is(transport.calls.length, 4, 'one probe when half-open');
  t.is(f.breaker.state, 'closed');
  t.is(f.connectivity.state, 'online');
  t.is(f.counters.forwarded, 5);
  t.deepEqual(states.filter((s, i) => s !== states[i - 1]), ['degraded', 'offline', 'degraded', 'online']);
  await f.stop();
});

test('a reconnect ends the backoff wait early', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  transport.script.push('unreachable', 'unreachable', 'unreachable');
  r.append('energy', 1);
  const f = r.forwarder('energy', transport, { backoff: { baseMs: 60_000, maxMs: 60_000 } });
  f.start();
  await settle();
  transport.setState('disconnected');
  t.is(f.connectivity.state, 'offline');
  transport.setState('connected');
  await settle();
  t.is(transport.calls.length, 2);
  await f.stop();
});

test('a transport still connecting is waited for, not failed against', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  transport.setState('connecting');
  r.append('energy', 3);
  const f = r.forwarder('energy', transport);
  f.start();
  await r.run(1_000, 100);
  t.is(transport.calls.length, 0);
  t.is(f.connectivity.state, 'degraded');
  transport.setState('connected');
  await settle();
  t.deepEqual(transport.seqs(), [1, 2, 3]);
  t.like(f.counters, { attempts: 1, retried: 0 });
  // A session that never opens: after an ack timeout the forwarder tries anyway (and backs off).
  transport.setState('connecting');
  r.append('energy', 1);
  f.notify();
  await r.run(4_000, 100);
  t.is(transport.calls.length, 1);
  await r.run(1_500, 100);
  t.is(transport.calls.length, 2);
  await f.stop();
});

test('lag and uptime violations are counted and emitted for the audit log', async (t) => {
  const r = rig();
  const events: ServiceLevelEvent[] = [];
  const transport = fake(r, 'energy');
  transport.fallback = 'unreachable';
  r.append('energy', 3);
  const f = r.forwarder(
    'energy',
    transport,
    { onServiceLevelEvent: (e) => events.push(e), serviceLevels: { windowMs: 60_000, slots: 6, minObservedMs: 5_000 } },
    { promised: { maxLagMs: 10_000, uptimeRatio: 0.95 } },
  );
  f.start();
  await r.run(12_000, 200);
  t.deepEqual(events.map((e) => e.kind).sort(), ['lag', 'uptime']);
  const lag = events.find((e) => e.kind === 'lag')!;
  t.like(lag, { integration: 'energy', promised: 10_000 });
  t.true(lag.observed > 10_000);
  t.like(f.snapshot().serviceLevels.violations, { lag: 1, uptime: 1, latency: 0 });
  t.true(f.snapshot().oldestAgeMs! >= 12_000);
  await f.stop();
});

test('records from before the hub knew the time are delivered with their corrected time', async (t) => {
  const r = rig({ noWallTime: true });
  const transport = fake(r, 'energy');
  r.host.clock.advance(1_000);
  r.append('energy', 1);
  r.host.clock.advance(4_000);
  r.host.clock.setWallTime(Date.UTC(2026, 2, 3));
  const f = r.forwarder('energy', transport);
  f.start();
  await r.run(20);
  t.is(transport.received[0]!.records[0]!.at, Date.UTC(2026, 2, 3) - 4_000);
  await f.stop();
});

test('JSON envelopes when the contract asks for them', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  r.append('energy', 2);
  const f = r.forwarder('energy', transport, {}, { format: 'json' });
  f.start();
  await r.run(20);
  t.deepEqual(transport.seqs(), [1, 2]);
  t.deepEqual(transport.received[0]!.records[1]!.data, { n: 1, w: 101 });
  await f.stop();
});

test('a broken queue does not crash the forwarder; it retries later', async (t) => {
  const r = rig();
  const transport = fake(r, 'energy');
  r.append('energy', 2);
  let broken = true;
  const queue = {
    pending: (i: string, max: number, after?: number) => {
      if (broken) throw new Error('flash read failed');
      return r.queue.pending(i, max, after);
    },
    acknowledge: (i: string, seq: number) => r.queue.acknowledge(i, seq),
    stats: (i: string) => r.queue.stats(i),
  };
  const f = r.forwarder('energy', transport, { queue });
  f.start();
  await settle();
  t.regex(f.counters.lastError!, /flash read failed/);
  broken = false;
  await r.run(2_000, 50);
  t.is(f.counters.forwarded, 2);
  await f.stop();
});

test('invalid terms are refused before anything runs', (t) => {
  const r = rig();
  t.throws(() => r.forwarder('energy', fake(r, 'energy'), {}, { maxRecordsPerSecond: 0 }), { message: /maxRecordsPerSecond/ });
});
