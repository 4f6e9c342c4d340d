/**
 * A full partition follows the contract's `whenFull` (docs/flash-log.md, "When the partition is
 * full"): drop-oldest evicts the integration's oldest records (then, when it has none left, the
 * oldest of the drop-oldest integration holding the most) and counts each drop; drop-newest
 * refuses the new record and counts it. Append never throws for "full", with or without the
 * RAM window in front, and seqs stay in order across reboots.
 */
import test from 'ava';
import { bytesEqual } from '../../modules/bytes.js';
import type { RecordLog } from '../../modules/log/store.js';
import { WriteBehind } from '../../modules/log/write-behind.js';
import { openLog, payload, stampNow } from '../support/log-fixture.js';
import { makeTestHost, type TestHost } from '../support/test-host.js';

/**
 * Partitions whose sectors end in slack (a record that does not fit starts the next sector) summed
 * over the circle beyond one sector: the bench's 1 MB of 4 KB sectors with 128-byte records, scaled down.
 */
const partition = (seed = 1, sectors = 8, blockSize = 4096) => makeTestHost({ seed, flashBytes: sectors * blockSize, blockSize });

function reboot(host: TestHost) {
  host.clock.reboot({ wallTime: host.clock.wallTime() });
  return openLog(host);
}

/** The queue's seqs are strictly increasing, and what is pending opens to what was appended. */
function checkQueue(t: import('ava').ExecutionContext, log: RecordLog, who: string, size: number, newest?: number) {
  const got = log.pending(who, 100_000);
  for (let i = 1; i < got.length; i++) if (got[i]!.seq <= got[i - 1]!.seq) t.fail(`${who}: seq ${got[i]!.seq} after ${got[i - 1]!.seq}`);
  for (const r of got) if (!bytesEqual(r.payload, payload(who, r.seq, size))) t.fail(`${who}: seq ${r.seq} does not hold its record`);
  if (newest !== undefined) t.is(got.at(-1)?.seq, newest, `${who}: the newest record is kept`);
  return got;
}

test('drop-oldest, no quota, one integration fills the partition: the oldest give way and are counted, append never throws', (t) => {
  for (const [sectors, blockSize, size] of [[64, 4096, 128], [32, 1024, 200], [32, 512, 80], [6, 4096, 900]] as const) {
    const host = partition(7, sectors, blockSize);
    const { log } = openLog(host);
    log.configure('energy', { whenFull: 'drop-oldest' });
    const total = Math.ceil((3 * sectors * blockSize) / (size + 40)); // about three laps of the partition
    for (let n = 1; n <= total; n++) {
      let r;
      try {
        r = log.append('energy', payload('energy', n, size), stampNow(host));
      } catch (error) {
        t.fail(`${sectors}×${blockSize}, ${size} B: append ${n} threw: ${(error as Error).message}`);
        return;
      }
      if (!r.ok || r.seq !== n) t.fail(`${sectors}×${blockSize}, ${size} B: append ${n} gave ${JSON.stringify(r)}`);
    }
    const live = checkQueue(t, log, 'energy', size, total);
    // Every record is either still buffered (a contiguous run of the newest) or counted as dropped.
    t.deepEqual(live.map((r) => r.seq), Array.from({ length: live.length }, (_, i) => total - live.length + 1 + i));
    const dropped = log.droppedFor('energy');
    t.is(dropped.full + dropped.quota, total - live.length);
    t.is(log.counters().dropped.full + log.counters().dropped.quota, total - live.length);
    // The log stays well used: the oldest went only as far as needed.
    t.true(log.counters().liveBytes > 0.6 * log.capacityBytes, `${sectors}×${blockSize}, ${size} B: ${log.counters().liveBytes} of ${log.capacityBytes} live`);
    // A reboot finds the same records, and numbering continues above them.
    const { log: after } = reboot(host);
    after.configure('energy', { whenFull: 'drop-oldest' });
    t.deepEqual(after.pending('energy', 100_000).map((r) => r.seq), live.map((r) => r.seq));
    t.deepEqual(after.append('energy', payload('energy', total + 1, size), stampNow(host)), { ok: true, seq: total + 1 });
  }
});

test('drop-oldest, several integrations share a full partition: each evicts its own oldest first, nothing throws', (t) => {
  const host = partition(11, 32, 1024);
  const { log } = openLog(host);
  const who = ['energy', 'climate', 'water'];
  const sizes = [200, 60, 150];
  for (const w of who) log.configure(w, { whenFull: 'drop-oldest' });
  const next = [1, 1, 1];
  for (let i = 0; i < 1500; i++) {
    const k = i % 5 === 4 ? 2 : i % 2; // water appends less often, and larger records
    let r;
    try {
      r = log.append(who[k]!, payload(who[k]!, next[k]!, sizes[k]), stampNow(host));
    } catch (error) {
      t.fail(`append ${i} (${who[k]}) threw: ${(error as Error).message}`);
      return;
    }
    if (!r.ok || r.seq !== next[k]) t.fail(`append ${i} (${who[k]}) gave ${JSON.stringify(r)}`);
    next[k]!++;
  }
  let dropped = 0;
  for (let k = 0; k < who.length; k++) {
    const live = checkQueue(t, log, who[k]!, sizes[k]!, next[k]! - 1);
    t.true(live.length > 0, `${who[k]} keeps its newest records`);
    const d = log.droppedFor(who[k]!);
    t.is(d.full + d.quota, next[k]! - 1 - live.length, `${who[k]}: every record not buffered was counted as dropped`);
    dropped += d.full + d.quota;
  }
  t.true(dropped > 0);
  const { log: after } = reboot(host);
  for (let k = 0; k < who.length; k++) t.is(after.pending(who[k]!, 100_000).at(-1)?.seq, next[k]! - 1);
});

test('drop-oldest takes its own oldest first (outside the head sector); with none left, the oldest of the drop-oldest integration holding the most, never a drop-newest one', (t) => {
  const host = partition(5, 32, 1024);
  const { log } = openLog(host);
  log.configure('hog', { whenFull: 'drop-oldest' });
  log.configure('keeper', { whenFull: 'drop-newest' });
  log.configure('late', { whenFull: 'drop-oldest' });
  for (let n = 1; n <= 20; n++) t.true(log.append('keeper', payload('keeper', n, 200), stampNow(host)).ok);
  let n = 0;
  for (let i = 0; i < 400; i++) t.true(log.append('hog', payload('hog', ++n, 200), stampNow(host)).ok || t.fail(`hog ${n}`));
  const hogBefore = log.pending('hog', 100_000).length;
  // 'late' has nothing of its own at its first record: hog may give way then; after it, a full log takes late's own oldest.
  t.deepEqual(log.append('late', payload('late', 1, 200), stampNow(host)), { ok: true, seq: 1 });
  const hogKept = log.pending('hog', 100_000).length;
  for (let m = 2; m <= 30; m++) t.deepEqual(log.append('late', payload('late', m, 200), stampNow(host)), { ok: true, seq: m });
  // (late's records in the head sector make no room until a lap compacts it: while all it has is there, hog gives way.)
  t.true(log.droppedFor('late').full > 0, 'late dropped its own oldest');
  t.true(log.pending('hog', 100_000).length > hogKept / 2, 'hog kept most of its records while late had its own to drop');
  checkQueue(t, log, 'late', 200, 30);
  // 'late' with nothing buffered (its vendor acknowledges each record): the largest drop-oldest integration ('hog') gives way, 'keeper' never.
  log.acknowledge('late', 30);
  for (let m = 31; m <= 90; m++) {
    t.deepEqual(log.append('late', payload('late', m, 200), stampNow(host)), { ok: true, seq: m });
    log.acknowledge('late', m);
  }
  t.is(log.pending('keeper', 100).length, 20);
  t.true(log.pending('hog', 100_000).length < Math.min(hogBefore, hogKept), 'hog gave way');
  checkQueue(t, log, 'hog', 200, n);
  const hog = log.droppedFor('hog');
  t.is(hog.full + hog.quota, n - log.pending('hog', 100_000).length, 'the records taken from hog are counted as its drops');
  t.deepEqual(log.droppedFor('keeper'), { quota: 0, full: 0, retention: 0, corrupt: 0, purged: 0 });
  // A drop-newest integration that filled the partition alone: a drop-oldest newcomer with nothing to evict is refused and counted.
  const solo = partition(6, 32, 1024);
  const { log: other } = openLog(solo);
  other.configure('keeper', { whenFull: 'drop-newest' });
  other.configure('late', { whenFull: 'drop-oldest' });
  let kept = 0;
  while (other.append('keeper', payload('keeper', kept + 1, 200), stampNow(solo)).ok) kept++;
  t.like(other.append('late', payload('late', 1, 200), stampNow(solo)), { ok: false, reason: 'full' });
  t.is(other.droppedFor('late').full, 1);
  t.is(other.pending('keeper', 100_000).length, kept);
});

test('drop-newest on a full partition refuses the new record and counts it; nothing throws; acknowledgements make room again', (t) => {
  for (const [sectors, blockSize, size] of [[64, 4096, 128], [32, 1024, 200], [32, 512, 80]] as const) {
    const host = partition(9, sectors, blockSize);
    const { log } = openLog(host);
    log.configure('keep', { whenFull: 'drop-newest' });
    log.configure('other', { whenFull: 'drop-newest' });
    let accepted = 0;
    let refused = 0;
    const total = Math.ceil((3 * sectors * blockSize) / (size + 40));
    for (let n = 1; n <= total; n++) {
      const who = n % 3 === 0 ? 'other' : 'keep';
      let r;
      try {
        r = log.append(who, payload(who, n, size), stampNow(host));
      } catch (error) {
        t.fail(`${sectors}×${blockSize}, ${size} B: append ${n} threw: ${(error as Error).message}`);
        return;
      }
      if (r.ok) accepted++;
      else {
        t.is(r.reason, 'full');
        refused++;
      }
    }
    t.true(refused > 0 && accepted > 0);
    t.is(log.droppedFor('keep').full + log.droppedFor('other').full, refused);
    t.is(log.pending('keep', 100_000).length + log.pending('other', 100_000).length, accepted, 'nothing buffered was dropped');
    // The first records are all kept (drop-newest keeps the oldest).
    t.is(log.pending('keep', 1)[0]!.seq, 1);
    // Acknowledging everything of one integration frees room: appends are accepted again.
    log.acknowledge('keep', Number.MAX_SAFE_INTEGER);
    t.true(log.append('other', payload('other', total + 1, size), stampNow(host)).ok);
  }
});

test('write-behind: RAM windows spilling into a full partition follow drop-oldest and drop-newest, never throw', (t) => {
  for (const whenFull of ['drop-oldest', 'drop-newest'] as const) {
    const host = partition(13, 32, 1024);
    const { log } = openLog(host);
    const buffer = new WriteBehind(log, host.clock, { records: 32, bytes: 2048, spillDelayMs: 5000, spillBytes: 512, reserveBlock: 64 });
    buffer.configure('energy', { whenFull });
    buffer.configure('climate', { whenFull, durability: 'flash' });
    let appended = 0;
    const results = { ok: 0, refused: 0 };
    for (let n = 1; n <= 800; n++) {
      host.clock.advance(40);
      try {
        const who = n % 4 === 0 ? 'climate' : 'energy';
        const r = buffer.append(who, payload(who, n, 150), stampNow(host));
        appended++;
        if (r.ok) results.ok++;
        else results.refused++;
        if (n % 7 === 0) buffer.tick();
      } catch (error) {
        t.fail(`${whenFull}: append ${n} threw: ${(error as Error).message}`);
        return;
      }
    }
    t.notThrows(() => buffer.shutdown());
    const energy = buffer.pending('energy', 100_000);
    const climate = buffer.pending('climate', 100_000);
    for (const got of [energy, climate]) for (let i = 1; i < got.length; i++) if (got[i]!.seq <= got[i - 1]!.seq) t.fail(`${whenFull}: seqs out of order`);
    const dropped = buffer.droppedFor('energy').full + buffer.droppedFor('energy').quota + buffer.droppedFor('climate').full + buffer.droppedFor('climate').quota;
    t.true(dropped > 0, `${whenFull}: the partition filled`);
    // Every record is buffered or counted as dropped (drop-newest refusals of spilled records count there too).
    t.is(energy.length + climate.length + dropped, appended, whenFull);
    if (whenFull === 'drop-oldest') {
      t.is(results.refused, 0);
      t.true(energy.length > 0 && climate.length > 0);
    } else {
      t.is(energy[0]!.seq, 1, 'drop-newest keeps the oldest');
    }
    // A reboot after the clean shutdown finds the same records and reports no gap.
    const { log: after } = reboot(host);
    t.deepEqual(after.pending('energy', 100_000).map((r) => r.seq), energy.map((r) => r.seq));
    t.is(after.gap('energy'), undefined);
  }
});
