// Property-based fuzzing of the flash log's recovery (modules/log/scan.ts, RecordLog.recover):
// random bytes where a sector should be, random bytes behind a valid sector header, and a real
// log (random appends and acknowledgements) with random damage on top. The scan never throws
// and only reports entries that lie inside the sector; recovery never throws and never returns
// garbage: every record it hands out is one that was appended, with that seq and those exact
// bytes, in increasing seq order; the log stays usable. AIRLOCK_FUZZ_RUNS=<n> for long runs.
import test from 'ava';
import fc from 'fast-check';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { bytesEqual } from '../../modules/bytes.js';
import { encodeEntry, encodeSectorHeader, ENTRY_HEADER_BYTES, KIND_MARK, KIND_RECORD, SECTOR_HEADER_BYTES } from '../../modules/log/format.js';
import { scanSector } from '../../modules/log/scan.js';
import { fuzzRuns } from '../support/fuzz.js';
import { openLog, payload, stampNow } from '../support/log-fixture.js';
import { makeTestHost } from '../support/test-host.js';

const BLOCK = 512;
const SECTORS = 8;

function checkScan(bytes: Uint8Array, base: number, fingerprint: number): string | undefined {
  const finding = scanSector(bytes, base, fingerprint);
  if (finding.state !== 'log') return undefined;
  let end = base + SECTOR_HEADER_BYTES;
  for (const e of finding.entries) {
    if (e.at < end) return `entry at ${e.at} overlaps the previous one (ends ${end})`;
    if (e.size < ENTRY_HEADER_BYTES || e.at + e.size > base + bytes.length) return `entry at ${e.at} of ${e.size} bytes leaves the sector`;
    if (e.header.kind !== KIND_RECORD && e.header.kind !== KIND_MARK) return `entry at ${e.at} has kind ${e.header.kind}`;
    end = e.at + e.size;
  }
  if (finding.used > bytes.length || finding.damagedRegions < 0) return `used ${finding.used} of ${bytes.length}`;
  return undefined;
}

/** Sector contents: pure noise, or a valid header followed by noise and real entries. */
const sectorBytes = fc.oneof(
  fc.uint8Array({ minLength: BLOCK, maxLength: BLOCK }),
  fc
    .tuple(
      fc.nat(),
      fc.array(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 40 }),
          fc.record({ kind: fc.constantFrom(KIND_RECORD, KIND_MARK), seq: fc.nat(), tag: fc.nat(), size: fc.integer({ min: 24, max: 80 }), commit: fc.boolean() }).map((e) => {
            const body = new Uint8Array(e.kind === KIND_MARK ? 4 : e.size).fill(0x5a);
            const entry = encodeEntry({ kind: e.kind, tag: e.tag, seq: e.seq, epoch: 1 }, body);
            if (e.commit) entry[0] = e.kind;
            return entry;
          }),
        ),
        { maxLength: 12 },
      ),
    )
    .map(([fingerprint, parts]) => {
      const out = new Uint8Array(BLOCK).fill(0xff);
      out.set(encodeSectorHeader({ generation: 1, fingerprint }));
      let at = SECTOR_HEADER_BYTES;
      for (const part of parts) {
        if (at + part.length > BLOCK) break;
        out.set(part, at);
        at += part.length;
      }
      return { fingerprint, out };
    }),
);

test('the sector scan never throws and reports only whole entries inside the sector', (t) => {
  let tried = 0;
  let logs = 0;
  fc.assert(
    fc.property(sectorBytes, fc.nat({ max: 15 }), (sector, index) => {
      tried++;
      const { fingerprint, out } = sector instanceof Uint8Array ? { fingerprint: 0, out: sector } : sector;
      if (scanSector(out, index * BLOCK, fingerprint).state === 'log') logs++;
      const problem = checkScan(out, index * BLOCK, fingerprint);
      if (problem) throw new Error(problem);
    }),
    { numRuns: fuzzRuns(300) },
  );
  t.true(logs > 0 && logs < tried, `both noise and log sectors were scanned (${logs} of ${tried} were logs)`);
  t.log(`scan: ${tried} sectors, ${logs} read as log sectors`);
});

type Op = { kind: 'append'; integration: string; size: number } | { kind: 'ack'; integration: string; upTo: number };
const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), integration: fc.constantFrom('energy', 'leak'), size: fc.integer({ min: 1, max: 90 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('ack' as const), integration: fc.constantFrom('energy', 'leak'), upTo: fc.nat({ max: 40 }) }) },
  ),
  { minLength: 1, maxLength: 40 },
);
type Damage = { at: number; kind: 'bytes'; bytes: Uint8Array } | { at: number; kind: 'fill'; length: number; value: number };
const damages: fc.Arbitrary<Damage[]> = fc.array(
  fc.oneof(
    fc.record({ at: fc.nat({ max: SECTORS * BLOCK - 1 }), kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ at: fc.nat({ max: SECTORS * BLOCK - 1 }), kind: fc.constant('fill' as const), length: fc.integer({ min: 1, max: BLOCK }), value: fc.constantFrom(0x00, 0xff, 0x52, 0x46) }),
  ),
  { minLength: 1, maxLength: 6 },
);

test('recovery over a damaged log never throws and returns only records that were appended, unaltered', (t) => {
  const host = makeTestHost();
  let tried = 0;
  let returned = 0;
  let corrupt = 0;
  let lost = 0;
  fc.assert(
    fc.property(ops, damages, (workload, damage) => {
      tried++;
      const flash = new MemoryFlash(SECTORS * BLOCK, BLOCK);
      const { log } = openLog(host, flash);
      const appended = new Map<string, Map<number, Uint8Array>>([['energy', new Map()], ['leak', new Map()]]);
      for (const op of workload) {
        if (op.kind === 'append') {
          const bytes = payload(op.integration, appended.get(op.integration)!.size + 1, op.size);
          const result = log.append(op.integration, bytes, stampNow(host));
          if (result.ok) appended.get(op.integration)!.set(result.seq, bytes);
        } else {
          log.acknowledge(op.integration, op.upTo);
        }
      }
      const live = log.counters().liveRecords;
      for (const d of damage) {
        if (d.kind === 'bytes') flash.bytes.set(d.bytes.subarray(0, flash.bytes.length - d.at), d.at);
        else flash.bytes.fill(d.value, d.at, Math.min(flash.bytes.length, d.at + d.length));
      }
      const reopened = openLog(host, flash).log;
      let found = 0;
      for (const [integration, originals] of appended) {
        let last = 0;
        for (const r of reopened.pending(integration, 1000)) {
          if (r.seq <= last) throw new Error(`${integration}: seq ${r.seq} after ${last}`);
          last = r.seq;
          const original = originals.get(r.seq);
          if (!original || !bytesEqual(original, r.payload)) throw new Error(`${integration}: seq ${r.seq} is not a record that was appended with these bytes`);
          found++;
        }
      }
      returned += found;
      lost += Math.max(0, live - found);
      corrupt += reopened.counters().dropped.corrupt;
      // The log stays usable: a new record can be appended and read back.
      const fresh = payload('energy', 999, 20);
      const result = reopened.append('energy', fresh, stampNow(host));
      if (result.ok && !reopened.pending('energy', 1000).some((r) => r.seq === result.seq && bytesEqual(r.payload, fresh))) {
        throw new Error('a record appended after recovery does not read back');
      }
    }),
    { numRuns: fuzzRuns(150) },
  );
  t.true(returned > 0, 'damage left some records readable');
  t.log(`recovery: ${tried} damaged logs, ${returned} records returned intact, ${lost} live records lost to damage, ${corrupt} counted corrupt`);
});

test('recovery over pure noise never throws and finds no records', (t) => {
  const host = makeTestHost();
  let tried = 0;
  fc.assert(
    fc.property(fc.uint8Array({ minLength: SECTORS * BLOCK, maxLength: SECTORS * BLOCK }), (noise) => {
      tried++;
      const flash = new MemoryFlash(SECTORS * BLOCK, BLOCK);
      flash.bytes.set(noise);
      const { log, report } = openLog(host, flash);
      if (report.records !== 0 || log.pending('energy', 10).length !== 0) throw new Error(`noise gave ${report.records} records`);
      if (!['unformatted', 'blank', 'ok'].includes(report.state)) throw new Error(`state ${report.state}`);
    }),
    { numRuns: fuzzRuns(40, 0.2) },
  );
  t.true(tried > 0);
  t.log(`noise: ${tried} partitions`);
});
