/**
 * Heap growth over a long run (`xs.heapGrowthBytesPer1M`): 1 000 000 plug
 * messages through the composed Hub inside one XS machine (bench/stages-fixture.ts:
 * 200 devices at 5 messages/s each, records delivered and acknowledged as they
 * go, so the log never fills). Live slots are read after `gc()` after a warm-up
 * and at the end; the figure is the difference scaled to 1 000 000 records,
 * in ESP32 bytes (16 bytes a slot on its 32-bit XS build). The primitives are
 * trivial copies (as `stages.xs.meterPerRecordFullExclCrypto`) to keep the run to
 * minutes: what they would allocate is per call and collected, never retained.
 * Set AIRLOCK_BENCH_HEAP_RECORDS to run fewer records (the figure is then
 * extrapolated, and the note says so).
 */
import { bundleForXs } from '../hosts/xs/engine.js';
import type { BenchRow } from './types.js';
import { openXsSession } from './xs-session.js';

const ESP32_SLOT_BYTES = 16;
const FIRST = 20_000;
/** Steps of 10 000 records: xsnap's per-step meter count is 32-bit and a step of 100 000 would wrap it. */
const CHUNK = 10_000;
/**
 * 1 000 000 records take about 15 minutes in xsnap on a 2-core desktop (about
 * 0.9 ms a record, most of it the engine's own allocator and collector), too
 * long for a bench run: by default 200 000 records are measured (20k → 220k)
 * and the growth scaled to 1M. AIRLOCK_BENCH_HEAP_RECORDS=1020000 runs it all.
 */
const DEFAULT_TOTAL = 220_000;

const ENTRY = `
import { nobleCrypto } from './hosts/xs/crypto.ts';
import { hubRig, trivialCrypto } from './bench/stages-fixture.ts';
const rig = hubRig(trivialCrypto(nobleCrypto));
(globalThis as any).airlockHeap = {
  run: (n: number) => rig.run(n),
  delivered: () => rig.transport.records,
};
`;

export async function benchHeap(): Promise<BenchRow[]> {
  const total = Number(process.env.AIRLOCK_BENCH_HEAP_RECORDS ?? DEFAULT_TOTAL);
  if (!(total >= FIRST + CHUNK)) throw new Error(`AIRLOCK_BENCH_HEAP_RECORDS must be at least ${FIRST + CHUNK}`);
  const session = await openXsSession('bench-heap', await bundleForXs(ENTRY, 'heap.ts'));
  try {
    for (let n = 0; n < FIRST; n += CHUNK) await session.step(`airlockHeap.run(${CHUNK})`);
    const atFirst = await session.step('gc();');
    let done = FIRST;
    let ms = 0;
    let compute = 0;
    while (done < total) {
      const n = Math.min(CHUNK, total - done);
      const r = await session.step(`airlockHeap.run(${n})`);
      ms += r.ms;
      compute += r.compute;
      done += n;
    }
    const atEnd = await session.step('gc();');
    const growthSlots = atEnd.heapSlots - atFirst.heapSlots;
    const per1M = Math.round((growthSlots * ESP32_SLOT_BYTES * 1_000_000) / (done - FIRST));
    const chunkPer1M = Math.round(((atEnd.allocate - atFirst.allocate) * 1_000_000) / (done - FIRST));
    const span = done - FIRST;
    const scope = span >= 1_000_000 ? `measured over ${span / 1000}k records (${FIRST / 1000}k → ${done / 1000}k)` : `measured over ${span / 1000}k records (${FIRST / 1000}k → ${done / 1000}k) and scaled to 1M; AIRLOCK_BENCH_HEAP_RECORDS=1020000 measures 1M (~15 min)`;
    return [
      { key: 'xs.heapGrowthBytesPer1M', value: per1M, unit: 'bytes', target: '~0 (no growth)', note: `Δ live slots × 16 B after gc, ${scope}; composed Hub, trivial primitives` },
      { key: 'xs.heapSlotsAfterWarmup', value: atFirst.heapSlots, unit: 'slots', note: `live slots after gc at ${FIRST / 1000}k records (whole machine, code included)` },
      { key: 'xs.chunkGrowthBytesPer1M', value: chunkPer1M, unit: 'bytes', note: 'xsnap chunk heap (strings, buffers) difference, same points; it grows in steps and is not returned to the system' },
      { key: 'xs.heapRunMeterPerRecord', value: Math.round(compute / (done - FIRST)), unit: 'XS meter', note: `${Math.round(ms / 1000)} s for ${(done - FIRST) / 1000}k records on this machine` },
    ];
  } finally {
    await session.close();
  }
}
