import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const cli = join(root, 'build', 'tools', 'airlock.js');
const good = join(root, 'docs', 'examples', 'energy-saver.json');

function airlock(...args: string[]) {
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

function badFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-lint-'));
  const file = join(dir, 'bad.json');
  const text = JSON.stringify({
    format: 'airlock-contract/1',
    integration: 'x',
    streams: [{ stream: 'power', fields: { power: { purpose: 'p', transform: { kind: 'round', step: -1 } } } }],
    delivery: { endpoint: 'ftp://u:pw@example.com', maxRatePerMinute: 1, batchSize: 1 },
  });
  writeFileSync(file, text);
  return file;
}

test('a valid contract exits 0', (t) => {
  const run = airlock('contract', 'lint', good);
  t.is(run.code, 0, run.err);
  t.regex(run.out, /energy-saver\.json: valid/);
});

test('an invalid contract exits 1 and names each error by path', (t) => {
  const bad = badFile();
  const run = airlock('contract', 'lint', good, bad);
  t.is(run.code, 1);
  t.regex(run.err, /bad\.json: streams\[0\]\.fields\.power\.transform\.step: step must be greater than 0/);
  t.regex(run.err, /bad\.json: delivery\.endpoint: endpoint scheme "ftp:\/\/" is not allowed/);
  t.regex(run.err, /bad\.json: vendor: vendor is required/);
  const json = airlock('contract', 'lint', '--json', bad);
  t.is(json.code, 1);
  const report = JSON.parse(json.out) as { file: string; status: string; errors: { path: string; message: string }[] }[];
  t.is(report[0]!.status, 'invalid');
  t.true(report[0]!.errors.some((e) => e.path === 'streams[0].fields.power.transform.step'));
});

test('an unreadable file exits 2; --help explains', (t) => {
  const run = airlock('contract', 'lint', join(tmpdir(), 'no-such-contract.json'));
  t.is(run.code, 2);
  t.regex(run.err, /cannot read the file/);
  const help = airlock('contract', '--help');
  t.is(help.code, 0);
  t.regex(help.out, /usage: airlock contract lint/);
  t.regex(airlock('--help').out, /contract/);
});

function withDeadline(hours: number): string {
  const contract = JSON.parse(readFileSync(good, 'utf8')) as { breachNotification: { deadlineHours: number } };
  contract.breachNotification.deadlineHours = hours;
  const file = join(mkdtempSync(join(tmpdir(), 'airlock-lint-')), `deadline-${hours}.json`);
  writeFileSync(file, JSON.stringify(contract));
  return file;
}

test('a breach deadline over GDPR\'s 72 hours is a warning, in text and JSON, and the exit stays 0', (t) => {
  const late = withDeadline(96);
  const run = airlock('contract', 'lint', late);
  t.is(run.code, 0, run.err);
  t.regex(run.out, /deadline-96\.json: valid \(1 warning\)/);
  t.regex(run.err, /deadline-96\.json: warning: breachNotification\.deadlineHours: 96 hours is longer than the 72 hours GDPR Art\. 33/);
  const json = airlock('contract', 'lint', '--json', late);
  t.is(json.code, 0);
  const report = JSON.parse(json.out) as { status: string; errors: unknown[]; warnings: { path: string; message: string }[] }[];
  t.like(report[0], { status: 'valid', errors: [] });
  t.deepEqual(report[0]!.warnings.map((w) => w.path), ['breachNotification.deadlineHours']);
});

test('72 hours exactly is no warning; errors still decide the exit when warnings are present too', (t) => {
  const onTime = airlock('contract', 'lint', '--json', withDeadline(72));
  t.is(onTime.code, 0);
  t.deepEqual((JSON.parse(onTime.out) as { warnings: unknown[] }[])[0]!.warnings, []);
  const mixed = airlock('contract', 'lint', withDeadline(120), badFile());
  t.is(mixed.code, 1, 'the invalid file fails the run');
  t.regex(mixed.err, /warning: breachNotification\.deadlineHours/);
});
