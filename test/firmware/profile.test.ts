// The board profile on Moddable's runtime: a configuration beyond what the esp32 profile holds is
// refused at boot, with a boot-report entry the page's /api/status shows, and no hub is composed
// (nothing that could run into "memory full" later). mcconfig build, simulator, no brokers needed.
import test from 'ava';
import { join } from 'node:path';
import { appendFileSync, writeFileSync } from 'node:fs';
import { repoRoot } from '../../tools/firmware/build.js';
import { startSimulator, type Simulator } from '../../tools/firmware/simulator.js';
import { buildLab, freshFileRoot } from './rig.js';

const moddable = process.env.MODDABLE;
/** Ports of their own: the lab bakes them in, and no other lab uses these. */
const PORTS = Object.freeze({ home: 18860, vendor: 18861, web: 18869 });
const ESP32_MAX_INTEGRATIONS = 8;

interface Status {
  boot: { mode: string; problems: { code: string; path?: string; component: string; message: string; action: string }[]; capabilities: { sealing: boolean } };
}

let sim: Simulator | undefined;

test.after.always(async () => {
  await sim?.stop();
});

test('a configuration beyond the esp32 profile is refused at boot and said so in /api/status', async (t) => {
  if (!moddable) throw new Error('MODDABLE is not set; run this suite through `npm run test:firmware`');
  const lab = await buildLab(moddable, 'beyond-profile', ESP32_MAX_INTEGRATIONS + 1, PORTS, { profile: 'esp32' });
  const traceLog = join(repoRoot, 'build', 'firmware-lab', 'beyond-profile', 'simulator.log');
  writeFileSync(traceLog, '');
  freshFileRoot(lab.fileRoot);
  sim = await startSimulator({ moddable, app: lab.app, onTrace: (line) => appendFileSync(traceLog, `${line}\n`) });
  const booted = await sim.waitForTrace(/airlock: booted/, 90_000);
  t.regex(booted, /profile=esp32/);
  t.regex(booted, /integrations=0/, 'no hub was composed');

  const response = await fetch(`http://127.0.0.1:${PORTS.web}/api/status`);
  t.is(response.status, 200);
  const status = (await response.json()) as Status;
  const refused = status.boot.problems.filter((p) => p.code === 'profile-exceeded');
  t.is(refused.length, 1, JSON.stringify(status.boot.problems));
  t.like(refused[0], { component: 'config', path: 'integrations' });
  t.regex(refused[0]!.message, /9 integrations; the esp32 profile holds at most 8/);
  t.regex(refused[0]!.action, /esp32s3/);
  t.is(status.boot.mode, 'degraded');
  t.false(status.boot.capabilities.sealing);
  t.deepEqual(
    sim.exceptions.filter((e) => /memory full|stack overflow/i.test(e.message)),
    [],
  );
});
