// The desktop host hashes passwords with OWASP's 600 000 PBKDF2-HMAC-SHA256 iterations (the board
// uses 10 000, docs/web.md): `airlock run` as a process, first-boot setup over HTTP, then the
// iteration count stored with the hash in store.json is read back, and the store is private.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCrypto } from '../../hosts/node/crypto.js';
import { startEmbeddedBroker } from '../../hosts/node/embedded-broker.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { base32Decode, totp } from '../../modules/web/totp.js';
import { waitFor } from '../support/receiver-log.js';

const cli = join(repoRoot, 'build/tools/airlock.js');

test('passwords set on the desktop are hashed with 600 000 iterations, stored with the hash', async (t) => {
  const broker = await startEmbeddedBroker();
  const dir = mkdtempSync(join(tmpdir(), 'airlock-pw-'));
  writeFileSync(
    join(dir, 'airlock.json'),
    JSON.stringify({ format: 'airlock-config/1', hubId: 'pw-home', dataDir: join(dir, 'data'), localBroker: { url: broker.url }, integrations: [], web: { port: 0 } }),
  );
  const hub = spawn(process.execPath, [cli, 'run', '--config', join(dir, 'airlock.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  hub.stdout.on('data', (c) => (output += c));
  hub.stderr.on('data', (c) => (output += c));
  try {
    await waitFor(() => /web page url=http:\/\/\S+/.test(output) && /code=\S+/.test(output), 15_000, 'the page and the setup code');
    const url = /web page url=(http:\/\/\S+)/.exec(output)![1]!;
    const code = /code=(\S+)/.exec(output)![1]!;
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, json: (await response.json()) as Record<string, any> };
    };
    const started = await post('/api/setup/start', { code });
    t.is(started.status, 200);
    const finished = await post('/api/setup/finish', { code, name: 'owner', password: 'correct horse battery', totp: totp(nodeCrypto, base32Decode(started.json.secret), Date.now()) });
    t.is(finished.status, 200, JSON.stringify(finished.json));
    const storePath = join(dir, 'data', 'store.json');
    const account = JSON.parse(JSON.parse(readFileSync(storePath, 'utf8')).web['u.owner'].s) as { iterations: number };
    t.is(account.iterations, 600_000);
    t.is(statSync(storePath).mode & 0o077, 0, 'store.json is readable by its owner only');
  } finally {
    hub.kill('SIGKILL');
    await broker.close();
  }
});

test('airlock run refuses a store.json others can read, naming the chmod', async (t) => {
  if (process.platform === 'win32') return t.pass('mode bits do not apply on Windows');
  const broker = await startEmbeddedBroker();
  const dir = mkdtempSync(join(tmpdir(), 'airlock-pw-'));
  writeFileSync(join(dir, 'airlock.json'), JSON.stringify({ format: 'airlock-config/1', hubId: 'pw-home', dataDir: join(dir, 'data'), localBroker: { url: broker.url }, integrations: [], web: false }));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'store.json'), '{}', { mode: 0o644 });
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, 'run', '--config', join(dir, 'airlock.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  await broker.close();
  t.is(result.code, 2);
  t.regex(result.stderr, /readable or writable by others \(mode 0644\); run: chmod 600 '.*store\.json'/);
});
