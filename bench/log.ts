/**
 * The flash log's costs: framing overhead per record, write amplification at
 * 70 % fill under steady append+ack, erase spread, projected partition life,
 * and the XS meter per append. Geometry is the hub's: a 1 MB partition of
 * 4 KB sectors; records of 80 payload bytes; one ack per record (QoS 1).
 */
import { nodeCrypto } from '../hosts/node/crypto.js';
import { ManualClock } from '../hosts/sim/manual-time.js';
import { MemoryFlash } from '../hosts/sim/memory-flash.js';
import { MemoryStore } from '../hosts/sim/memory-store.js';
import { SeededRandom } from '../hosts/sim/seeded-random.js';
import { Keyring } from '../modules/keyring.js';
import { RecordLog } from '../modules/log/store.js';
import { meterInXs } from './xs.js';
import type { BenchRow } from './types.js';

const PARTITION = 1024 * 1024;
const SECTOR = 4096;
const PAYLOAD = 80;
const CYCLES = 100_000;
const RECORDS_PER_SECOND = 10;
const SECONDS_PER_YEAR = 365.25 * 24 * 3600;

const XS_ENTRY = `
import { nobleCrypto } from './hosts/xs/crypto.ts';
import { ManualClock } from './hosts/sim/manual-time.ts';
import { MemoryFlash } from './hosts/sim/memory-flash.ts';
import { MemoryStore } from './hosts/sim/memory-store.ts';
import { SeededRandom } from './hosts/sim/seeded-random.ts';
import { Keyring } from './modules/keyring.ts';
import { RecordLog } from './modules/log/store.ts';
import { measure, done } from './bench/xs-harness.ts';
const clock = new ManualClock();
const keyring = new Keyring({ store: new MemoryStore(), crypto: nobleCrypto, random: new SeededRandom(3) });
const { log } = RecordLog.open({ flash: new MemoryFlash(16 * 4096, 4096), keyring, crypto: nobleCrypto, clock });
const payload = new Uint8Array(${PAYLOAD}).fill(42);
const stamp = { wall: Date.UTC(2026, 0, 1), boot: 1, mono: 0 };
let seq = 0;
measure('append80', () => { seq = log.append('energy', payload, stamp).seq; });
measure('ack', () => { log.acknowledge('energy', seq); log.append('energy', payload, stamp); });
done();
`;

function makeLog(flash: MemoryFlash): RecordLog {
  const keyring = new Keyring({ store: new MemoryStore(), crypto: nodeCrypto, random: new SeededRandom(7) });
  return RecordLog.open({ flash, keyring, crypto: nodeCrypto, clock: new ManualClock() }).log;
}

const stamp = { wall: Date.UTC(2026, 0, 1), boot: 1, mono: 0 };

export async function benchLog(): Promise<BenchRow[]> {
  const payload = new Uint8Array(PAYLOAD).fill(42);

  // Overhead: fill a fresh partition with unacknowledged records; every byte programmed counts.
  const fillFlash = new MemoryFlash(PARTITION, SECTOR);
  const fill = makeLog(fillFlash);
  let filled = 0;
  while (fill.counters().liveBytes + 200 < fill.capacityBytes * 0.5) {
    fill.append('energy', payload, stamp);
    filled++;
  }
  const overhead = fillFlash.bytesWritten / filled - PAYLOAD;

  // Write amplification and wear: hold 70 % of capacity buffered, then append+ack one for one for several laps.
  const flash = new MemoryFlash(PARTITION, SECTOR);
  const log = makeLog(flash);
  let seq = 0;
  while (log.counters().liveBytes < log.capacityBytes * 0.7) seq = (log.append('energy', payload, stamp) as { seq: number }).seq;
  const startWritten = flash.bytesWritten;
  const startRecords = log.counters().recordBytesAppended;
  const startErases = [...flash.eraseCounts];
  let acked = 0;
  const steady = 12 * Math.ceil(PARTITION / (PAYLOAD + 40 + 28));
  for (let i = 0; i < steady; i++) {
    log.acknowledge('energy', ++acked);
    const r = log.append('energy', payload, stamp);
    if (!r.ok) throw new Error(`bench log: append refused at 70 % fill: ${r.message}`);
  }
  const written = flash.bytesWritten - startWritten;
  const recordBytes = log.counters().recordBytesAppended - startRecords;
  const wa = written / recordBytes;
  const erases = flash.eraseCounts.map((c, i) => c - startErases[i]!);
  const mean = erases.reduce((a, b) => a + b, 0) / erases.length;
  const spreadPct = (Math.max(...erases) / mean - 1) * 100;
  // Each erase cycle of every sector absorbs one sector of programming.
  const bytesPerSecond = RECORDS_PER_SECOND * (PAYLOAD + overhead) * wa;
  const lifeYears = (PARTITION * CYCLES) / bytesPerSecond / SECONDS_PER_YEAR;

  const xs = await meterInXs(XS_ENTRY, 'log');
  const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
  return [
    { key: 'log.bytesPerRecordOverhead', value: round(overhead, 2), unit: 'bytes', target: '<= 41', note: '15 header + 8 sealed stamp + 16 GCM tag + 1 commit write + sector headers and end-of-sector slack' },
    { key: 'log.writeAmplification', value: round(wa, 3), unit: 'ratio', target: '<= 1.3', note: `flash bytes / record entry bytes; 1 ack mark per record; payload-based ${round(written / (steady * PAYLOAD), 2)}` },
    { key: 'log.eraseSpreadPct', value: round(spreadPct, 2), unit: '%', target: '<= 10', note: `max vs mean over ${round(mean, 1)} erases/sector` },
    { key: 'log.projectedLifeYears', value: round(lifeYears, 2), unit: 'years', target: '>= 10', note: `1 MB, 100k cycles, every record of 10/s x 80 B written (${Math.round(bytesPerSecond)} B/s)` },
    { key: 'log.xs.meterPerAppend', value: xs.append80!, unit: 'XS meter', note: '80-byte record, @noble GCM inside xsnap' },
    { key: 'log.xs.meterPerAckAppend', value: xs.ack!, unit: 'XS meter', note: 'ack mark + append, steady state' },
  ];
}
