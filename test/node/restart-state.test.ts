// BTHome replay protection across restarts of `airlock run`: recorded encrypted advertisements
// (the desktop's BLE replay file, counters 0x00112233 and 0x00112234) are accepted on the first run.
// After a power cut (SIGKILL) the first is refused (a new device's counter is written at once) and
// the second, one step later and not yet written, is accepted once: the documented replay window.
// After a clean stop (SIGTERM) the counters are written, and both are refused.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../hosts/node/embedded-broker.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { waitFor } from '../support/receiver-log.js';
import { BTHOME_KEY, BTHOME_MAC, encryptedVectors as enc } from '../vectors/bthome.js';

const cli = join(repoRoot, 'build/tools/airlock.js');

test('recorded BTHome frames are refused as replays after a restart, except within the window a power cut leaves', async (t) => {
  const broker = await startEmbeddedBroker();
  const dir = mkdtempSync(join(tmpdir(), 'airlock-restart-'));
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ bindkey: BTHOME_KEY }));
  writeFileSync(join(dir, 'ble.jsonl'), [enc.counter112233, enc.counter112234].map((data) => JSON.stringify({ mac: BTHOME_MAC, data })).join('\n') + '\n');
  writeFileSync(
    join(dir, 'airlock.json'),
    JSON.stringify({
      format: 'airlock-config/1',
      hubId: 'ble-home',
      dataDir: join(dir, 'data'),
      localBroker: { url: broker.url },
      secretsFile: 'secrets.json',
      sources: { bthome: { keys: { [BTHOME_MAC]: { secret: 'bindkey' } }, replayFile: 'ble.jsonl' } },
      integrations: [],
      web: false,
      monitorIntervalMs: 200,
    }),
  );
  let state: Record<string, number> = {};
  const watcher = await mqtt.connectAsync(broker.url);
  watcher.on('message', (_topic, payload) => (state = JSON.parse(payload.toString()) as Record<string, number>));
  await watcher.subscribeAsync('airlock/ble-home/state');
  const start = () => {
    const child = spawn(process.execPath, [cli, 'run', '--config', join(dir, 'airlock.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    return { child, output: () => output };
  };
  const killed = (child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL') => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
  let hub = start();
  try {
    await waitFor(() => state.boot_count === 1 && state.readings_received >= 2, 15_000, 'the first run to accept both frames').catch((e) => {
      t.log(hub.output());
      throw e;
    });
    t.is(state.malformed_inputs, 0);
    await killed(hub.child);
    state = {};
    hub = start();
    await waitFor(() => state.boot_count === 2 && state.malformed_inputs === 1 && state.readings_received >= 1, 15_000, 'the restarted hub to refuse the first frame').catch((e) => {
      t.log(hub.output(), JSON.stringify(state));
      throw e;
    });
    const window = state.readings_received;
    t.true(window >= 1, 'the frame one counter step past the saved value is accepted once: the window after a power cut');
    await killed(hub.child, 'SIGTERM'); // a clean stop writes what moved
    state = {};
    hub = start();
    await waitFor(() => state.boot_count === 3 && state.malformed_inputs === 2, 15_000, 'the hub after a clean stop to refuse both frames').catch((e) => {
      t.log(hub.output(), JSON.stringify(state));
      throw e;
    });
    t.is(state.readings_received, 0, 'nothing from the recorded frames entered the pipeline again');
  } finally {
    await killed(hub.child);
    await watcher.endAsync(true);
    await broker.close();
  }
});
