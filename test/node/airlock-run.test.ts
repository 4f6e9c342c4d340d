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
import { startAedes, startMosquitto } from '../support/brokers.js';
import { peerMissing } from '../support/peers.js';
import { waitFor } from '../support/receiver-log.js';

const cli = join(repoRoot, 'build/tools/airlock.js');

test.serial('the hub reports over MQTT with discovery, matching counters and a last will', async (t) => {
  const broker = await startMosquitto();
  if (!broker) return peerMissing(t, 'mosquitto', 'the hub-against-Mosquitto case is skipped here');
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
    const state = () => JSON.parse(seen.get('airlock/test-home/integration/energy-saver/state') ?? '{}') as Record<string, number>;
    // The hub's source connection may subscribe a moment after it says online: keep the devices
    // talking until 12 records have made it through, then let the counters settle.
    for (let i = 0; state().forwarded < 12 || cloud.received < 12; i++) {
      if (i > 200) throw new Error(`only ${cloud.received} records reached the cloud:\n${output}`);
      await devices.publishAsync('zigbee2mqtt/washing machine plug', JSON.stringify({ power: 1800 + i, energy: 412.5 + i, voltage: 231, linkquality: 99 }));
      await new Promise((r) => setTimeout(r, 150));
    }
    await waitFor(() => state().forwarded === cloud.received && state().buffered_records === 0, 15_000, 'the counters to settle');
    t.is(state().forwarded, cloud.received, 'the forwarded counter matches what the cloud received');
    t.is(state().buffered_records, 0);

    const discovery = JSON.parse(seen.get('homeassistant/device/test-home/config') ?? '{}') as Record<string, any>;
    t.truthy(discovery.dev?.ids?.length, 'device identifiers');
    t.is(discovery.o?.name, 'airlock', 'origin');
    const forwarded = discovery.cmps?.['airlock_test-home_energy-saver_forwarded'];
    t.like(forwarded, { p: 'sensor', state_class: 'total_increasing', entity_category: 'diagnostic', state_topic: 'airlock/test-home/integration/energy-saver/state' });
    t.is(discovery.availability_topic, 'airlock/test-home/status');
    t.like(JSON.parse(seen.get('airlock/test-home/version') ?? '{}'), { running: '0.1.0' }, 'the version, retained');

    hub.kill('SIGKILL');
    await waitFor(() => seen.get('airlock/test-home/status') === 'offline', 15_000, 'the last will to say offline');

    // After the power cut, an auditor exports the audit log from the hub's data and verifies every MAC.
    const exported = join(dir, 'audit-export.json');
    const run = (args: string[]) => new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, 'audit', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      child.on('exit', (code) => resolve({ code, out }));
    });
    t.is((await run(['export', '--data', join(dir, 'data'), '--out', exported])).code, 0);
    const verdict = await run(['verify', exported, '--store', join(dir, 'data', 'store.json')]);
    t.is(verdict.code, 0, verdict.out);
    t.regex(verdict.out, /valid: \d+ entries .*MACs checked/);
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

test.serial('monitoring on a computer: online once per connect, the version retained, and Home Assistant\'s birth message answered', async (t) => {
  const published: { topic: string; payload: string }[] = [];
  const broker = await startAedes({ onPublish: (topic, payload) => published.push({ topic, payload: payload.toString() }) });
  const dir = mkdtempSync(join(tmpdir(), 'airlock-run-'));
  writeFileSync(
    join(dir, 'airlock.json'),
    JSON.stringify({ format: 'airlock-config/1', hubId: 'ha-home', dataDir: join(dir, 'data'), localBroker: { url: broker.url }, integrations: [], web: false }),
  );
  const hub = spawn(process.execPath, [cli, 'run', '--config', join(dir, 'airlock.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  hub.stdout.on('data', (c) => (output += c));
  hub.stderr.on('data', (c) => (output += c));
  const on = (topic: string) => published.filter((p) => p.topic === topic);
  const ha = await mqtt.connectAsync(broker.url);
  try {
    await waitFor(() => on('airlock/ha-home/version').length > 0 && on('homeassistant/device/ha-home/config').length > 0, 20_000, 'version and discovery').catch((e) => {
      t.log(output);
      throw e;
    });
    t.deepEqual(JSON.parse(on('airlock/ha-home/version')[0]!.payload), { running: '0.1.0' });
    t.deepEqual(on('airlock/ha-home/status').map((p) => p.payload), ['online'], 'online once for one connect');
    const before = on('homeassistant/device/ha-home/config').length;
    await ha.publishAsync('homeassistant/status', 'online');
    await waitFor(() => on('homeassistant/device/ha-home/config').length > before, 10_000, 'discovery again after the birth message');
    t.deepEqual(on('airlock/ha-home/status').map((p) => p.payload), ['online']);
    hub.kill('SIGTERM');
    await waitFor(() => on('airlock/ha-home/status').at(-1)?.payload === 'offline', 10_000, 'a graceful stop to say offline');
  } finally {
    hub.kill('SIGKILL');
    await ha.endAsync(true);
    await broker.close();
  }
});

/** `airlock run` with one energy-saver integration whose endpoint the configuration overrides. */
function overrideConfig(homeBroker: string, endpoint: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-run-'));
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'energy-saver-token': 'test-password' }));
  writeFileSync(join(dir, 'airlock.json'), JSON.stringify({
    format: 'airlock-config/1',
    hubId: 'override-home',
    dataDir: join(dir, 'data'),
    localBroker: { url: homeBroker },
    secretsFile: 'secrets.json',
    integrations: [{ contract: join(repoRoot, 'docs/examples/energy-saver.json'), endpoint, consent: { 'energy-advice': true } }],
    web: false,
  }));
  return join(dir, 'airlock.json');
}

test.serial('an endpoint override without a path delivers to the contract\'s delivery.topic', async (t) => {
  const broker = await startAedes();
  const cloud = await mqttCloud('energy-saver', 'homes/readings'); // counts only publishes on that topic
  const where = cloud.endpoint.replace(/^(mqtt:\/\/[^/]+)\/.*$/, '$1');
  t.is(where, cloud.endpoint.replace('/homes/readings', ''), 'the override has no path');
  const hub = spawn(process.execPath, [cli, 'run', '--config', overrideConfig(broker.url, where)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  hub.stdout.on('data', (c) => (output += c));
  hub.stderr.on('data', (c) => (output += c));
  let exited: number | null | undefined;
  hub.on('exit', (code) => (exited = code));
  const devices = await mqtt.connectAsync(broker.url);
  try {
    for (let i = 0; cloud.received < 1; i++) {
      if (exited !== undefined) throw new Error(`airlock run stopped (exit ${exited}):\n${output}`);
      if (i > 300) throw new Error(`nothing reached homes/readings:\n${output}`);
      await devices.publishAsync('zigbee2mqtt/washing machine plug', JSON.stringify({ power: 1800 + i, energy: 412.5 + i, voltage: 231, linkquality: 99 }));
      await new Promise((r) => setTimeout(r, 100));
    }
    t.true(cloud.received >= 1);
    t.is(exited, undefined, 'the hub is still running');
    t.notRegex(output, /is not a topic to publish to/);
  } finally {
    hub.kill('SIGKILL');
    await devices.endAsync(true);
    await cloud.close();
    await broker.close();
  }
});

test('an endpoint override with a wildcard topic is refused at start, naming the field', async (t) => {
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, 'run', '--config', overrideConfig('mqtt://127.0.0.1:1', 'mqtt://127.0.0.1:1884/homes/+')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  t.is(result.code, 2, result.stderr);
  t.regex(result.stderr, /integrations\[0\]\.endpoint: endpoint "mqtt:\/\/127\.0\.0\.1:1884\/homes\/\+": .*MQTT wildcard/);
});
