import test from 'ava';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../../hosts/node/file-store.js';

test('the store survives a reopen and writes through a temporary file that is renamed away', (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'airlock-store-')), 'store.json');
  const store = new FileStore(path);
  store.set('keyring', 'master', new Uint8Array(32).fill(7));
  store.set('hub', 'bootCount', 3);
  t.false(existsSync(`${path}.tmp`));
  const again = new FileStore(path);
  t.deepEqual(again.get('keyring', 'master'), new Uint8Array(32).fill(7));
  t.is(again.get('hub', 'bootCount'), 3);
});

test('a damaged store file is refused with advice instead of being overwritten', (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'airlock-store-')), 'store.json');
  writeFileSync(path, '{"keyring": {"master"');
  t.throws(() => new FileStore(path), { message: /not valid JSON.*backup/ });
});

test('the desktop store enforces the NVS limits too', (t) => {
  const store = new FileStore(join(mkdtempSync(join(tmpdir(), 'airlock-store-')), 'store.json'));
  t.throws(() => store.set('domain-too-long-x', 'k', 1), { message: /15/ });
});
