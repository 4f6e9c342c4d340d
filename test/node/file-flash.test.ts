import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFlash } from '../../hosts/node/file-flash.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'airlock-flash-'));

test('a new flash file is created erased, persists writes, and keeps erase counts across reopen', (t) => {
  const path = join(tempDir(), 'records.flash');
  const flash = new FileFlash({ path, byteLength: 8192, blockSize: 4096 });
  t.is(statSync(path).size, 8192);
  t.deepEqual(new Uint8Array(flash.read(0, 3)), Uint8Array.of(255, 255, 255));
  flash.write(4100, 3, Uint8Array.of(1, 2, 3));
  flash.erase(0);
  flash.close();
  const again = new FileFlash({ path, byteLength: 8192, blockSize: 4096 });
  t.deepEqual(new Uint8Array(again.read(4100, 3)), Uint8Array.of(1, 2, 3));
  t.deepEqual(again.eraseCounts, [1, 0]);
  again.erase(1);
  t.deepEqual(new Uint8Array(again.read(4100, 3)), Uint8Array.of(255, 255, 255));
  again.close();
  t.deepEqual(JSON.parse(readFileSync(`${path}.erases.json`, 'utf8')), [1, 1]);
});

test('the file refuses NOR-violating and out-of-range operations like the chip', (t) => {
  const flash = new FileFlash({ path: join(tempDir(), 'f.flash'), byteLength: 4096, blockSize: 4096 });
  flash.write(7, 1, Uint8Array.of(0x0f));
  t.throws(() => flash.write(7, 1, Uint8Array.of(0xf0)), { message: /offset 7 is 0x0f and cannot become 0xf0/ });
  t.throws(() => flash.read(4090, 10), { message: /past the partition end/ });
  t.throws(() => flash.erase(1), { message: /outside 0\.\.0/ });
  flash.close();
});

test('a flash file of another size is refused with what to do', (t) => {
  const path = join(tempDir(), 'f.flash');
  new FileFlash({ path, byteLength: 4096 }).close();
  t.throws(() => new FileFlash({ path, byteLength: 8192 }), { message: /4096 bytes but the configuration says 8192/ });
});

// Found by the crash loop: a kill while the image was being created left a short file, and every
// later start refused it ("is N bytes but the configuration says M"). The image is now built
// aside and renamed into place: a crash leaves at most the unfinished `.new` file, rebuilt next time.
test('a crash while creating the image does not stop the next start', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-flash-'));
  const path = join(dir, 'records.flash');
  writeFileSync(`${path}.new`, Buffer.alloc(5000, 0xff)); // what a kill mid-creation leaves
  const flash = new FileFlash({ path, byteLength: 8 * 4096, blockSize: 4096 });
  t.is(statSync(path).size, 8 * 4096);
  t.true(new Uint8Array(flash.read(0, 8 * 4096)).every((b) => b === 0xff), 'a fresh image is erased');
  flash.close();
  t.false(existsSync(`${path}.new`), 'the unfinished image was reused and renamed');
});
