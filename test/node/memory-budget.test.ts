// The memory figures are deterministic (slot counts in XS), so the budget can be checked,
// not only reported: 8 integrations must stay within 48 KB of heap.
import test from 'ava';
import { measureHeapBytes } from '../../bench/memory.js';

test('the XS heap grows with the integrations, reproducibly, and 8 integrations fit the 48 KB budget', async (t) => {
  const first = await measureHeapBytes();
  t.true(first[1]! > 0);
  t.true(first[8]! > first[1]! && first[32]! > first[8]!, JSON.stringify(first));
  t.true(first[8]! <= 48 * 1024, `8 integrations take ${first[8]} bytes`);
  t.deepEqual(await measureHeapBytes(), first, 'the same build measures the same');
});
