// CI strict mode for real peers (test/support/peers.ts): with CI=true a missing Mosquitto,
// Chromium, openssl or tcpdump fails the case instead of passing it quietly; and every place
// that depends on such a peer goes through that one helper.
import test from 'ava';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../hosts/xs/engine.js';
import { MissingPeerError, peerMissing, strictPeers } from '../support/peers.js';

const recorder = () => {
  const seen = { logs: [] as string[], passes: 0 };
  return { seen, t: { log: (...v: unknown[]) => void seen.logs.push(v.join(' ')), pass: () => void seen.passes++ } };
};

test('with CI=true a missing peer is a failure; without, the case says what is missing and skips', (t) => {
  t.true(strictPeers({ CI: 'true' }));
  t.false(strictPeers({}));
  t.false(strictPeers({ CI: 'false' }));
  const strict = recorder();
  const error = t.throws(() => peerMissing(strict.t, 'mosquitto', 'the Mosquitto cases are skipped', { CI: 'true' }), { instanceOf: MissingPeerError });
  t.regex(error!.message, /mosquitto is missing.*apt-get install -y mosquitto.*CI=true: a missing peer is a failure/s);
  t.is(strict.seen.passes, 0, 'nothing is passed in strict mode');
  const local = recorder();
  peerMissing(local.t, 'openssl', 'TLS cases skipped (this line is peers.test.ts checking the helper; nothing is skipped)', {});
  t.regex(local.seen.logs.join('\n'), /openssl is missing.*TLS cases skipped/);
});

test('a suite run with CI=true and no openssl on PATH fails, naming the peer', async (t) => {
  // forward-https makes its certificate with the openssl CLI; an empty PATH hides it.
  const ava = join(repoRoot, 'node_modules/ava/entrypoints/cli.mjs');
  const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [ava, 'build/test/node/forward-https.test.js', '--match', '*mqtts*'], {
      cwd: repoRoot,
      env: { ...process.env, CI: 'true', PATH: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => resolve({ code, out }));
  });
  t.not(run.code, 0, run.out);
  t.regex(run.out, /openssl is missing or unusable/);
  t.regex(run.out, /CI=true: a missing peer is a failure/);
});

test('every Node suite that needs a peer reports a missing one through peerMissing, never by itself', (t) => {
  const dir = join(repoRoot, 'test/node');
  // What the suites used to do: log a skip message and t.pass(), which CI counted as a pass.
  const selfSkip = /t\.log\([^)]*(skip|SKIP)|is not installed|is missing:|t\.log\(cert\.skip\)/;
  t.true(selfSkip.test("if ('skip' in cert) return void (t.log(cert.skip), t.pass());"), 'positive control');
  t.true(selfSkip.test("t.log('mosquitto is not installed: the home broker is aedes')"), 'positive control');
  const needs = /startMosquitto\(|makeTestCert\(|startLoopbackCapture\(|\/usr\/bin\/chromium/;
  const problems: string[] = [];
  let dependents = 0;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.test.ts') && f !== 'peers.test.ts')) {
    const text = readFileSync(join(dir, name), 'utf8');
    if (selfSkip.test(text)) problems.push(`${name}: reports a missing peer by itself`);
    if (needs.test(text)) {
      dependents++;
      if (!text.includes('peerMissing(')) problems.push(`${name}: uses a peer without peerMissing`);
    }
  }
  t.true(dependents >= 6, `the sweep sees the suites that use peers (${dependents})`);
  t.deepEqual(problems, []);
});
