/**
 * Power cuts swept across the spill path (modules/log/write-behind.ts over
 * the flash log), as flash-log-faults.test.ts does for the log alone: a vendor
 * that acknowledges, then goes away (records spill on the delay and at the
 * high-water mark, reservations are written), comes back, and a clean
 * shutdown at the end. After every cut and a recovery:
 *  - nothing acknowledged comes back, nothing comes back altered or twice;
 *  - every record that was on flash before the interrupted step is there;
 *  - every record missing was in RAM and lies in the seq gap the boot reports;
 *  - a new record's seq is above every seq given out or reported;
 *  - after a completed clean shutdown there is no gap.
 * In three durability settings: ram-first (the default), flash (every record
 * sealed before it is sent: nothing may go missing, no gap), and a contract
 * that switches to flash while records wait in RAM (the window spills for the
 * contract) and back. Node sweeps every cut point; XS samples them with a stride.
 */
import test from 'ava';
import { bytesEqual } from '../../modules/bytes.js';
import { FaultyFlash, PowerCut } from '../../hosts/sim/faulty-flash.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { WriteBehind, type Durability } from '../../modules/log/write-behind.js';
import { openLog, payload, stampNow } from '../support/log-fixture.js';
import { platformName } from '../support/platform.js';
import { makeTestHost, type TestHost } from '../support/test-host.js';

const WHO = 'energy';
const WINDOW = { records: 8, bytes: 400, spillDelayMs: 2000, spillBytes: 120, reserveBlock: 6 };

/** `burst`: no time passes after it (a restart burst fills the window before any delay runs out). */
type Op = { do: 'append'; n: number; burst?: boolean } | { do: 'ack' } | { do: 'tick' } | { do: 'shutdown' } | { do: 'durability'; mode: Durability };

/** How the contract sets durability over the workload. */
type Setting = 'ram-first' | 'flash' | 'switch';
const SETTINGS: Setting[] = ['ram-first', 'flash', 'switch'];

/**
 * Online but slow (acks every 7 records, so some spill first), offline from 25 to 60 (spills on delay and high-water), online again, then a clean shutdown.
 * `switch`: the contract changes to flash at 33 (offline, records waiting in RAM) and back to ram-first at 66.
 */
function workload(setting: Setting): Op[] {
  const ops: Op[] = [];
  for (let n = 1; n <= 80; n++) {
    if (setting === 'switch' && n === 33) ops.push({ do: 'durability', mode: 'flash' });
    if (setting === 'switch' && n === 66) ops.push({ do: 'durability', mode: 'ram-first' });
    ops.push({ do: 'append', n, burst: n >= 40 && n < 52 });
    if (n % 2 === 0) ops.push({ do: 'tick' });
    if ((n < 25 || n > 60) && n % 7 === 0) ops.push({ do: 'ack' });
  }
  ops.push({ do: 'ack' }, { do: 'append', n: 81 }, { do: 'append', n: 82 }, { do: 'shutdown' });
  return ops;
}

/** What the test knows independently of the buffer. */
class Oracle {
  /** seq → append number, for appends that returned. */
  readonly given = new Map<number, number>();
  /** Given and not acknowledged, oldest first. */
  live: number[] = [];
  acked = 0;
  /** The interrupted step: an append's number, or an ack's seq (either may or may not have happened). */
  cutAppend: number | undefined;
  cutAck = 0;
  /** Live seqs that were on flash before the interrupted step. */
  durable = new Set<number>();
  shutDown = false;
  /** The contract's durability in effect (the next boot configures it). */
  mode: Durability;
  /** Whether any step ran with ram-first (else no record was ever only in RAM). */
  everRamFirst: boolean;
  constructor(readonly setting: Setting) {
    this.mode = setting === 'flash' ? 'flash' : 'ram-first';
    this.everRamFirst = this.mode === 'ram-first';
  }
}

/** 8 sectors of 512 B; with durability flash every record is written, the outage's backlog needs more. */
function setup(setting: Setting) {
  const sectors = setting === 'ram-first' ? 8 : 16;
  const host = makeTestHost({ seed: 9, flashBytes: sectors * 512, blockSize: 512 });
  const flash = new FaultyFlash(new MemoryFlash(sectors * 512, 512));
  return { host, flash };
}

function open(host: TestHost, flash: FaultyFlash, mode: Durability) {
  const { log } = openLog(host, flash);
  const buffer = new WriteBehind(log, host.clock, WINDOW);
  // As the hub does at boot: the contract's buffering (unlimited quota here; the log's capacity bounds it).
  buffer.configure(WHO, { durability: mode });
  return { log, buffer };
}

/** Runs the workload until done (false) or a power cut (true). */
function runWorkload(host: TestHost, flash: FaultyFlash, oracle: Oracle, onBuffer?: (buffer: WriteBehind) => void): boolean {
  const { log, buffer } = open(host, flash, oracle.mode);
  onBuffer?.(buffer);
  for (const op of workload(oracle.setting)) {
    try {
      if (op.do === 'append') {
        const r = buffer.append(WHO, payload(WHO, op.n), stampNow(host));
        if (!r.ok) throw new Error(`append ${op.n} refused: ${r.message}`);
        oracle.given.set(r.seq, op.n);
        oracle.live.push(r.seq);
      } else if (op.do === 'ack') {
        const upTo = buffer.pending(WHO, 1000).at(-1)?.seq ?? oracle.acked;
        oracle.cutAck = upTo;
        buffer.acknowledge(WHO, upTo);
        oracle.acked = upTo;
        oracle.live = oracle.live.filter((s) => s > upTo);
      } else if (op.do === 'tick') {
        buffer.tick();
      } else if (op.do === 'durability') {
        // The contract changes: a cut here may leave either mode in effect; the oracle keeps the old one
        // until configure returns (the boot after a cut configures that one; records spilled so far are on flash).
        buffer.configure(WHO, { durability: op.mode });
        oracle.mode = op.mode;
        if (op.mode === 'ram-first') oracle.everRamFirst = true;
      } else {
        buffer.shutdown();
        oracle.shutDown = true;
      }
      oracle.cutAck = 0;
      // The window holds the newest live records; the others are on flash.
      const inRam = buffer.stats(WHO).records - log.stats(WHO).records;
      oracle.durable = new Set(oracle.live.slice(0, oracle.live.length - inRam));
      if (!(op.do === 'append' && op.burst)) host.clock.advance(300);
    } catch (error) {
      if (!(error instanceof PowerCut)) throw error;
      if (op.do === 'append') oracle.cutAppend = op.n;
      return true;
    }
  }
  return false;
}

function check(host: TestHost, flash: FaultyFlash, oracle: Oracle): string | undefined {
  const { buffer } = open(host, flash, oracle.mode);
  const gap = buffer.settleGap(WHO);
  if (oracle.shutDown && gap) return `a gap ${gap.from}..${gap.to} after a clean shutdown`;
  const got = buffer.pending(WHO, 1000);
  const seen = new Set<number>();
  let last = 0;
  const highest = Math.max(0, ...oracle.given.keys());
  // Flash throughout: nothing was ever only in RAM; a gap may only be the append the cut interrupted (never given out).
  if (!oracle.everRamFirst && gap && gap.from <= highest) return `a gap ${gap.from}..${gap.to} with durability "flash" throughout covers seqs given out (highest ${highest})`;
  for (const r of got) {
    if (r.seq <= last) return `seq ${r.seq} after ${last} (duplicate or out of order)`;
    last = r.seq;
    seen.add(r.seq);
    if (r.seq <= oracle.acked) return `seq ${r.seq} was acknowledged but came back`;
    const n = oracle.given.get(r.seq) ?? (r.seq > highest ? oracle.cutAppend : undefined);
    if (n === undefined) return `seq ${r.seq} was never given out`;
    if (!bytesEqual(r.payload, payload(WHO, n))) return `seq ${r.seq} came back with different bytes`;
  }
  for (const seq of oracle.live) {
    if (seen.has(seq) || seq <= oracle.cutAck) continue;
    if (oracle.durable.has(seq)) return `seq ${seq} was on flash and is missing`;
    if (!gap || seq < gap.from || seq > gap.to) return `seq ${seq} (in RAM) is missing and outside the reported gap ${gap ? `${gap.from}..${gap.to}` : '(none)'}`;
  }
  const fresh = buffer.append(WHO, payload(WHO, 999), stampNow(host));
  if (!fresh.ok) return `append after recovery refused: ${fresh.message}`;
  if (fresh.seq <= Math.max(highest, last, gap?.to ?? 0)) return `seq ${fresh.seq} reused after recovery (highest given ${highest})`;
  // The gap was reported once: the next boot (the fresh record lost in RAM) reports only what is new.
  const later = open(host, flash, oracle.mode).buffer.settleGap(WHO);
  if (later && later.from <= Math.max(highest, gap?.to ?? 0)) return `the gap ${later.from}..${later.to} is reported again (first ${gap ? `${gap.from}..${gap.to}` : 'none'}, highest given ${highest}, fresh ${fresh.seq})`;
  return undefined;
}

function totalTicks(setting: Setting): number {
  const { host, flash } = setup(setting);
  const oracle = new Oracle(setting);
  if (runWorkload(host, flash, oracle)) throw new Error('the uncut run was cut');
  if (!oracle.shutDown) throw new Error('the workload did not reach its shutdown');
  return flash.ticks;
}

for (const setting of SETTINGS) {
test(`durability ${setting}: every power-cut point of the spill path recovers: losses stay in RAM and are reported as a gap`, (t) => {
  const ticks = totalTicks(setting);
  const stride = platformName === 'node' ? 1 : 97;
  let cuts = 0;
  const problems: string[] = [];
  for (let at = 0; at < ticks; at += stride) {
    const { host, flash } = setup(setting);
    flash.cutAt(at);
    const oracle = new Oracle(setting);
    if (!runWorkload(host, flash, oracle)) {
      problems.push(`cut at ${at} never happened`);
      break;
    }
    cuts++;
    flash.reboot();
    host.clock.reboot({ wallTime: host.clock.wallTime() });
    let problem: string | undefined;
    try {
      problem = check(host, flash, oracle);
    } catch (error) {
      problem = `recovery threw ${(error as Error).message}`;
    }
    if (problem) problems.push(`cut at ${at}: ${problem}`);
    if (problems.length >= 5) break;
  }
  t.log(`${platformName}, ${setting}: ${cuts} cut points over ${ticks} ticks (stride ${stride})`);
  t.deepEqual(problems, []);
  t.true(cuts >= Math.floor(ticks / stride) - 1);
});

test(`durability ${setting}: the uncut workload takes its spill paths and shuts down without a gap`, (t) => {
  const { host, flash } = setup(setting);
  const oracle = new Oracle(setting);
  let buffer: WriteBehind | undefined;
  t.false(runWorkload(host, flash, oracle, (b) => (buffer = b)));
  const { spilled, fromRam } = buffer!.counters();
  if (setting === 'ram-first') t.true(spilled.delay > 0 && spilled['high-water'] > 0 && spilled.shutdown > 0 && fromRam > 0, JSON.stringify(spilled));
  // Flash throughout: every record went to the log directly, none through RAM.
  if (setting === 'flash') t.true(Object.values(spilled).every((n) => n === 0) && fromRam === 0, JSON.stringify({ spilled, fromRam }));
  if (setting === 'switch') t.true(spilled.contract > 0 && spilled.shutdown > 0 && fromRam > 0, JSON.stringify({ spilled, fromRam }));
  if (setting === 'ram-first') t.true(buffer!.log.counters().compactions > 0, 'compaction moves records and rewrites marks during the sweep');
  flash.reboot();
  host.clock.reboot({ wallTime: host.clock.wallTime() });
  t.is(check(host, flash, oracle), undefined);
});
}
