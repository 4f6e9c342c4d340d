// `airlock audit verify` as an auditor runs it: a real process, a real export file, a real key store.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLog } from '../../modules/audit/log.js';
import { FlashAuditStorage } from '../../modules/audit/flash-storage.js';
import { Keyring } from '../../modules/keyring.js';
import { toHex } from '../../modules/bytes.js';
import { nodeCrypto } from '../../hosts/node/crypto.js';
import { FileStore } from '../../hosts/node/file-store.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { ManualClock } from '../../hosts/sim/manual-time.js';
import { SeededRandom } from '../../hosts/sim/seeded-random.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tools', 'airlock.js');

function hubExport(seed = 4) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-audit-'));
  const storePath = join(dir, 'store.json');
  const keyring = new Keyring({ store: new FileStore(storePath), crypto: nodeCrypto, random: new SeededRandom(seed) });
  const key = keyring.hubKey('audit');
  const clock = new ManualClock();
  const log = AuditLog.open({ storage: new FlashAuditStorage(new MemoryFlash(4 * 4096)), crypto: nodeCrypto, key, clock });
  for (let i = 1; i <= 6; i++) {
    clock.advance(1000);
    log.record('owner', 'consent.given', 'energy', { purpose: `p${i}` });
  }
  const doc = log.exportChain();
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    return path;
  };
  return { dir, storePath, key, doc, write };
}

function verify(...args: string[]) {
  const run = spawnSync(process.execPath, [cli, 'audit', 'verify', ...args], { encoding: 'utf8' });
  return { code: run.status, out: run.stdout + run.stderr };
}

test('a genuine export is valid with the key from the store or in hex', (t) => {
  const { storePath, key, doc, write } = hubExport();
  const file = write('export.json', doc);
  const byStore = verify(file, '--store', storePath);
  t.is(byStore.code, 0, byStore.out);
  t.regex(byStore.out, /valid: 6 entries \(seq 1\.\.6\).*MACs checked/);
  t.is(verify(file, '--key-hex', toHex(key)).code, 0);
  const noKey = verify(file);
  t.is(noKey.code, 0);
  t.regex(noKey.out, /MACs NOT checked/);
});

test('tampered exports exit 1 and name the first broken entry', (t) => {
  const { storePath, doc, write } = hubExport();
  const text = JSON.stringify(doc, null, 2);
  // One byte: the purpose of entry 4 ("p4" -> "p5").
  const changed = write('changed.json', text.replace('"p4"', '"p5"'));
  const c = verify(changed, '--store', storePath);
  t.is(c.code, 1, c.out);
  t.regex(c.out, /invalid: entry seq 4 .*altered/);
  const removed = write('removed.json', { ...doc, entries: doc.entries.filter((e) => e.seq !== 2) });
  const r = verify(removed, '--store', storePath, '--json');
  t.is(r.code, 1);
  t.like(JSON.parse(r.out).fault, { seq: 3, index: 1 });
  const swapped = { ...doc, entries: [...doc.entries] };
  [swapped.entries[4], swapped.entries[5]] = [swapped.entries[5]!, swapped.entries[4]!];
  const s = verify(write('swapped.json', swapped), '--store', storePath);
  t.is(s.code, 1);
  t.regex(s.out, /entry seq 6 \(position 5\).*reordered/);
});

test('a forger without the key is caught by the MACs', (t) => {
  const { storePath, doc, write } = hubExport();
  const other = hubExport(5);
  // A whole chain from a different hub is self-consistent but not ours.
  const alien = write('alien.json', other.doc);
  t.is(verify(alien).code, 0);
  const withKey = verify(alien, '--store', storePath);
  t.is(withKey.code, 1);
  t.regex(withKey.out, /entry seq 1 .*MAC does not match/);
  t.truthy(doc);
});

test('unreadable input and bad options exit 2 with a reason', (t) => {
  const { dir, write } = hubExport();
  t.is(verify(join(dir, 'missing.json')).code, 2);
  const notJson = verify(write('broken.json', '{"format": "airlock-audit/1", "entries": [}'));
  t.is(notJson.code, 2);
  t.regex(notJson.out, /not JSON/);
  const file = write('ok.json', hubExport().doc);
  t.regex(verify(file, '--key-hex', 'abcd').out, /32 bytes/);
  t.is(verify(file, '--key-hex', 'abcd').code, 2);
  const emptyStore = write('empty-store.json', '{}');
  t.regex(verify(file, '--store', emptyStore).out, /no keyring master key/);
  const help = spawnSync(process.execPath, [cli, 'audit', '--help'], { encoding: 'utf8' });
  t.is(help.status, 0);
  t.regex(help.stdout, /Exit status: 0 valid, 1 invalid/);
});
