import test from 'ava';
import { bytesEqual } from '../../modules/bytes.js';
import { decodeEntryHeader, encodeEntry, ENTRY_HEADER_BYTES, KIND_RECORD, RECORD_OVERHEAD, SECTOR_HEADER_BYTES } from '../../modules/log/format.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { contains, openLog, payload, stampNow } from '../support/log-fixture.js';
import { makeTestHost, type TestHost } from '../support/test-host.js';

const small = (seed = 1) => makeTestHost({ seed, flashBytes: 8 * 512, blockSize: 512 });

function reboot(host: TestHost) {
  host.clock.reboot({ wallTime: host.clock.wallTime() });
  return openLog(host);
}

test('records come back in order, sealed: neither plaintext nor keys are on flash', (t) => {
  const host = makeTestHost();
  const { log, report, keyring } = openLog(host);
  t.is(report.state, 'blank');
  const seqs = [1, 2, 3].map((n) => log.append('energy', payload('energy', n), stampNow(host)));
  t.deepEqual(seqs, [1, 2, 3].map((seq) => ({ ok: true, seq })));
  const got = log.pending('energy', 10);
  t.deepEqual(got.map((r) => r.seq), [1, 2, 3]);
  t.true(bytesEqual(got[1]!.payload, payload('energy', 2)));
  t.is(got[0]!.stamp.wall, host.clock.wallTime());
  const flash = host.recordFlash.bytes;
  t.false(contains(flash, payload('energy', 2).subarray(0, 12)), 'plaintext reached flash');
  t.false(contains(flash, keyring.key('data', 'energy')!.subarray(0, 8)), 'the data key reached flash');
  t.deepEqual(log.stats('energy'), { records: 3, bytes: 120, oldestSeq: 1, oldestStamp: got[0]!.stamp });
});

test('entry headers show neither which vendor nor when: the tag is keyed, the stamp sealed (docs/flash-log.md)', (t) => {
  const host = makeTestHost();
  const { log } = openLog(host);
  const stamp = stampNow(host);
  t.true(log.append('health-sensors', payload('health-sensors', 1), stamp).ok);
  const flash = host.recordFlash.bytes;
  // Version 1 tagged entries with SHA-256("airlock-log:" + name): anyone with the chip could test vendor names.
  const unkeyed = host.crypto.sha256(new TextEncoder().encode('airlock-log:health-sensors')).subarray(0, 4);
  t.false(contains(flash, unkeyed), 'an unkeyed hash of the vendor name is on flash');
  // Version 1 kept the wall time in clear (ms since 2020-01-01, 40 bits): when the household was home.
  const since2020 = stamp.wall! - Date.UTC(2020, 0, 1);
  const low = new Uint8Array(4);
  new DataView(low.buffer).setUint32(0, since2020 >>> 0);
  t.false(contains(flash, low), 'the time of the reading is readable on flash');
  // The stamp still comes back, after a reboot too (read when the record is first opened).
  const { log: after } = reboot(host);
  t.is(after.stats('health-sensors').oldestStamp?.wall, stamp.wall);
  t.is(after.pending('health-sensors', 1)[0]!.stamp.wall, stamp.wall);
});

test('acknowledged records never come back, across a reboot, and seqs are never reused', (t) => {
  const host = small();
  const first = openLog(host).log;
  for (let n = 1; n <= 5; n++) first.append('leak', payload('leak', n), stampNow(host));
  first.acknowledge('leak', 3);
  t.deepEqual(first.pending('leak', 10).map((r) => r.seq), [4, 5]);
  first.acknowledge('leak', 99); // clamped to the highest seq given out
  const { log, report } = reboot(host);
  t.is(report.state, 'ok');
  t.deepEqual(log.pending('leak', 10), []);
  t.deepEqual(log.append('leak', payload('leak', 6), stampNow(host)), { ok: true, seq: 6 });
  t.deepEqual(log.pending('leak', 10).map((r) => r.seq), [6]);
});

test('pending pages with max and afterSeq', (t) => {
  const host = makeTestHost();
  const { log } = openLog(host);
  for (let n = 1; n <= 6; n++) log.append('a', payload('a', n), stampNow(host));
  t.deepEqual(log.pending('a', 2).map((r) => r.seq), [1, 2]);
  t.deepEqual(log.pending('a', 2, 2).map((r) => r.seq), [3, 4]);
  t.deepEqual(log.pending('nobody', 2), []);
});

test('a record moved to another seq or another integration fails to open and is counted corrupt', (t) => {
  const host = makeTestHost();
  const { log } = openLog(host);
  log.append('alpha', payload('alpha', 1), stampNow(host));
  log.append('beta', payload('beta', 1), stampNow(host));
  const bytes = host.recordFlash.bytes;
  const at = SECTOR_HEADER_BYTES; // alpha #1, the first entry
  const h = decodeEntryHeader(bytes, at, 4096)!;
  const betaTag = decodeEntryHeader(bytes, at + ENTRY_HEADER_BYTES + h.bodyLength, 4096)!.tag;
  const body = bytes.slice(at + ENTRY_HEADER_BYTES, at + ENTRY_HEADER_BYTES + h.bodyLength);
  // Forge a valid header claiming beta seq 7 around alpha's sealed body (bypassing NOR rules, as an attacker with a programmer could).
  const forged = encodeEntry({ kind: KIND_RECORD, tag: betaTag, seq: 7, epoch: h.epoch }, body);
  forged[0] = KIND_RECORD;
  bytes.set(forged, at);
  const { log: reopened } = openLog(host);
  t.deepEqual(reopened.pending('beta', 10).map((r) => r.seq), [1]);
  t.is(reopened.counters().dropped.corrupt, 1);
  t.deepEqual(reopened.pending('alpha', 10), []);
});

test('quota: drop-oldest makes room and counts, drop-newest refuses and counts', (t) => {
  const host = makeTestHost();
  const { log } = openLog(host);
  log.configure('old', { maxRecords: 3, whenFull: 'drop-oldest' });
  log.configure('new', { maxBytes: 100, whenFull: 'drop-newest' });
  for (let n = 1; n <= 5; n++) t.true(log.append('old', payload('old', n), stampNow(host)).ok);
  t.deepEqual(log.pending('old', 10).map((r) => r.seq), [3, 4, 5]);
  t.true(log.append('new', payload('new', 1), stampNow(host)).ok);
  t.true(log.append('new', payload('new', 2), stampNow(host)).ok);
  t.like(log.append('new', payload('new', 3), stampNow(host)), { ok: false, reason: 'quota' });
  t.deepEqual(log.counters().dropped, { quota: 3, full: 0, retention: 0, corrupt: 0, purged: 0 });
  const { log: after } = reboot(host);
  t.deepEqual(after.pending('old', 10).map((r) => r.seq), [3, 4, 5], 'quota drops survive a reboot');
});

test('when the flash is full: drop-newest refuses, drop-oldest keeps the newest', (t) => {
  const host = small();
  const { log } = openLog(host);
  log.configure('keep', { whenFull: 'drop-newest' });
  let refused = 0;
  for (let n = 1; n <= 60 && refused === 0; n++) {
    const r = log.append('keep', payload('keep', n, 60), stampNow(host));
    if (!r.ok) {
      t.is(r.reason, 'full');
      refused = n;
    }
  }
  t.true(refused > 20, `refused at ${refused}`);
  t.is(log.pending('keep', 100).length, refused - 1);
  log.configure('keep', { whenFull: 'drop-oldest' });
  t.true(log.append('keep', payload('keep', refused), stampNow(host)).ok);
  const seqs = log.pending('keep', 100).map((r) => r.seq);
  t.is(seqs.at(-1), refused);
  t.true(seqs[0]! > 1);
  t.is(log.counters().dropped.full, 1 + (seqs[0]! - 1));
});

test('retention drops old records; offline records are aged once wall time is known', (t) => {
  const host = makeTestHost({ wallTime: undefined as unknown as number });
  host.clock.setWallTime(undefined);
  const { log } = openLog(host);
  log.configure('ins', { maxAgeMs: 60_000 });
  log.append('ins', payload('ins', 1), stampNow(host)); // boot 1, no wall time
  host.clock.advance(5_000);
  log.append('ins', payload('ins', 2), stampNow(host)); // boot 1, no wall time
  t.is(log.expire(), 0, 'nothing expires while the time is unknown');
  // Same boot: SNTP answers; record 1 is 50 s old, record 2 45 s.
  host.clock.advance(45_000);
  host.clock.setWallTime(Date.UTC(2026, 2, 1));
  log.append('ins', payload('ins', 3), stampNow(host)); // wall known
  t.is(log.expire(), 0);
  host.clock.advance(12_000); // record 1 is 62 s old, record 2 is 57 s
  t.is(log.expire(), 1);
  t.deepEqual(log.pending('ins', 9).map((r) => r.seq), [2, 3]);
  // Reboot offline: record 2 (earlier boot, no wall time) can only be aged from later facts.
  host.clock.reboot({ wallTime: undefined });
  const { log: again } = openLog(host);
  again.configure('ins', { maxAgeMs: 60_000 });
  again.append('ins', payload('ins', 4), stampNow(host));
  host.clock.advance(30_000);
  host.clock.setWallTime(Date.UTC(2026, 2, 1, 0, 10));
  // Record 2 happened before record 3's wall time, so it is at least 10 min old; 3 is exactly 10 min old; 4 is 30 s old.
  t.is(again.expire(), 2);
  t.deepEqual(again.pending('ins', 9).map((r) => r.seq), [4]);
  t.is(again.counters().dropped.retention, 2);
});

test('purge shreds the key, drops the records, erases their sectors and keeps other integrations', (t) => {
  const host = small();
  const { log, keyring } = openLog(host);
  for (let n = 1; n <= 12; n++) log.append('gone', payload('gone', n, 60), stampNow(host));
  for (let n = 1; n <= 2; n++) log.append('stay', payload('stay', n, 60), stampNow(host));
  const erasesBefore = log.counters().erases;
  t.is(log.purge('gone'), 12);
  t.false(keyring.hasEpoch('gone', 1));
  t.deepEqual(log.pending('gone', 99), []);
  t.is(log.counters().dropped.purged, 12);
  t.true(log.counters().erases > erasesBefore, 'fully dead sectors were erased');
  const { log: after } = reboot(host);
  t.deepEqual(after.pending('gone', 99), []);
  t.deepEqual(after.pending('stay', 99).map((r) => r.seq), [1, 2]);
  const next = after.append('gone', payload('gone', 13), stampNow(host));
  t.deepEqual(next, { ok: true, seq: 13 }, 'seqs continue after a purge');
});

test('steady append+ack wears all sectors evenly and compaction keeps the backlog', (t) => {
  const host = small();
  const { log } = openLog(host);
  let acked = 0;
  for (let n = 1; n <= 700; n++) {
    t.true(log.append('steady', payload('steady', n, 50), stampNow(host)).ok || t.fail(`append ${n}`));
    if (n > 12) log.acknowledge('steady', ++acked);
  }
  const counts = host.recordFlash.eraseCounts;
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  const spread = Math.max(...counts.map((c) => Math.abs(c - mean))) / mean;
  t.true(mean >= 15, `mean erases ${mean}`);
  t.true(spread <= 0.1, `erase counts ${counts.join(',')}`);
  const backlog = log.pending('steady', 99);
  t.deepEqual(backlog.map((r) => r.seq), Array.from({ length: 12 }, (_, i) => 689 + i));
  t.true(bytesEqual(backlog[0]!.payload, payload('steady', 689, 50)));
  const { log: after } = reboot(host);
  t.is(after.pending('steady', 99).length, 12);
});

test('a never-written region and garbage give an empty log and a clear report', (t) => {
  const host = small();
  const blank = openLog(host);
  t.is(blank.report.state, 'blank');
  t.deepEqual(blank.log.pending('x', 5), []);
  const garbage = small();
  for (let i = 0; i < garbage.recordFlash.bytes.length; i++) garbage.recordFlash.bytes[i] = (i * 7919) & 0xff;
  const opened = openLog(garbage);
  t.is(opened.report.state, 'unformatted');
  t.regex(opened.report.error!, /not an Airlock log/);
  t.true(opened.log.append('x', payload('x', 1), stampNow(garbage)).ok, 'the space is reused');
  t.deepEqual(openLog(garbage).log.pending('x', 5).map((r) => r.seq), [1]);
});

test('a log written under another master key is reported, not opened, and the space reused', (t) => {
  const writer = small(1);
  const { log } = openLog(writer);
  for (let n = 1; n <= 10; n++) log.append('x', payload('x', n, 60), stampNow(writer));
  const reader = small(2); // another key store, another master key
  reader.recordFlash.bytes.set(writer.recordFlash.bytes);
  const opened = openLog(reader);
  t.is(opened.report.state, 'foreign');
  t.regex(opened.report.error!, /another master key/);
  t.deepEqual(opened.log.pending('x', 99), []);
  t.true(opened.log.append('x', payload('x', 1), stampNow(reader)).ok);
  t.deepEqual(openLog(reader).log.pending('x', 99).map((r) => r.seq), [1]);
});

test('flipped bits: a damaged record is skipped and counted, its neighbours survive', (t) => {
  const host = makeTestHost();
  const { log } = openLog(host);
  for (let n = 1; n <= 4; n++) log.append('f', payload('f', n), stampNow(host));
  const size = RECORD_OVERHEAD + 40;
  const bytes = host.recordFlash.bytes;
  bytes[SECTOR_HEADER_BYTES + size + 30]! ^= 0x10; // body of record 2
  bytes[SECTOR_HEADER_BYTES + 2 * size + 8]! ^= 0x01; // header (seq) of record 3
  const { log: after, report } = openLog(host);
  t.is(report.damagedRegions, 1);
  t.deepEqual(after.pending('f', 9).map((r) => r.seq), [1, 4]);
  t.is(after.counters().dropped.corrupt, 1);
  t.is(after.append('f', payload('f', 5), stampNow(host)).ok && after.pending('f', 9).at(-1)!.seq, 5);
});

test('bad input is refused and counted, never thrown', (t) => {
  const host = makeTestHost();
  const { log } = openLog(host);
  t.like(log.append('', payload('x', 1), stampNow(host)), { ok: false, reason: 'invalid' });
  t.like(log.append('x', 'text' as unknown as Uint8Array, stampNow(host)), { ok: false, reason: 'invalid' });
  t.like(log.append('x', payload('x', 1), { boot: -1, mono: 0 }), { ok: false, reason: 'invalid' });
  t.like(log.append('x', new Uint8Array(5000), stampNow(host)), { ok: false, reason: 'too-large' });
  t.notThrows(() => log.acknowledge('x', Number.NaN));
  t.is(log.counters().rejected, 5);
  t.throws(() => log.configure('x', { maxRecords: -1 }), { message: /maxRecords for x must be a whole number/ });
});

test('counters are a JSON-safe snapshot', (t) => {
  const host = makeTestHost();
  const { log } = openLog(host);
  log.append('c', payload('c', 1), stampNow(host));
  const c = log.counters();
  t.deepEqual(JSON.parse(JSON.stringify(c)), c);
  t.is(c.appended, 1);
  t.is(c.recordBytesAppended, RECORD_OVERHEAD + 40);
});

test('a partition too small for a circular log is refused with the reason', (t) => {
  const host = makeTestHost();
  t.throws(() => openLog(host, new MemoryFlash(3 * 512, 512)), { message: /at least 4/ });
});
