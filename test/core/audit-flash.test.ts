import test from 'ava';
import { AuditLog } from '../../modules/audit/log.js';
import { FlashAuditStorage } from '../../modules/audit/flash-storage.js';
import { verifyChain } from '../../modules/audit/chain.js';
import type { Flash } from '../../modules/host.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { platformCrypto as crypto } from '../support/platform.js';
import { auditFixture } from '../support/audit-fixture.js';

class PowerCut extends Error {}

/** Passes writes through until `cutAt`; that write lands only as its first `keep` bytes, then power is lost. */
class CuttingFlash implements Flash {
  writes = 0;
  constructor(readonly inner: MemoryFlash, readonly cutAt: number, readonly keep: number, readonly cutErase = false) {}
  get byteLength() { return this.inner.byteLength; }
  get blockSize() { return this.inner.blockSize; }
  read(offset: number, length: number) { return this.inner.read(offset, length); }
  erase(sector: number) {
    if (this.cutErase) throw new PowerCut('power cut before erase');
    this.inner.erase(sector);
  }
  write(offset: number, length: number, buffer: ArrayBuffer | Uint8Array) {
    if (this.writes++ === this.cutAt) {
      const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
      const keep = Math.min(this.keep, length);
      if (keep > 0) this.inner.write(offset, keep, bytes.subarray(0, keep));
      throw new PowerCut(`power cut during write ${this.cutAt}`);
    }
    this.inner.write(offset, length, buffer);
  }
}

function copyFlash(source: MemoryFlash): MemoryFlash {
  const copy = new MemoryFlash(source.byteLength, source.blockSize);
  copy.bytes.set(source.bytes);
  return copy;
}

function fill(log: AuditLog, from: number, count: number): void {
  for (let i = from; i < from + count; i++) log.record('hub', 'config.changed', 'hub', { setting: `s${i}`, note: 'x'.repeat(i % 7) });
}

test('a torn entry (any prefix of its bytes written) is skipped and the chain stays valid', (t) => {
  const f = auditFixture();
  fill(f.log, 1, 3);
  // Find the bytes entry 4 would occupy by writing it on a copy.
  const before = copyFlash(f.flash);
  const scratch = copyFlash(f.flash);
  AuditLog.open({ storage: new FlashAuditStorage(scratch), crypto, key: f.key, clock: f.host.clock }).record('hub', 'config.changed', 'hub', { setting: 'torn' });
  let start = 0;
  while (scratch.bytes[start] === before.bytes[start]) start++;
  let end = scratch.bytes.length;
  while (scratch.bytes[end - 1] === before.bytes[end - 1]) end--;
  const frame = scratch.bytes.slice(start, end);
  t.true(frame.length > 20);
  for (const keep of [1, 4, 11, 12, Math.floor(frame.length / 2), frame.length - 1]) {
    const flash = copyFlash(before);
    flash.write(start, keep, frame.subarray(0, keep));
    const storage = new FlashAuditStorage(flash);
    const log = AuditLog.open({ storage, crypto, key: f.key, clock: f.host.clock });
    t.is(log.head().seq, 3, `prefix ${keep}`);
    t.is(storage.stats().skipped, 1, `prefix ${keep} counted`);
    t.true(log.verify().ok, `prefix ${keep}`);
    log.record('owner', 'consent.given', 'energy', {});
    const again = AuditLog.open({ storage: new FlashAuditStorage(flash), crypto, key: f.key, clock: f.host.clock });
    t.is(again.head().seq, 4, `prefix ${keep}: the next entry after the tear is kept`);
    t.true(again.verify().ok, `prefix ${keep}`);
    t.deepEqual(again.entries().map((e) => e.action), ['config.changed', 'config.changed', 'config.changed', 'consent.given']);
  }
});

test('a power cut at any write, including during rotation, leaves a verifiable chain', (t) => {
  const template = auditFixture({ sectors: 3, blockSize: 512 });
  // Count the writes a full run takes, so every one of them gets cut once.
  const probe = new CuttingFlash(new MemoryFlash(3 * 512, 512), -1, 0);
  const probeLog = AuditLog.open({ storage: new FlashAuditStorage(probe), crypto, key: template.key, clock: template.host.clock });
  fill(probeLog, 1, 30);
  t.true(probeLog.counters().rotations >= 2, 'the run rotates');
  let cuts = 0;
  for (let cutAt = 0; cutAt < probe.writes; cutAt += 3) {
    for (const keep of [0, 7]) {
      const inner = new MemoryFlash(3 * 512, 512);
      const cutting = new CuttingFlash(inner, cutAt, keep);
      let committed = 0;
      try {
        const log = AuditLog.open({ storage: new FlashAuditStorage(cutting), crypto, key: template.key, clock: template.host.clock });
        for (let i = 1; i <= 30; i++) {
          log.record('hub', 'config.changed', 'hub', { setting: `s${i}`, note: 'x'.repeat(i % 7) });
          committed = i;
        }
      } catch (error) {
        if (!(error instanceof PowerCut)) throw error;
        cuts++;
      }
      const log = AuditLog.open({ storage: new FlashAuditStorage(inner), crypto, key: template.key, clock: template.host.clock });
      const head = log.head().seq;
      t.true(head === committed || head === committed + 1, `cut at write ${cutAt}/${keep}: head ${head}, committed ${committed}`);
      const report = log.verify();
      t.true(report.ok, `cut at write ${cutAt}/${keep}: ${report.fault?.reason}`);
      t.is(log.record('hub', 'auth.login', 'hub', {}).seq, head + 1);
      t.true(log.verify().ok);
    }
  }
  t.true(cuts > 10);
});

test('rotation keeps the chain verifiable from a MACed checkpoint and spreads erases', (t) => {
  const f = auditFixture({ sectors: 3, blockSize: 512 });
  fill(f.log, 1, 60);
  const counters = f.log.counters();
  t.true(counters.rotations >= 4);
  const exported = f.log.exportChain();
  t.truthy(exported.checkpoint);
  t.is(exported.entries[0]!.seq, exported.checkpoint!.seq + 1);
  t.is(exported.entries[exported.entries.length - 1]!.seq, 60);
  t.true(verifyChain(crypto, exported.entries, exported.checkpoint, f.key).ok);
  const reopened = f.reopen();
  t.deepEqual(reopened.checkpoint(), exported.checkpoint);
  t.deepEqual(reopened.head(), { seq: exported.head.seq, hash: exported.head.hash });
  const erases = f.flash.eraseCounts;
  t.true(Math.max(...erases) - Math.min(...erases) <= 1, `erase counts ${erases.join(',')}`);
});

test('a power cut after the checkpoint but before the erase loses nothing', (t) => {
  const f = auditFixture({ sectors: 2, blockSize: 512 });
  let n = 0;
  while (f.log.counters().rotations === 0 && n < 100) fill(f.log, ++n, 1);
  const checkpointBefore = f.log.checkpoint()!.seq;
  // Keep appending until the next rotation is due, and cut power at its erase.
  const cutting = new CuttingFlash(f.flash, -1, 0, true);
  const log = AuditLog.open({ storage: new FlashAuditStorage(cutting), crypto, key: f.key, clock: f.host.clock });
  t.throws(() => fill(log, f.log.head().seq + 1, 100), { instanceOf: PowerCut });
  const headAtCut = log.head();
  const recovered = f.reopen();
  t.deepEqual(recovered.head(), headAtCut);
  t.true(recovered.checkpoint()!.seq > checkpointBefore, 'the checkpoint written before the erase is found');
  const exported = recovered.exportChain();
  t.is(exported.entries[0]!.seq, exported.checkpoint!.seq + 1);
  t.true(verifyChain(crypto, exported.entries, exported.checkpoint, f.key).ok);
  // The interrupted rotation completes on the next append.
  t.is(recovered.record('owner', 'auth.login', 'hub', {}).seq, headAtCut.seq + 1);
  t.true(recovered.verify().ok);
});

test('a decayed entry in the middle is skipped, counted, and verification names it', (t) => {
  const f = auditFixture();
  fill(f.log, 1, 5);
  const third = f.appended[2]!;
  // Flip a byte inside the third entry's payload (found by its hash bytes).
  const hashBytes = Uint8Array.from(third.hash.match(/../g)!.map((h) => parseInt(h, 16)));
  let at = -1;
  for (let i = 0; i < f.flash.bytes.length - 32 && at < 0; i++) if (hashBytes.every((b, j) => f.flash.bytes[i + j] === b)) at = i;
  t.true(at > 0);
  f.flash.bytes[at + 3]! ^= 0x10;
  const storage = new FlashAuditStorage(f.flash);
  const log = AuditLog.open({ storage, crypto, key: f.key, clock: f.host.clock });
  t.is(storage.stats().skipped, 1);
  t.is(log.head().seq, 5);
  const report = log.verify();
  t.false(report.ok);
  t.is(report.fault?.seq, 4);
  t.regex(report.fault!.reason, /entry 3 is missing/);
});

test('a partition of one sector is refused with advice', (t) => {
  t.throws(() => new FlashAuditStorage(new MemoryFlash(4096, 4096)), { message: /at least 2/ });
});
