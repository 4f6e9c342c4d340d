// The memory figures are deterministic (slot counts in XS), so they can be checked, not only
// reported. The composed Hub does NOT meet the 48 KB target for 8 integrations (docs/esp32.md,
// "Memory budget", says why): this suite holds the line where it is, as a regression ceiling,
// and fails on any growth beyond it. Lower the ceilings as the hub gets leaner.
import test from 'ava';
import { measureHeapBytes } from '../../bench/memory.js';

/**
 * Measured 158,048 B with 8 integrations (bench/hub-rig.ts on the 4 MB board layout, all four
 * sources on) + ~5 % = 162 KB; RAM windows and sealed audit records took that to 165,840 B, and the
 * #17 items (vendor command channel, replay memory, BTHome counters, incidents and baselines kept
 * in the store) to 171,232 B (ceiling 168 KB). One contract model (#19: the change manager holds
 * the parsed contract, no ContractLike) took it to 160,000 B; the ceiling is that + 5 %.
 */
const CEILING_8 = 168_000;
const TARGET_8 = 48 * 1024;

test('the XS heap grows with the integrations, reproducibly, and stays under its regression ceiling', async (t) => {
  const first = await measureHeapBytes();
  t.true(first[1]! > 0);
  t.true(first[8]! > first[1]! && first[32]! > first[8]!, JSON.stringify(first));
  t.true(first[8]! <= CEILING_8, `8 integrations take ${first[8]} bytes (ceiling ${CEILING_8})`);
  if (first[8]! > TARGET_8) t.log(`not yet within the ${TARGET_8}-byte target: ${first[8]} bytes with 8 integrations (docs/esp32.md)`);
  t.deepEqual(await measureHeapBytes(), first, 'the same build measures the same');
});
