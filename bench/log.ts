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
import { WriteBehind } from '../modules/log/write-behind.js';
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

function makeLog(flash: MemoryFlash, clock = new ManualClock()): RecordLog {
  const keyring = new Keyring({ store: new MemoryStore(), crypto: nodeCrypto, random: new SeededRandom(7) });
  return RecordLog.open({ flash, keyring, crypto: nodeCrypto, clock }).log;
}

/** The RAM-first scenario: hours of traffic, the vendor acknowledging each second but away a share of every hour. */
export const RAM_FIRST = { hours: 4, outageMinutesPerHour: 3, ackEveryMs: 1000 } as const;

/**
 * Flash bytes per second with RAM windows in front of the log (the hub's
 * default, ram-first), at the same rate and record size as the every-record
 * figure: records spill only during the outages (after the spill delay), the
 * rest never reach flash; seq reservations and acks of spilled records do.
 */
function ramFirstBytesPerSecond(payload: Uint8Array): { bytesPerSecond: number; spilledShare: number } {
  const clock = new ManualClock({ wallTime: Date.UTC(2026, 0, 1) });
  const flash = new MemoryFlash(PARTITION, SECTOR);
  const buffer = new WriteBehind(makeLog(flash, clock), clock);
  const stepMs = 1000 / RECORDS_PER_SECOND;
  const totalMs = RAM_FIRST.hours * 3_600_000;
  let appended = 0;
  for (let t = 0; t < totalMs; t += stepMs) {
    clock.advance(stepMs);
    buffer.append('energy', payload, { wall: clock.wallTime()!, boot: 1, mono: clock.monotonic() });
    appended++;
    if (t % 250 === 0) buffer.tick();
    const away = t % 3_600_000 >= 3_600_000 - RAM_FIRST.outageMinutesPerHour * 60_000;
    if (!away && t % RAM_FIRST.ackEveryMs === 0) {
      // The forwarder sends what is pending (batches of 50) and the vendor acknowledges.
      for (let batch = buffer.pending('energy', 50); batch.length > 0; batch = buffer.pending('energy', 50)) buffer.acknowledge('energy', batch.at(-1)!.seq);
    }
  }
  const spilled = Object.values(buffer.counters().spilled).reduce((a, b) => a + b, 0);
  return { bytesPerSecond: flash.bytesWritten / (totalMs / 1000), spilledShare: spilled / appended };
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
  const ram = ramFirstBytesPerSecond(payload);
  const ramLifeYears = (PARTITION * CYCLES) / ram.bytesPerSecond / SECONDS_PER_YEAR;

  const xs = await meterInXs(XS_ENTRY, 'log');
  const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
  return [
    { key: 'log.bytesPerRecordOverhead', value: round(overhead, 2), unit: 'bytes', target: '<= 41', note: '15 header + 8 sealed stamp + 16 GCM tag + 1 commit write + sector headers and end-of-sector slack' },
    { key: 'log.writeAmplification', value: round(wa, 3), unit: 'ratio', target: '<= 1.3', note: `flash bytes / record entry bytes; 1 ack mark per record; payload-based ${round(written / (steady * PAYLOAD), 2)}` },
    { key: 'log.eraseSpreadPct', value: round(spreadPct, 2), unit: '%', target: '<= 10', note: `max vs mean over ${round(mean, 1)} erases/sector` },
    {
      key: 'log.projectedLifeYears',
      value: round(ramLifeYears, 2),
      unit: 'years',
      target: '>= 10',
      note: `1 MB, 100k cycles, 10 records/s x 80 B, ram-first (the default): vendor acks every ${RAM_FIRST.ackEveryMs / 1000} s and is away ${RAM_FIRST.outageMinutesPerHour} min every hour; ${round(ram.spilledShare * 100, 1)} % of records spilled, ${round(ram.bytesPerSecond, 1)} B/s measured over ${RAM_FIRST.hours} h`,
    },
    { key: 'log.projectedLifeYearsFlash', value: round(lifeYears, 2), unit: 'years', note: `same partition and traffic, durability "flash": every record written (${Math.round(bytesPerSecond)} B/s)` },
    { key: 'log.xs.meterPerAppend', value: xs.append80!, unit: 'XS meter', note: '80-byte record, @noble GCM inside xsnap' },
    { key: 'log.xs.meterPerAckAppend', value: xs.ack!, unit: 'XS meter', note: 'ack mark + append, steady state' },
  ];
}
