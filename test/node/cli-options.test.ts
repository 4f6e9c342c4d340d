// Every `airlock` subcommand parses strictly: an option it does not know is refused with exit 2
// and named, never ignored (a typo like `--stor` for `--store` used to turn the MAC check off).
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../hosts/xs/engine.js';

const cli = join(repoRoot, 'build/tools/airlock.js');

function airlock(...args: string[]) {
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, AIRLOCK_BROKER: '' } });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

// Each subcommand, used otherwise correctly, plus one misspelt option. None of these may get as
// far as doing its work (no broker, config or file is needed: the refusal comes first).
const uses: [string, string[]][] = [
  ['run', ['run', '--confg', 'airlock.json']],
  ['run (demo)', ['run', '--duratoin', '1']],
  ['contract lint', ['contract', 'lint', '--jsn', join(repoRoot, 'docs/examples/energy-saver.json')]],
  ['audit verify', ['audit', 'verify', 'export.json', '--stor', 'store.json']],
  ['audit export', ['audit', 'export', '--dat', 'data']],
  ['dash', ['dash', '--brokr', 'mqtt://127.0.0.1:1', '--once']],
  ['update keygen', ['update', 'keygen', '--outt', 'key.pem']],
  ['update sign', ['update', 'sign', '--key', 'k.pem', '--kind', 'firmware', '--version', '1.0.0', '--imag', 'fw.bin']],
  ['update verify', ['update', 'verify', '--pub', '04', '--manifest', 'm.json', '--image', 'fw.bin', '--sig', 'x']],
];

for (const [name, args] of uses) {
  test(`${name}: an unknown option exits 2 and is named`, (t) => {
    const wrong = args.find((a) => a.startsWith('--') && !/^--(key|kind|version|pub|manifest|image|once)$/.test(a))!;
    const run = airlock(...args);
    t.is(run.code, 2, run.out + run.err);
    t.true(run.err.includes(`'${wrong}'`), `the message names ${wrong}: ${run.err}`);
    t.regex(run.err, /--help/);
  });
}

test('audit verify with the --stor typo does not report the export as valid', (t) => {
  const run = airlock('audit', 'verify', 'export.json', '--stor', 'store.json');
  t.is(run.code, 2);
  t.notRegex(run.out, /valid/);
  t.regex(run.err, /Unknown option '--stor'/);
});

test('an option that needs a value and has none is refused, not read as the next option', (t) => {
  const run = airlock('audit', 'verify', 'export.json', '--store', '--json');
  t.is(run.code, 2, run.out + run.err);
  t.regex(run.err, /--store/);
});

test('an option of another action is refused by name', (t) => {
  const run = airlock('update', 'verify', '--pub', '04', '--manifest', 'm.json', '--image', 'fw.bin', '--out', 'x');
  t.is(run.code, 2);
  t.regex(run.err, /--out is not an option of verify/);
  const audit = airlock('audit', 'verify', 'export.json', '--out', 'x.json');
  t.is(audit.code, 2);
  t.regex(audit.out + audit.err, /--data and --out belong to `airlock audit export`/);
  const exported = airlock('audit', 'export', '--data', 'data', '--store', 'store.json');
  t.is(exported.code, 2);
  t.regex(exported.err, /takes only --data <dir> and --out <file>/);
});

test('every subcommand still answers --help with exit 0', (t) => {
  for (const args of [['run'], ['contract'], ['audit'], ['dash'], ['update']]) {
    const run = airlock(...args, '--help');
    t.is(run.code, 0, `${args[0]}: ${run.err}`);
    t.regex(run.out, /usage/);
  }
});

test('a known option is honoured, not just accepted: the demo boots without wall-clock time under --no-wall-clock', async (t) => {
  const data = mkdtempSync(join(tmpdir(), 'airlock-demo-'));
  const demo = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, 'run', '--duration', '2', '--data', data, '--no-wall-clock'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => resolve({ code, out }));
  });
  t.is(demo.code, 0, demo.out);
  const exported = airlock('audit', 'export', '--data', data);
  t.is(exported.code, 0, exported.err);
  const entries = (JSON.parse(exported.out) as { entries: { time: { wall?: number } }[] }).entries;
  t.true(entries.length > 0);
  t.true(entries.every((e) => e.time.wall === undefined), 'no entry carries wall-clock time');
});
