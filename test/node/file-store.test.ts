import test from 'ava';
import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../../hosts/node/file-store.js';
import { makeNodeHost } from '../../hosts/node/host.js';

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

test('the store file holding the master key is private: created 0600, and a readable one is refused with the chmod to run', (t) => {
  if (process.platform === 'win32') return t.pass('mode bits do not apply on Windows');
  const dir = mkdtempSync(join(tmpdir(), 'airlock-store-'));
  const host = makeNodeHost({ dataDir: join(dir, 'data'), flashBytes: 8 * 4096 });
  host.store.set('keyring', 'master', new Uint8Array(32).fill(1));
  host.close();
  const path = join(dir, 'data', 'store.json');
  t.is(statSync(path).mode & 0o777, 0o600, 'created readable by its owner only');
  t.is(statSync(join(dir, 'data')).mode & 0o077, 0, 'the data folder is private too');

  chmodSync(path, 0o644);
  const refused = t.throws(() => makeNodeHost({ dataDir: join(dir, 'data'), flashBytes: 8 * 4096 }));
  t.regex(refused!.message, /readable or writable by others \(mode 0644\)/);
  t.true(refused!.message.includes(`run: chmod 600 '${path}'`), refused!.message);
  chmodSync(path, 0o600);
  const again = makeNodeHost({ dataDir: join(dir, 'data'), flashBytes: 8 * 4096 });
  t.deepEqual(again.store.get('keyring', 'master'), new Uint8Array(32).fill(1));
  again.close();
});
