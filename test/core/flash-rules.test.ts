import test from 'ava';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { FlashError } from '../../modules/flash-rules.js';

test('a new or erased sector reads 0xFF and erase counts are kept per sector', (t) => {
  const flash = new MemoryFlash(4 * 256, 256);
  t.deepEqual(new Uint8Array(flash.read(300, 4)), Uint8Array.of(255, 255, 255, 255));
  flash.write(256, 2, Uint8Array.of(0x12, 0x34));
  flash.erase(1);
  flash.erase(1);
  t.deepEqual(new Uint8Array(flash.read(256, 2)), Uint8Array.of(255, 255));
  t.deepEqual(flash.eraseCounts, [0, 2, 0, 0]);
});

test('writes may only clear bits, and the error names the offset and the rule', (t) => {
  const flash = new MemoryFlash(2 * 256, 256);
  flash.write(10, 1, Uint8Array.of(0b1010_1010));
  flash.write(10, 1, Uint8Array.of(0b1000_1000)); // clearing more bits is fine
  const error = t.throws(() => flash.write(10, 1, Uint8Array.of(0b1010_1010)), { instanceOf: FlashError }) as Error;
  t.regex(error.message, /offset 10/);
  t.regex(error.message, /only clear bits/);
  t.deepEqual(new Uint8Array(flash.read(10, 1)), Uint8Array.of(0b1000_1000), 'a refused write changes nothing');
});

test('out-of-range, negative and fractional accesses are refused, not truncated', (t) => {
  const flash = new MemoryFlash(2 * 256, 256);
  t.throws(() => flash.read(500, 20), { message: /past the partition end \(512 bytes\)/ });
  t.throws(() => flash.write(-1, 1, Uint8Array.of(0)), { message: /whole numbers/ });
  t.throws(() => flash.read(1.5, 1), { message: /whole numbers/ });
  t.throws(() => flash.erase(2), { message: /sector 2 is outside 0\.\.1/ });
  t.throws(() => flash.write(0, 8, new Uint8Array(4)), { message: /holds only 4 bytes/ });
});

test('a partition size that is not a whole number of sectors is refused', (t) => {
  t.throws(() => new MemoryFlash(1000, 256), { message: /multiple of blockSize 256/ });
});
