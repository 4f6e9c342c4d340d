// The controls docs/SECURITY.md calls met, end to end with `airlock run` as a process, a real
// home broker (aedes over TCP) and the stand-in clouds: the vendor's command channel over the
// integration's own connection (MQTT command topic; HTTPS delivery answer), forged and replayed
// commands refused and counted, an open incident that survives a restart, and an outbound burst
// far above the baseline raising the volume alert on MQTT with an audit entry.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { mqttCloud } from '../../hosts/node/demo/clouds.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../hosts/node/embedded-broker.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { repeatUntil, waitFor } from '../support/receiver-log.js';

const cli = join(repoRoot, 'build/tools/airlock.js');
const HUB = 'test-home';

interface Watched {
  seen: Map<string, string>;
  alerts: { kind: string; integration?: string; message: string }[];
  state(id: string): Record<string, number>;
  close(): Promise<void>;
}

/** An independent client on the monitoring broker: retained state and every alert. */
async function watch(broker: EmbeddedBroker): Promise<Watched> {
  const seen = new Map<string, string>();
  const alerts: Watched['alerts'] = [];
  const client = await mqtt.connectAsync(broker.url);
  client.on('message', (topic, payload) => {
    seen.set(topic, payload.toString());
    if (topic === `airlock/${HUB}/alert`) alerts.push(JSON.parse(payload.toString()) as Watched['alerts'][number]);
  });
  await client.subscribeAsync(`airlock/${HUB}/#`);
  return {
    seen,
    alerts,
    state: (id) => JSON.parse(seen.get(`airlock/${HUB}/integration/${id}/state`) ?? '{}') as Record<string, number>,
    close: () => client.endAsync(true),
  };
}

function writeConfig(dir: string, broker: EmbeddedBroker, integration: Record<string, unknown>, secrets: Record<string, string>): string {
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify(secrets));
  const path = join(dir, 'airlock.json');
  writeFileSync(
    path,
    JSON.stringify({
      format: 'airlock-config/1',
      hubId: HUB,
      dataDir: join(dir, 'data'),
      localBroker: { url: broker.url },
      secretsFile: 'secrets.json',
      integrations: [integration],
      web: false,
      monitorIntervalMs: 200,
    }),
  );
  return path;
}

function startHub(config: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [cli, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  return { child, output: () => output };
}

function cliRun(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** The installer reads the command key off the hub (what it gives the vendor at setup). */
async function commandKey(dir: string, integration: string): Promise<Buffer> {
  const result = await cliRun(['audit', 'command-key', '--data', join(dir, 'data'), '--integration', integration]);
  if (result.code !== 0) throw new Error(result.out);
  return Buffer.from(result.out.trim(), 'hex');
}

function envelope(key: Buffer, body: object): { body: string; mac: string } {
  const text = JSON.stringify(body);
  return { body: text, mac: createHmac('sha256', key).update(text).digest('hex') };
}

async function auditActions(dir: string): Promise<{ action: string; actor: string; details: Record<string, unknown> }[]> {
  const out = join(dir, 'audit-export.json');
  const result = await cliRun(['audit', 'export', '--data', join(dir, 'data'), '--out', out]);
  if (result.code !== 0) throw new Error(result.out);
  return (JSON.parse(readFileSync(out, 'utf8')) as { entries: { action: string; actor: string; details: Record<string, unknown> }[] }).entries;
}

const stopped = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

test.serial('MQTT vendor: an incident reported on the command topic opens, survives a restart; forged and replayed commands are refused and counted', async (t) => {
  const broker = await startEmbeddedBroker();
  const cloud = await mqttCloud('energy-saver', 'homes/readings');
  const dir = mkdtempSync(join(tmpdir(), 'airlock-channel-'));
  const config = writeConfig(dir, broker, { contract: join(repoRoot, 'docs/examples/energy-saver.json'), endpoint: cloud.endpoint, consent: { 'energy-advice': true } }, { 'energy-saver-token': 'test-password' });
  const watcher = await watch(broker);
  let hub = startHub(config);
  const vendor = await mqtt.connectAsync(cloud.endpoint.replace(/\/homes\/readings$/, ''));
  const topic = `homes/readings/commands/${HUB}`;
  try {
    await waitFor(() => watcher.seen.get(`airlock/${HUB}/status`) === 'online', 15_000, 'the hub to say online').catch((e) => {
      t.log(hub.output());
      throw e;
    });
    const key = await commandKey(dir, 'energy-saver');
    const report = envelope(key, { id: 'vendor-msg-1', type: 'incident.report', title: 'Credentials leaked at the vendor', categories: ['power.energy'] });
    // The hub subscribes when its delivery connection opens: repeat the signed report until it is
    // acted on; the repeats after the first are replays and must be refused, never a second incident.
    await repeatUntil(() => watcher.state('energy-saver').commands_accepted === 1, async () => {
      await vendor.publishAsync(topic, JSON.stringify(report), { qos: 1 });
    }, { everyMs: 100, times: 150, failure: () => `the hub never acted on the report:\n${hub.output()}` });
    await waitFor(() => watcher.state('energy-saver').open_incidents === 1, 10_000, 'the incident to show');
    const refusedBefore = watcher.state('energy-saver').commands_refused ?? 0;
    await vendor.publishAsync(topic, JSON.stringify(report), { qos: 1 }); // replayed
    await vendor.publishAsync(topic, JSON.stringify(envelope(Buffer.alloc(32, 9), { id: 'vendor-msg-2', type: 'incident.report', title: 'Forged' })), { qos: 1 });
    await waitFor(() => watcher.state('energy-saver').commands_refused === refusedBefore + 2, 10_000, 'the replay and the forgery to be counted');
    await waitFor(() => watcher.alerts.some((a) => a.kind === 'anomaly.forged-command'), 10_000, 'the forged-command alert');
    t.is(watcher.state('energy-saver').open_incidents, 1, 'neither opened an incident');
    t.is(watcher.state('energy-saver').commands_accepted, 1);

    // A power cut, then a restart: the open incident and its deadline come back from the store.
    hub.child.kill('SIGKILL');
    await stopped(hub.child);
    const entries = await auditActions(dir);
    t.is(entries.filter((e) => e.action === 'incident.opened' && e.actor === 'vendor:energy-saver').length, 1);
    t.is(entries.filter((e) => e.action === 'anomaly.forged-command').length, 1);
    watcher.seen.delete(`airlock/${HUB}/integration/energy-saver/state`);
    hub = startHub(config);
    await waitFor(() => watcher.state('energy-saver').open_incidents === 1, 15_000, 'the restarted hub to show the incident still open').catch((e) => {
      t.log(hub.output());
      throw e;
    });
    // The replay memory survives too: the old report sent again is refused, not a second incident.
    // (Sent until the restarted hub's subscription is up; every copy must be refused.)
    await repeatUntil(() => watcher.state('energy-saver').commands_refused >= 1, async () => {
      await vendor.publishAsync(topic, JSON.stringify(report), { qos: 1 });
    }, { everyMs: 100, times: 150, failure: () => `the restarted hub never answered the replay:\n${hub.output()}` });
    t.is(watcher.state('energy-saver').commands_accepted, 0);
    t.is(watcher.state('energy-saver').open_incidents, 1);
  } finally {
    hub.child.kill('SIGKILL');
    await stopped(hub.child);
    await vendor.endAsync(true);
    await watcher.close();
    await cloud.close();
    await broker.close();
  }
});

test.serial('HTTPS vendor: commands returned in the delivery answer are acted on; a forged one is refused and counted', async (t) => {
  const broker = await startEmbeddedBroker();
  const dir = mkdtempSync(join(tmpdir(), 'airlock-channel-'));
  let key: Buffer | undefined;
  let answered = 0;
  // The insurer's receiver answers the first delivery after it learnt the key with two commands.
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      if (!key || answered > 0) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      answered++;
      const commands = [
        envelope(key, { id: 'ins-1', type: 'incident.report', title: 'Claims database exposed' }),
        envelope(Buffer.alloc(32, 1), { id: 'ins-2', type: 'incident.report', title: 'Forged' }),
      ];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, commands }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/smarthome/events`;
  const config = writeConfig(dir, broker, { contract: join(repoRoot, 'docs/examples/leak-insurer.json'), endpoint, consent: { 'leak-alerts': true, 'policy-discount': true } }, { 'leak-insurer-api': 'token' });
  const watcher = await watch(broker);
  const hub = startHub(config);
  const devices = await mqtt.connectAsync(broker.url);
  try {
    await waitFor(() => watcher.seen.get(`airlock/${HUB}/status`) === 'online', 15_000, 'the hub to say online').catch((e) => {
      t.log(hub.output());
      throw e;
    });
    key = await commandKey(dir, 'leak-insurer');
    await repeatUntil(() => watcher.state('leak-insurer').commands_refused === 1, async (i) => {
      await devices.publishAsync('zigbee2mqtt/kitchen leak sensor', JSON.stringify({ water_leak: i % 2 === 0, battery: 90, temperature: 20 + (i % 5) }));
    }, { everyMs: 150, times: 200, failure: () => `no commands arrived through a delivery answer:\n${hub.output()}` });
    await waitFor(() => watcher.state('leak-insurer').open_incidents === 1, 10_000, 'the reported incident');
    t.is(watcher.state('leak-insurer').commands_accepted, 1);
    t.is(watcher.state('leak-insurer').commands_refused, 1, 'the forged command, counted');
    await waitFor(() => watcher.alerts.some((a) => a.kind === 'anomaly.forged-command' && a.integration === 'leak-insurer'), 10_000, 'the forged-command alert');
  } finally {
    hub.child.kill('SIGKILL');
    await stopped(hub.child);
    await devices.endAsync(true);
    await watcher.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await broker.close();
  }
});

test.serial('a vendor-bound burst far above the baseline raises the volume alert on MQTT and writes an audit entry', async (t) => {
  const broker = await startEmbeddedBroker();
  const cloud = await mqttCloud('energy-saver', 'homes/readings');
  const dir = mkdtempSync(join(tmpdir(), 'airlock-volume-'));
  // The baselines a previous run left in the key store: twelve quiet hours of about one record.
  mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'data', 'store.json'), JSON.stringify({ anomaly: { volume: { s: JSON.stringify({ 'energy-saver': [1, 150, 12] }) } } }), { mode: 0o600 });
  const config = writeConfig(dir, broker, { contract: join(repoRoot, 'docs/examples/energy-saver.json'), endpoint: cloud.endpoint, consent: { 'energy-advice': true } }, { 'energy-saver-token': 'test-password' });
  const watcher = await watch(broker);
  const hub = startHub(config);
  const devices = await mqtt.connectAsync(broker.url);
  try {
    await waitFor(() => watcher.seen.get(`airlock/${HUB}/status`) === 'online', 15_000, 'the hub to say online').catch((e) => {
      t.log(hub.output());
      throw e;
    });
    await repeatUntil(() => watcher.alerts.some((a) => a.kind === 'anomaly.volume'), async (i) => {
      await devices.publishAsync('zigbee2mqtt/washing machine plug', JSON.stringify({ power: 1800 + i, energy: 412.5 + i, voltage: 231 }));
    }, { everyMs: 250, times: 300, failure: () => `no volume alert after ${cloud.received} records:\n${hub.output()}` });
    t.true(cloud.received > 20, `the burst reached the vendor (${cloud.received} records)`);
    const alert = watcher.alerts.find((a) => a.kind === 'anomaly.volume')!;
    t.is(alert.integration, 'energy-saver');
    t.regex(alert.message, /far more than usual/);
    hub.child.kill('SIGTERM');
    await stopped(hub.child);
    const volume = (await auditActions(dir)).filter((e) => e.action === 'anomaly.volume');
    t.is(volume.length, 1, 'one audit entry for the hour');
    t.is(volume[0]!.details.baselineRecordsPerHour, 1);
  } finally {
    hub.child.kill('SIGKILL');
    await stopped(hub.child);
    await devices.endAsync(true);
    await watcher.close();
    await cloud.close();
    await broker.close();
  }
});
