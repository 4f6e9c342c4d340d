// `airlock run` as a separate process against a separate Mosquitto: an independent client sees
// Home Assistant discovery and the counters, the counters match what the stand-in cloud received,
// and `kill -9` of the hub turns its status offline through the last will.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { mqttCloud } from '../../hosts/node/demo/clouds.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { MOSQUITTO_SKIP, startMosquitto } from '../support/brokers.js';
import { waitFor } from '../support/receiver-log.js';

const cli = join(repoRoot, 'build/tools/airlock.js');

test.serial('the hub reports over MQTT with discovery, matching counters and a last will', async (t) => {
  const broker = await startMosquitto();
  if (!broker) {
    t.log(MOSQUITTO_SKIP);
    t.pass();
    return;
  }
  const cloud = await mqttCloud('energy-saver', 'homes/readings');
  const dir = mkdtempSync(join(tmpdir(), 'airlock-run-'));
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'energy-saver-token': 'test-password' }));
  writeFileSync(
    join(dir, 'airlock.json'),
    JSON.stringify({
      format: 'airlock-config/1',
      hubId: 'test-home',
      dataDir: join(dir, 'data'),
      localBroker: { url: broker.url },
      secretsFile: 'secrets.json',
      integrations: [{ contract: join(repoRoot, 'docs/examples/energy-saver.json'), endpoint: cloud.endpoint, consent: { 'energy-advice': true } }],
      web: false,
      monitorIntervalMs: 200,
    }),
  );
  const seen = new Map<string, string>();
  const watcher = await mqtt.connectAsync(broker.url);
  watcher.on('message', (topic, payload) => seen.set(topic, payload.toString()));
  await watcher.subscribeAsync(['airlock/#', 'homeassistant/#']);
  const hub = spawn(process.execPath, [cli, 'run', '--config', join(dir, 'airlock.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  hub.stdout.on('data', (c) => (output += c));
  hub.stderr.on('data', (c) => (output += c));
  const devices = await mqtt.connectAsync(broker.url);
  try {
    await waitFor(() => seen.get('airlock/test-home/status') === 'online', 15_000, 'the hub to say online').catch((e) => {
      t.log(output);
      throw e;
    });
    // "online" comes from the monitoring connection; the sources connection subscribes on its own
    // schedule. Probe until a reading is counted, so none of the 12 below is published too early.
    const hubState = () => JSON.parse(seen.get('airlock/test-home/state') ?? '{}') as Record<string, number>;
    for (let probe = 0; !(hubState().readings_received > 0); probe++) {
      if (probe > 150) throw new Error(`the hub never counted a reading\n${output}`);
      await devices.publishAsync('zigbee2mqtt/washing machine plug', JSON.stringify({ power: 1799, energy: 412, voltage: 231, linkquality: 99 }));
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 12; i++) {
      await devices.publishAsync('zigbee2mqtt/washing machine plug', JSON.stringify({ power: 1800 + i, energy: 412.5 + i, voltage: 231, linkquality: 99 }));
      await new Promise((r) => setTimeout(r, 50));
    }
    const state = () => JSON.parse(seen.get('airlock/test-home/integration/energy-saver/state') ?? '{}') as Record<string, number>;
    // The state document trails deliveries by up to monitorIntervalMs: wait for it to settle.
    await waitFor(
      () => cloud.received >= 12 && state().buffered_records === 0 && state().forwarded === cloud.received,
      15_000,
      '12 records at the cloud and the counters settled',
    ).catch((e: Error) => {
      throw new Error(`${e.message}: cloud ${cloud.received}, state ${JSON.stringify(state())}`);
    });
    t.is(state().forwarded, cloud.received, 'the forwarded counter matches what the cloud received');
    t.is(state().buffered_records, 0);

    const discovery = JSON.parse(seen.get('homeassistant/device/test-home/config') ?? '{}') as Record<string, any>;
    t.truthy(discovery.dev?.ids?.length, 'device identifiers');
    t.is(discovery.o?.name, 'airlock', 'origin');
    const forwarded = discovery.cmps?.['airlock_test-home_energy-saver_forwarded'];
    t.like(forwarded, { p: 'sensor', state_class: 'total_increasing', entity_category: 'diagnostic', state_topic: 'airlock/test-home/integration/energy-saver/state' });
    t.is(discovery.availability_topic, 'airlock/test-home/status');

    hub.kill('SIGKILL');
    await waitFor(() => seen.get('airlock/test-home/status') === 'offline', 15_000, 'the last will to say offline');
    t.pass();
  } finally {
    hub.kill('SIGKILL');
    await devices.endAsync(true);
    await watcher.endAsync(true);
    await cloud.close();
    await broker.close();
  }
});

test('a configuration with problems is refused at start with one message per problem', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-run-'));
  writeFileSync(
    join(dir, 'bad.json'),
    JSON.stringify({
      format: 'airlock-config/1',
      hubId: 'test-home',
      localBroker: { url: 'mqtt://127.0.0.1:1' },
      integrations: [{ contract: 'missing.json' }, { contract: join(repoRoot, 'docs/examples/leak-insurer.json') }],
    }),
  );
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, 'run', '--config', join(dir, 'bad.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  t.is(result.code, 2);
  t.regex(result.stderr, /integrations\[0\]\.contract: .*missing\.json does not exist/);
  t.regex(result.stderr, /secret "leak-insurer-api" is not in any secrets file/);
});
