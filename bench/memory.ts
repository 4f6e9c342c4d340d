/**
 * Memory budget, measured in the XS engine: the heap the hub's long-lived
 * objects take with 1, 8 and 32 integrations (docs/esp32.md has the method
 * and the table next to the ESP32's limits).
 *
 * Method: one fresh xsnap machine per figure. The bundle (all code, as the
 * preload puts it in flash on the board) is evaluated and collected first:
 * that is the baseline. Then `composeHubForMeasurement` (bench/hub-under-test.ts,
 * the hook the composed hub plugs into) builds the hub and runs a few rounds
 * of work, everything is collected again, and the live slot count is read
 * from xsnap's meter (`currentHeapCount`, exact after `gc()`). XS slots are
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

const ENTRY = `
import { composeHubForMeasurement, integrationNames } from './bench/hub-under-test.ts';
import { makeTestHost } from './test/support/test-host.ts';
(globalThis as any).airlockMemory = {
  build(count: number) {
    const host = makeTestHost();
    const hub = composeHubForMeasurement(host, integrationNames(count));
    for (let i = 0; i < 3; i++) hub.exercise();
    host.timers.advance(60_000);
    (globalThis as any).airlockMemory.kept = { host, hub };
  },
};
`;


async function liveSlots(script: string, build: number | undefined, name: string): Promise<number> {
  // Not hardened: the measurement keeps the hub reachable from a global.
  const steps = [script, 'gc();'];
  if (build !== undefined) steps.push(`airlockMemory.build(${build}); gc();`);
  const run = await runInXs(steps, name);
  const slots = run.meter.currentHeapCount;
  if (typeof slots !== 'number') throw new Error('xsnap did not report currentHeapCount');
  return slots;
}

export async function measureHeapBytes(): Promise<Record<number, number>> {
  const script = await bundleForXs(ENTRY, 'memory.ts');
  const baseline = await liveSlots(script, undefined, 'memory-baseline');
  const figures: Record<number, number> = {};
  for (const count of COUNTS) figures[count] = (await liveSlots(script, count, `memory-${count}`) - baseline) * ESP32_SLOT_BYTES;
  return figures;
}

export async function benchMemory(): Promise<BenchRow[]> {
  const heap = await measureHeapBytes();
  const perIntegration = Math.round((heap[32]! - heap[1]!) / 31);
  const note = 'XS slot heap (Δ live slots × 16 B) after gc; hub = bench/hub-under-test.ts';
  return [
    { key: 'xs.heapBytes.1', value: heap[1]!, unit: 'bytes', note },
    { key: 'xs.heapBytes.8', value: heap[8]!, unit: 'bytes', target: '<= 49152', note },
    { key: 'xs.heapBytes.32', value: heap[32]!, unit: 'bytes', note },
    { key: 'xs.heapBytesPerIntegration', value: perIntegration, unit: 'bytes', note: '(32 − 1 integrations) / 31' },
  ];
}
