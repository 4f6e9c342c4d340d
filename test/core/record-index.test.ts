/**
 * The log's packed RAM index (modules/log/record-index.ts): rows keep every
 * field exactly, the ring wraps, grows and shrinks without reordering, and the
 * recovery scan's rows settle into seq order with copies merged.
 */
import test from 'ava';
import { RecordIndex } from '../../modules/log/record-index.js';

function fill(index: RecordIndex, from: number, to: number): void {
  for (let seq = from; seq <= to; seq++) index.push(seq, seq & 0xffff, seq & 1, seq * 7, seq * 1000.5, 40 + (seq % 50), seq * 64, seq % 3);
}

function seqs(index: RecordIndex): number[] {
  return Array.from({ length: index.length }, (_, k) => index.seq(k));
}

test('a row keeps every field at its widest', (t) => {
  const index = new RecordIndex();
  index.push(0xffffffff, 0xffff, 0x81, 0xffff, 2 ** 40 - 1, 8192, 0xfffffff0, 0xffffffff);
  t.is(index.seq(0), 0xffffffff);
  t.is(index.epoch(0), 0xffff);
  t.is(index.flags(0), 0x81);
  t.is(index.boot(0), 0xffff);
  t.is(index.time(0), 2 ** 40 - 1);
  t.is(index.size(0), 8192);
  t.is(index.at(0), 0xfffffff0);
  t.is(index.purposes(0), 0xffffffff);
  index.setStamp(0, 1, 3, 12.5);
  index.setAt(0, 4096);
  t.deepEqual([index.flags(0), index.boot(0), index.time(0), index.at(0), index.size(0), index.epoch(0)], [1, 3, 12.5, 4096, 8192, 0xffff]);
});

test('the ring wraps, grows by doubling and lets its tables go when empty', (t) => {
  const index = new RecordIndex();
  t.is(index.capacity, 0, 'nothing allocated before the first record');
  fill(index, 1, 6);
  index.shift(4);
  fill(index, 7, 12); // wraps around the 8-row ring
  t.deepEqual(seqs(index), [5, 6, 7, 8, 9, 10, 11, 12]);
  t.is(index.capacity, 8);
  fill(index, 13, 100);
  t.is(index.capacity, 128);
  t.deepEqual(seqs(index), Array.from({ length: 96 }, (_, k) => k + 5));
  t.is(index.time(0), 5 * 1000.5);
  t.is(index.indexAfter(50), 46);
  t.is(index.indexAfter(0), 0);
  t.is(index.indexAfter(1000), 96);
  index.removeAt(10); // seq 15
  t.is(index.seq(10), 16);
  t.is(index.purposes(10), 16 % 3);
  index.shift(80);
  t.true(index.capacity < 128, 'a mostly empty index shrinks');
  t.deepEqual(seqs(index), Array.from({ length: 15 }, (_, k) => k + 86));
  index.shift(15);
  t.is(index.length, 0);
  t.is(index.capacity, 0, 'an empty index holds no tables');
});

test('settle orders what the scan found by seq, merges copies (the last found is used) and drops the floor', (t) => {
  const index = new RecordIndex();
  // As a scan finds them, oldest sector first: a compaction copied 3 and 4 into a newer sector and a power cut left the old copies.
  for (const [seq, at] of [[3, 100], [4, 200], [1, 300], [6, 400], [3, 500], [4, 600], [5, 700], [2, 800]] as const) index.push(seq, 1, 0x80, 0, 0, 60, at, 0);
  index.settle(1);
  t.deepEqual(seqs(index), [2, 3, 4, 5, 6]);
  t.deepEqual([index.at(1), index.older(1)], [500, [100]]);
  t.deepEqual([index.at(2), index.older(2)], [600, [200]]);
  t.deepEqual(index.older(0), []);
  t.true(index.hasOlder);
  index.setOlder(1, []);
  index.shift(3);
  t.false(index.hasOlder, 'older copies go with their records');
});
