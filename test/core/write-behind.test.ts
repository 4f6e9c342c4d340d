/**
 * RAM first, flash on need (modules/log/write-behind.ts): records a vendor
 * acknowledges in time never touch flash; they spill, oldest first and in
 * batches, when the vendor is slow, the window is full, the hub shuts down or
 * the contract says `flash`; a power cut loses at most the window and the
 * next boot reports the gap; seqs are never reused.
 */
import test from 'ava';
import { bytesEqual } from '../../modules/bytes.js';
import { WriteBehind, type WindowOptions } from '../../modules/log/write-behind.js';
import { openLog, payload, stampNow } from '../support/log-fixture.js';
import { makeTestHost, type TestHost } from '../support/test-host.js';

const WINDOW: WindowOptions = { records: 16, bytes: 1024, spillDelayMs: 3000, spillBytes: 200, reserveBlock: 16 };

function setup(host = makeTestHost({ seed: 3, flashBytes: 16 * 512, blockSize: 512 }), options: WindowOptions = WINDOW) {
  const opened = openLog(host);
  return { host, log: opened.log, report: opened.report, buffer: new WriteBehind(opened.log, host.clock, options) };
}

function add(buffer: WriteBehind, host: TestHost, who: string, n: number, purposes = 0): number {
  const r = buffer.append(who, payload(who, n), stampNow(host), purposes);
  if (!r.ok) throw new Error(r.message);
  return r.seq;
}

test('records acknowledged in time go from RAM to the vendor and never touch flash', (t) => {
  const { host, log, buffer } = setup();
  for (let i = 1; i <= 200; i++) {
    const seq = add(buffer, host, 'energy', i);
    t.is(seq, i);
    if (i % 10 === 0) {
      const got = buffer.pending('energy', 50);
      t.deepEqual(got.map((r) => r.seq), Array.from({ length: 10 }, (_, k) => i - 9 + k));
      t.true(bytesEqual(got[0]!.payload, payload('energy', i - 9)));
      buffer.acknowledge('energy', got.at(-1)!.seq);
    }
    host.clock.advance(100);
  }
  t.is(log.counters().appended, 0, 'no record was sealed');
  // Only the seq reservations reached flash: one mark per 16 seqs.
  t.true(host.recordFlash.bytesWritten < 20 * 30, `${host.recordFlash.bytesWritten} bytes written`);
  t.is(buffer.counters().fromRam, 200);
  t.is(buffer.stats('energy').records, 0);
});

test('a slow vendor: the oldest record spills once it waited past the spill delay, in batches, in order', (t) => {
  const { host, log, buffer } = setup();
  for (let i = 1; i <= 6; i++) {
    add(buffer, host, 'energy', i);
    host.clock.advance(400);
  }
  buffer.tick();
  t.is(log.stats('energy').records, 0, 'nothing is due yet');
  host.clock.advance(1000); // the first record waited 3 s
  buffer.tick();
  const spilled = log.stats('energy').records;
  t.true(spilled >= 2, 'a batch of at least spillBytes, not one record');
  t.is(buffer.counters().spills, 1);
  t.is(buffer.stats('energy').records, 6);
  // Delivery reads flash first, then RAM: one ordered sequence.
  t.deepEqual(buffer.pending('energy', 50).map((r) => r.seq), [1, 2, 3, 4, 5, 6]);
  t.deepEqual(buffer.pending('energy', 50, 2).map((r) => r.seq), [3, 4, 5, 6]);
  buffer.acknowledge('energy', 4);
  t.deepEqual(buffer.pending('energy', 50).map((r) => r.seq), [5, 6]);
  host.clock.advance(10_000);
  buffer.tick();
  t.is(log.stats('energy').records, 2, 'all that waited is on flash');
  t.deepEqual(buffer.pending('energy', 50).map((r) => r.seq), [5, 6]);
});

test('the window is bounded: past the high-water mark the oldest records spill', (t) => {
  const { host, log, buffer } = setup(makeTestHost({ seed: 3, flashBytes: 32 * 512, blockSize: 512 }));
  for (let i = 1; i <= 100; i++) add(buffer, host, 'energy', i);
  const inRam = buffer.stats('energy').records - log.stats('energy').records;
  t.true(inRam <= 12, `${inRam} records in RAM (high-water 12 of 16)`);
  t.true(buffer.counters().spilled['high-water'] >= 88 - 12);
  t.deepEqual(buffer.pending('energy', 1000).map((r) => r.seq), Array.from({ length: 100 }, (_, k) => k + 1));
  // Large payloads count against the byte window the same way.
  const big = setup();
  for (let i = 1; i <= 20; i++) big.buffer.append('energy', payload('energy', i, 200), stampNow(big.host));
  t.true(big.buffer.stats('energy').bytes - big.log.stats('energy').bytes <= 1024);
});

test('durability "flash": every record is sealed on flash before it can be sent', (t) => {
  const { host, log, buffer } = setup();
  buffer.configure('alarm', { durability: 'flash' });
  for (let i = 1; i <= 5; i++) {
    add(buffer, host, 'alarm', i);
    t.is(log.stats('alarm').records, i);
  }
  // Switching a ram-first integration to flash spills what it holds first.
  add(buffer, host, 'energy', 1);
  add(buffer, host, 'energy', 2);
  buffer.configure('energy', { durability: 'flash' });
  t.is(log.stats('energy').records, 2);
  const seq = add(buffer, host, 'energy', 3);
  t.true(seq > 2);
  t.deepEqual(buffer.pending('energy', 10).map((r) => r.seq), [1, 2, seq]);
});

test('a clean shutdown spills the window: a reboot finds every record and no gap', (t) => {
  const { host, buffer } = setup();
  for (let i = 1; i <= 5; i++) add(buffer, host, 'energy', i);
  buffer.acknowledge('energy', 2);
  buffer.shutdown();
  host.clock.reboot({ wallTime: host.clock.wallTime() });
  const again = setup(host);
  t.is(again.report.seqGaps, 0);
  t.is(again.buffer.settleGap('energy'), undefined);
  t.deepEqual(again.buffer.pending('energy', 10).map((r) => r.seq), [3, 4, 5]);
  t.true(add(again.buffer, host, 'energy', 6) > 5);
});

test('a power cut loses at most the RAM window, reported once as a seq gap; seqs are never reused', (t) => {
  const { host, buffer } = setup();
  for (let i = 1; i <= 10; i++) add(buffer, host, 'energy', i);
  host.clock.advance(5000);
  buffer.tick(); // 1..10 spilled
  for (let i = 11; i <= 14; i++) add(buffer, host, 'energy', i);
  buffer.acknowledge('energy', 3);
  // Power cut: no shutdown.
  host.clock.reboot({ wallTime: host.clock.wallTime() });
  const again = setup(host);
  t.is(again.report.seqGaps, 1);
  t.deepEqual(again.buffer.pending('energy', 50).map((r) => r.seq), [4, 5, 6, 7, 8, 9, 10], 'spilled records survive, acknowledged ones do not return');
  const gap = again.buffer.settleGap('energy')!;
  t.is(gap.from, 11);
  t.true(gap.to >= 14, 'the gap covers every record the cut took');
  t.true(gap.to - gap.from + 1 <= WINDOW.records! + WINDOW.reserveBlock!, 'and no more than the window and one reservation');
  t.is(again.buffer.droppedFor('energy').lost, gap.to - gap.from + 1);
  const next = add(again.buffer, host, 'energy', 15);
  t.true(next > gap.to, 'a new record never reuses a lost seq');
  // Reported once: the next boot (after another cut) does not report it again.
  host.clock.reboot({ wallTime: host.clock.wallTime() });
  const third = setup(host);
  const later = third.buffer.settleGap('energy');
  t.true(later === undefined || later.from > gap.to);
});

test('purposes travel beside each record, in RAM and in the log index', (t) => {
  const { host, log, buffer } = setup();
  add(buffer, host, 'energy', 1, 0b01);
  add(buffer, host, 'energy', 2, 0b11);
  t.deepEqual(buffer.pending('energy', 10).map((r) => r.purposes), [0b01, 0b11]);
  buffer.shutdown();
  t.is(log.stats('energy').records, 2);
  t.deepEqual(buffer.pending('energy', 10).map((r) => r.purposes), [0b01, 0b11]);
});

test('purge drops RAM records too and later seqs stay above the old ones', (t) => {
  const { host, buffer } = setup();
  for (let i = 1; i <= 4; i++) add(buffer, host, 'energy', i);
  t.is(buffer.purge('energy'), 4);
  t.is(buffer.stats('energy').records, 0);
  t.is(buffer.droppedFor('energy').purged, 4);
  t.true(add(buffer, host, 'energy', 5) > 4);
});

test('window options are checked', (t) => {
  const host = makeTestHost();
  const { log } = openLog(host);
  t.throws(() => new WriteBehind(log, host.clock, { records: 0 }), { message: /records/ });
  t.throws(() => new WriteBehind(log, host.clock, { highWater: 2 }), { message: /highWater/ });
});
