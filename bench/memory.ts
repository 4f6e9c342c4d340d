/**
 * Memory budget, measured in the XS engine: the heap the hub's long-lived
 * objects take with 1, 8 and 32 integrations (docs/esp32.md has the method
 * and the table next to the ESP32's limits).
 *
 * Method: one fresh xsnap machine per figure. The bundle (all code, as the
 * preload puts it in flash on the board) is evaluated and collected first:
 * that is the baseline. Then `composeHubForMeasurement` (bench/hub-under-test.ts)
 * composes the real Hub over simulated hardware and runs a few rounds of
 * work (and, for the drain figures, builds a backlog while the vendors are
 * away and lets every lane start sending it), everything is collected
 * again, and the live slot count is read from xsnap's meter
 * (`currentHeapCount`, exact after `gc()`). XS slots are
 * 16 bytes on the ESP32's 32-bit build, so heap bytes = Δslots × 16.
 * xsnap does not report chunk memory (string, buffer and array storage), so
 * the figure is the slot heap only; docs/esp32.md says how to read both on a
 * board.
 */
import { bundleForXs, runInXs } from '../hosts/xs/engine.js';
import type { BenchRow } from './types.js';

/** sizeof(txSlot) on 32-bit XS (ESP32). */
const ESP32_SLOT_BYTES = 16;
const COUNTS = [1, 8, 32] as const;
/** Seconds of device messages (two per second) while the vendors are away. */
const BACKLOG_ROUNDS = 60;

const ENTRY = `
import { composeHubForMeasurement, integrationNames } from './bench/hub-under-test.ts';
import { makeBenchHost } from './bench/hub-rig.ts';
const memory: any = ((globalThis as any).airlockMemory = {
  done: false,
  async build(count: number, phase: 'steady' | 'backlog' | 'draining' | 'drained') {
    const host = makeBenchHost();
    const hut = composeHubForMeasurement(host, integrationNames(count));
    for (let i = 0; i < 3; i++) await hut.exercise();
    await hut.rig.run(60_000);
    const transports = [...hut.rig.transports.values()];
    if (phase !== 'steady') {
      // The vendors go away while devices keep reporting: a backlog of sealed records builds on flash.
      for (const t of transports) t.mode = 'offline';
      for (let i = 0; i < BACKLOG_ROUNDS; i++) {
        hut.rig.readings(1000 + i);
        await hut.rig.run(1_000);
      }
      const buffered = hut.hub.snapshot().integrations.reduce((n, s) => n + s.bufferedRecords, 0);
      if (buffered < count * BACKLOG_ROUNDS) throw new Error('backlog did not build: ' + buffered);
    }
    if (phase === 'draining' || phase === 'drained') {
      // They return; every lane sends its first batch and waits for the acknowledgement: all batches in flight at once.
      for (const t of transports) t.mode = 'hold';
      for (let waited = 0; waited < 900_000 && transports.some((t) => t.held === 0); waited += 5_000) await hut.rig.run(5_000);
      if (transports.some((t) => t.held === 0)) throw new Error('not every lane started draining');
    }
    if (phase === 'drained') {
      for (const t of transports) t.mode = 'ack';
      for (const t of transports) t.release();
      await hut.rig.run(120_000);
      const left = hut.hub.snapshot().integrations.reduce((n, s) => n + s.bufferedRecords, 0);
      if (left !== 0) throw new Error(left + ' records still buffered after the drain');
    }
    memory.kept = { host, hut };
    memory.done = true;
  },
});
`.replace(/BACKLOG_ROUNDS/g, String(BACKLOG_ROUNDS));

type Phase = 'steady' | 'backlog' | 'draining' | 'drained';

async function liveSlots(script: string, build: { count: number; phase: Phase } | undefined, name: string): Promise<number> {
  // Not hardened: the measurement keeps the hub reachable from a global.
  const steps = [script, 'gc();'];
  if (build !== undefined) {
    // xsnap runs the promise jobs of one evaluation before the next starts, so the async build is complete here.
    steps.push(`airlockMemory.build(${build.count}, '${build.phase}');`);
    steps.push(`if (!airlockMemory.done) throw new Error('build did not finish'); gc();`);
  }
  const run = await runInXs(steps, name);
  const slots = run.meter.currentHeapCount;
  if (typeof slots !== 'number') throw new Error('xsnap did not report currentHeapCount');
  return slots;
}

export interface MemoryFigures {
  /** Steady state after boot and a few rounds of work, by integration count. */
  heap: Record<number, number>;
  /** 8 integrations: with a backlog on flash, with every lane's first batch in flight, and after the drain. */
  backlog8: number;
  drainPeak8: number;
  drained8: number;
}

async function figures(script: string, baseline: number, count: number, phase: Phase): Promise<number> {
  return ((await liveSlots(script, { count, phase }, `memory-${count}-${phase}`)) - baseline) * ESP32_SLOT_BYTES;
}

export async function measureHeapBytes(): Promise<Record<number, number>> {
  const script = await bundleForXs(ENTRY, 'memory.ts');
  const baseline = await liveSlots(script, undefined, 'memory-baseline');
  const heap: Record<number, number> = {};
  for (const count of COUNTS) heap[count] = await figures(script, baseline, count, 'steady');
  return heap;
}

/** 8 integrations with a backlog on flash, and with every lane's first batch of it in flight (the drain peak). */
export async function measureBacklogBytes(): Promise<{ backlog8: number; drainPeak8: number }> {
  const script = await bundleForXs(ENTRY, 'memory.ts');
  const baseline = await liveSlots(script, undefined, 'memory-baseline');
  return { backlog8: await figures(script, baseline, 8, 'backlog'), drainPeak8: await figures(script, baseline, 8, 'draining') };
}

export async function measureMemory(): Promise<MemoryFigures> {
  const script = await bundleForXs(ENTRY, 'memory.ts');
  const baseline = await liveSlots(script, undefined, 'memory-baseline');
  const heap: Record<number, number> = {};
  for (const count of COUNTS) heap[count] = await figures(script, baseline, count, 'steady');
  return {
    heap,
    backlog8: await figures(script, baseline, 8, 'backlog'),
    drainPeak8: await figures(script, baseline, 8, 'draining'),
    drained8: await figures(script, baseline, 8, 'drained'),
  };
}

export async function benchMemory(): Promise<BenchRow[]> {
  const { heap, backlog8, drainPeak8, drained8 } = await measureMemory();
  const perIntegration = Math.round((heap[32]! - heap[1]!) / 31);
  const note = 'XS slot heap (Δ live slots × 16 B) after gc; the composed Hub (bench/hub-rig.ts)';
  return [
    { key: 'xs.heapBytes.1', value: heap[1]!, unit: 'bytes', note },
    { key: 'xs.heapBytes.8', value: heap[8]!, unit: 'bytes', target: '<= 49152', note },
    { key: 'xs.heapBytes.32', value: heap[32]!, unit: 'bytes', note },
    { key: 'xs.heapBytesPerIntegration', value: perIntegration, unit: 'bytes', note: '(32 − 1 integrations) / 31' },
    { key: 'xs.heapBytes.8.backlog', value: backlog8, unit: 'bytes', note: `8 integrations, ${BACKLOG_ROUNDS} s of readings buffered while the vendors are away` },
    { key: 'xs.heapBytes.8.drainPeak', value: drainPeak8, unit: 'bytes', note: '8 integrations, every lane\'s first batch of the backlog in flight at once' },
    { key: 'xs.heapBytes.8.drained', value: drained8, unit: 'bytes', note: '8 integrations, after the backlog was delivered' },
  ];
}
