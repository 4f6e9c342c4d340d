// The vendor's CLI and the hub's core agree: what `airlock update sign` writes, the installer accepts.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fromHex } from '../../modules/bytes.js';
import { SimulatedOta, testImage } from '../../hosts/sim/simulated-ota.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { makeTestHost } from '../support/test-host.js';
import { bootUpdater, install } from '../support/updates.js';

const airlock = (...args: string[]) => promisify(execFile)(process.execPath, [join(repoRoot, 'build/tools/airlock.js'), 'update', ...args]);

test('keygen, sign and verify produce a manifest the hub installs, and verify catches a changed image', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-update-'));
  const key = join(dir, 'key.pem');
  const { stdout } = await airlock('keygen', '--out', key);
  const pub = /updateKey: ([0-9a-f]{130})/.exec(stdout)?.[1];
  t.truthy(pub, stdout);
  const imageFile = join(dir, 'airlock.bin');
  const image = testImage('1.1.0');
  writeFileSync(imageFile, image);
  await airlock('sign', '--key', key, '--kind', 'firmware', '--version', '1.1.0', '--image', imageFile);
  const manifestFile = `${imageFile}.manifest.json`;
  t.regex((await airlock('verify', '--pub', pub!, '--manifest', manifestFile, '--image', imageFile)).stdout, /^ok: firmware 1\.1\.0/);

  const host = makeTestHost();
  const ota = new SimulatedOta({ capacity: 8192, factoryImage: testImage('1.0.0') });
  const { installer } = bootUpdater({ ...host, ota, updateKey: fromHex(pub!) });
  t.deepEqual(install(installer, JSON.parse(readFileSync(manifestFile, 'utf8')), image), { ok: true, version: '1.1.0' });

  const changed = image.slice();
  changed[100]! ^= 1;
  writeFileSync(imageFile, changed);
  const failure = await airlock('verify', '--pub', pub!, '--manifest', manifestFile, '--image', imageFile).catch((e: { code: number; stderr: string }) => e);
  t.like(failure, { code: 1 });
  t.regex((failure as { stderr: string }).stderr, /SHA-256 differs/);
});
