/**
 * End to end on the desktop, through Mosquitto on loopback, same messages,
 * same run: a source broker (Mosquitto) → a forwarding process → a vendor
 * broker (Mosquitto), three ways:
 *  (a) Airlock: `airlock run` as its own process (the desktop hub: decode,
 *      minimize, pseudonymize, CBOR, seal to the file-backed flash log, deliver
 *      batches over MQTT QoS 1, acknowledge);
 *  (b) a plain Mosquitto bridge: a third Mosquitto with two `connection`
 *      bridges, in from the source broker and out to the vendor broker, QoS 1;
 *  (c) a Node-RED flow (npm `node-red`, headless): mqtt in → function node
 *      (allow-list of 3 fields, HMAC-SHA256 pseudonym of the device with
 *      node:crypto) → mqtt out, QoS 1.
 * Each pipeline reads its own topic prefix (so only one works at a time) and
 * gets the same N plug messages. Throughput = records at the vendor broker /
 * time from the first publish to the last arrival; median of 3 rounds,
 * pipelines interleaved.
 *
 * Three loads, each pipeline in turn:
 *  - throughput: N messages published as fast as QoS 1 allows, median of 3;
 *  - sustained: 1 000 messages/s (250 devices × 4/s, under the hub's flood
 *    gate) for 30 s: delivered records/s and how many never arrived;
 *  - burst: a zigbee2mqtt restart, 1 000 messages/s for 2 s: delivered and dropped.
 *
 * Fair-play notes, also in docs/BENCHMARKS.md:
 * - Like for like: QoS 1 in (Airlock subscribes to the home broker at QoS 1)
 *   and out, one record per MQTT message for all three (the Airlock contract's
 *   batchSize is 1), and Node-RED applies the same transforms as the contract
 *   (round, round, bucket, time to the minute, HMAC pseudonym). The bridge
 *   forwards bytes: it cannot transform. Airlock with its usual batches of 50
 *   runs too and is reported apart (`e2e.airlockBatchedRecordsPerSec`).
 * - The bench contract allows 1 000 000 messages a minute: a vendor's
 *   contract rate (maxRatePerMinute × batchSize) would otherwise pace
 *   delivery, and the bench would measure the contract, not the hub.
 * - The hub's source flood gate allows each device 5 messages/s with a burst
 *   of 20, and tracks at most 256 devices: N = 250 devices × 20 messages stays
 *   within it, and Airlock rounds are at least 5 s apart so the buckets refill.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { repoRoot } from '../hosts/xs/engine.js';
import { decodeEnvelope } from '../modules/forward/envelope.js';
import { freePort, mosquittoPath, startMosquitto, waitForPort, type TestBroker } from '../test/support/brokers.js';
import { benchContract, plugMessage } from './stages-fixture.js';
import { median, type BenchRow } from './types.js';

const DEVICES = 250;
const PER_DEVICE = 20;
const N = DEVICES * PER_DEVICE;
const ROUNDS = 3;
const STALL_MS = 10_000;
const AIRLOCK_REFILL_MS = 5_000;
const SUSTAINED_RATE = 1000;
const SUSTAINED_S = 30;
const BURST_RATE = 1000;
const BURST_S = 2;

type Name = 'airlock' | 'airlockBatched' | 'bridge' | 'nodered';

interface Pipeline {
  name: Name;
  /** Topic prefix this pipeline reads on the source broker. */
  prefix: string;
  /** Topic filter its output arrives on at the vendor broker. */
  output: string;
  /** Records in one message at the vendor. */
  count(payload: Buffer): number;
  /** The process's last output, for error messages. */
  log(): string;
  stop(): Promise<void>;
}

function startProcess(command: string, args: string[], name: string): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c) => (output = (output + String(c)).slice(-4000)));
  child.stderr?.on('data', (c) => (output = (output + String(c)).slice(-4000)));
  child.on('error', (e) => (output += `\n${name}: ${e.message}`));
  return { child, output: () => output };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** `batchSize` 1: one record per MQTT message, like the others; 50: Airlock as usually configured. */
async function startAirlock(dir: string, source: TestBroker, vendor: TestBroker, batchSize: 1 | 50): Promise<Pipeline> {
  const name: Name = batchSize === 1 ? 'airlock' : 'airlockBatched';
  const contract = benchContract();
  contract.delivery.batchSize = batchSize;
  const prefix = batchSize === 1 ? 'air' : 'airb';
  writeFileSync(join(dir, `${name}.contract.json`), JSON.stringify(contract));
  writeFileSync(join(dir, `${name}.secrets.json`), JSON.stringify({ [contract.delivery.credentials!.secret]: 'bench' }));
  writeFileSync(
    join(dir, `${name}.json`),
    JSON.stringify({
      format: 'airlock-config/1',
      hubId: `bench-${name}`,
      dataDir: join(dir, `${name}-data`),
      flash: { recordBytes: 1024 * 4096 },
      localBroker: { url: source.url },
      secretsFile: `${name}.secrets.json`,
      sources: { zigbee2mqtt: { baseTopic: prefix }, tasmota: false, esphome: false, bthome: false },
      integrations: [{ contract: `${name}.contract.json`, endpoint: `${vendor.url}/bench/air${batchSize}`, consent: { 'energy-advice': true } }],
      web: false,
      monitorIntervalMs: 1000,
    }),
  );
  const { child, output } = startProcess(process.execPath, [join(repoRoot, 'build/tools/airlock.js'), 'run', '--config', join(dir, `${name}.json`)], name);
  return {
    name,
    prefix,
    output: `bench/air${batchSize}`,
    count: (payload) => decodeEnvelope(new Uint8Array(payload), 'application/cbor').records.length,
    log: output,
    stop: async () => {
      await stopProcess(child);
      if (child.exitCode && child.exitCode !== 0 && child.exitCode !== 143) throw new Error(`airlock run exited ${child.exitCode}: ${output()}`);
    },
  };
}

async function startBridge(dir: string, source: TestBroker, vendor: TestBroker): Promise<Pipeline> {
  const port = await freePort();
  const config = join(dir, 'bridge.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'log_dest none',
      'max_queued_messages 100000',
      'connection source',
      `address 127.0.0.1:${source.port}`,
      'topic brg/# in 1',
      'cleansession true',
      'connection vendor',
      `address 127.0.0.1:${vendor.port}`,
      'topic brg/# out 1',
      'cleansession true',
      '',
    ].join('\n'),
  );
  const { child, output } = startProcess(mosquittoPath()!, ['-c', config], 'bridge');
  await waitForPort(port).catch((e) => {
    throw new Error(`the bridge Mosquitto did not start: ${(e as Error).message}\n${output()}`);
  });
  return { name: 'bridge', prefix: 'brg', output: 'brg/#', count: () => 1, log: output, stop: () => stopProcess(child) };
}

/**
 * The Node-RED function node: the bench contract's work (bench/stages-fixture.ts
 * benchContract): allow-list of 3 fields, power rounded to 10, energy to 0.1,
 * voltage bucketed, time coarsened to the minute, and an HMAC-SHA256 pseudonym
 * of the device (first 16 bytes, hex).
 */
const NODE_RED_FUNCTION = `
const crypto = global.get('crypto');
const device = msg.topic.slice(msg.topic.indexOf('/') + 1);
const input = JSON.parse(msg.payload);
const f = {};
const round = (v, step) => Math.round(v / step) * step;
if ('power' in input) f.power = round(input.power, 10);
if ('energy' in input) f.energy = round(input.energy, 0.1);
if ('voltage' in input) {
  const edges = [210, 225, 235, 245];
  let i = 0;
  while (i < edges.length && input.voltage >= edges[i]) i++;
  f.voltage = i === 0 ? '<210' : i === edges.length ? '>=245' : '[' + edges[i - 1] + ',' + edges[i] + ')';
}
msg.payload = JSON.stringify({ d: crypto.createHmac('sha256', 'bench-pseudonym-key').update(device).digest('hex').slice(0, 32), s: 'power', t: Math.floor(Date.now() / 60000) * 60000, f, p: ['energy-advice'] });
return msg;
`;

function nodeRedEntry(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('node-red/red.js');
  } catch {
    return undefined;
  }
}

async function startNodeRed(dir: string, source: TestBroker, vendor: TestBroker, entry: string): Promise<Pipeline> {
  const port = await freePort();
  const broker = (id: string, b: TestBroker) => ({ id, type: 'mqtt-broker', broker: '127.0.0.1', port: String(b.port), clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true });
  const flow = [
    { id: 'bench-tab', type: 'tab', label: 'bench' },
    broker('source-broker', source),
    broker('vendor-broker', vendor),
    { id: 'from-source', type: 'mqtt in', z: 'bench-tab', topic: 'nr/#', qos: '1', datatype: 'utf8', broker: 'source-broker', nl: false, rap: true, inputs: 0, wires: [['allow-and-pseudonymize']] },
    { id: 'allow-and-pseudonymize', type: 'function', z: 'bench-tab', func: NODE_RED_FUNCTION, outputs: 1, wires: [['to-vendor']] },
    { id: 'to-vendor', type: 'mqtt out', z: 'bench-tab', topic: 'bench/nodered', qos: '1', retain: 'false', broker: 'vendor-broker', wires: [] },
  ];
  writeFileSync(join(dir, 'flows.json'), JSON.stringify(flow));
  writeFileSync(
    join(dir, 'settings.cjs'),
    `module.exports = {
  uiPort: ${port}, uiHost: '127.0.0.1', httpAdminRoot: false, httpNodeRoot: false, disableEditor: true,
  flowFile: ${JSON.stringify(join(dir, 'flows.json'))}, userDir: ${JSON.stringify(dir)}, credentialSecret: false,
  logging: { console: { level: 'warn', metrics: false, audit: false } },
  functionGlobalContext: { crypto: require('node:crypto') },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
};\n`,
  );
  const { child, output } = startProcess(process.execPath, [entry, '--settings', join(dir, 'settings.cjs'), '--userDir', dir], 'node-red');
  return {
    name: 'nodered',
    prefix: 'nr',
    output: 'bench/nodered',
    count: () => 1,
    log: output,
    stop: async () => {
      await stopProcess(child);
      if (child.exitCode && child.exitCode !== 0 && child.exitCode !== 143) throw new Error(`node-red exited ${child.exitCode}: ${output()}`);
    },
  };
}

class VendorCounter {
  readonly counts = new Map<Name, number>();
  constructor(readonly client: MqttClient) {}
  static async connect(vendor: TestBroker, pipelines: Pipeline[]): Promise<VendorCounter> {
    const client = await mqtt.connectAsync(vendor.url, { reconnectPeriod: 0, clientId: `bench-vendor-${process.pid}` });
    const counter = new VendorCounter(client);
    const byPrefix = pipelines.map((p) => [p.output.replace('/#', '/'), p] as const);
    client.on('message', (topic, payload) => {
      const match = byPrefix.find(([prefix]) => topic === prefix || topic.startsWith(prefix));
      if (!match) return;
      const [, p] = match;
      let n = 0;
      try {
        n = p.count(payload);
      } catch {
        return;
      }
      counter.counts.set(p.name, (counter.counts.get(p.name) ?? 0) + n);
    });
    await client.subscribeAsync(pipelines.map((p) => p.output), { qos: 1 });
    return counter;
  }
  get(name: Name): number {
    return this.counts.get(name) ?? 0;
  }
}

async function waitUntil(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Publishes probes until one arrives at the vendor: the pipeline is connected end to end. */
async function waitReady(p: Pipeline, publisher: MqttClient, counter: VendorCounter): Promise<void> {
  const end = Date.now() + 60_000;
  const before = counter.get(p.name);
  for (let i = 0; counter.get(p.name) === before; i++) {
    if (Date.now() > end) throw new Error(`${p.name} delivered nothing within 60 s; its output:\n${p.log()}`);
    await publisher.publishAsync(`${p.prefix}/probe`, Buffer.from(plugMessage(i)), { qos: 1 });
    await new Promise((r) => setTimeout(r, 500));
  }
  // Let the probes' stragglers land before counting a round.
  await new Promise((r) => setTimeout(r, 1500));
}

const payloads = Array.from({ length: N }, (_, i) => Buffer.from(plugMessage(i)));
const devices = Array.from({ length: DEVICES }, (_, d) => `plug ${String(d).padStart(3, '0')}`);

/** One round: N messages (each device in turn) published at QoS 1; resolves to records/s at the vendor. */
async function round(p: Pipeline, publisher: MqttClient, counter: VendorCounter): Promise<{ rate: number; delivered: number }> {
  const start = counter.get(p.name);
  const t0 = performance.now();
  const sent = payloads.map((payload, i) => publisher.publishAsync(`${p.prefix}/${devices[i % DEVICES]}`, payload, { qos: 1 }));
  await Promise.all(sent);
  let last = counter.get(p.name);
  let lastChange = performance.now();
  let lastArrival = lastChange;
  while (counter.get(p.name) - start < N) {
    await new Promise((r) => setTimeout(r, 5));
    const now = counter.get(p.name);
    if (now !== last) {
      last = now;
      lastChange = lastArrival = performance.now();
    } else if (performance.now() - lastChange > STALL_MS) break;
  }
  const delivered = counter.get(p.name) - start;
  return { rate: delivered / ((lastArrival - t0) / 1000), delivered };
}

/**
 * Publishes `rate` messages/s for `seconds` (devices in turn, QoS 1, in 10 ms
 * steps), then waits for arrivals to stop; resolves to what arrived and the
 * delivered rate (records ÷ time from the first publish to the last arrival).
 */
async function paced(p: Pipeline, publisher: MqttClient, counter: VendorCounter, rate: number, seconds: number): Promise<{ sent: number; delivered: number; rate: number }> {
  const start = counter.get(p.name);
  const total = rate * seconds;
  const t0 = performance.now();
  const sent: Promise<unknown>[] = [];
  for (let i = 0; i < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    for (; i < due; i++) sent.push(publisher.publishAsync(`${p.prefix}/${devices[i % DEVICES]}`, payloads[i % N]!, { qos: 1 }));
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(sent);
  let last = counter.get(p.name);
  let lastChange = performance.now();
  let lastArrival = lastChange;
  while (counter.get(p.name) - start < total && performance.now() - lastChange <= STALL_MS) {
    await new Promise((r) => setTimeout(r, 5));
    const now = counter.get(p.name);
    if (now !== last) {
      last = now;
      lastChange = lastArrival = performance.now();
    }
  }
  const delivered = counter.get(p.name) - start;
  return { sent: total, delivered, rate: delivered / ((lastArrival - t0) / 1000) };
}

export async function benchE2e(): Promise<BenchRow[]> {
  if (!mosquittoPath()) throw new Error('mosquitto is not installed (apt-get install -y mosquitto): the end-to-end comparison needs it for every pipeline');
  const redEntry = nodeRedEntry();
  if (!redEntry) console.error('bench e2e: node-red is not installed (npm install, it is a devDependency): the Node-RED comparison is skipped');
  const dir = mkdtempSync(join(tmpdir(), 'airlock-e2e-'));
  chmodSync(dir, 0o777);
  const source = (await startMosquitto())!;
  const vendor = (await startMosquitto())!;
  const pipelines: Pipeline[] = [];
  const clients: MqttClient[] = [];
  try {
    pipelines.push(await startAirlock(join(dir), source, vendor, 1));
    pipelines.push(await startAirlock(join(dir), source, vendor, 50));
    pipelines.push(await startBridge(dir, source, vendor));
    if (redEntry) pipelines.push(await startNodeRed(join(dir), source, vendor, redEntry));
    const counter = await VendorCounter.connect(vendor, pipelines);
    clients.push(counter.client);
    const publisher = await mqtt.connectAsync(source.url, { reconnectPeriod: 0, clientId: `bench-devices-${process.pid}` });
    clients.push(publisher);
    for (const p of pipelines) await waitReady(p, publisher, counter);

    const rates = new Map<Name, number[]>();
    const lost = new Map<Name, number>();
    // Each Airlock process waits for its flood-gate buckets to refill between loads.
    const airlockAt = new Map<Name, number>();
    const refill = async (p: Pipeline, ms = AIRLOCK_REFILL_MS) => {
      if (!p.name.startsWith('airlock')) return;
      const wait = (airlockAt.get(p.name) ?? 0) + ms - Date.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    };
    for (let r = 0; r < ROUNDS; r++) {
      for (const p of pipelines) {
        await refill(p);
        const result = await round(p, publisher, counter);
        airlockAt.set(p.name, Date.now());
        rates.set(p.name, [...(rates.get(p.name) ?? []), result.rate]);
        lost.set(p.name, (lost.get(p.name) ?? 0) + N - result.delivered);
      }
    }
    const sustained = new Map<Name, { sent: number; delivered: number; rate: number }>();
    const burst = new Map<Name, { sent: number; delivered: number; rate: number }>();
    for (const p of pipelines) {
      await refill(p);
      sustained.set(p.name, await paced(p, publisher, counter, SUSTAINED_RATE, SUSTAINED_S));
      airlockAt.set(p.name, Date.now());
    }
    for (const p of pipelines) {
      await refill(p);
      burst.set(p.name, await paced(p, publisher, counter, BURST_RATE, BURST_S));
      airlockAt.set(p.name, Date.now());
    }
    const rate = (name: Name) => Math.round(median(rates.get(name) ?? [NaN]));
    const rows: BenchRow[] = [];
    const lossNote = (name: Name) => (lost.get(name) ? `; ${lost.get(name)} of ${ROUNDS * N} records missing` : '; none lost');
    const like = 'QoS 1 in and out, one record per message';
    rows.push({ key: 'e2e.airlockRecordsPerSec', value: rate('airlock'), unit: 'records/s', note: `airlock run, ${like}: ${N} messages (${DEVICES} devices × ${PER_DEVICE}) -> vendor, median of ${ROUNDS}${lossNote('airlock')}` });
    rows.push({ key: 'e2e.airlockBatchedRecordsPerSec', value: rate('airlockBatched'), unit: 'records/s', note: `airlock run with its usual batches of 50 records per message${lossNote('airlockBatched')}` });
    rows.push({ key: 'e2e.bridgeRecordsPerSec', value: rate('bridge'), unit: 'records/s', note: `Mosquitto bridge process, ${like}, no transforms${lossNote('bridge')}` });
    rows.push({ key: 'e2e.ratioVsBridge', value: Number((rate('airlock') / rate('bridge')).toFixed(3)), unit: 'ratio', target: '>= 0.5', note: 'Airlock / plain bridge, same messages, same run, one record per message' });
    if (redEntry) {
      rows.push({ key: 'e2e.nodeRedRecordsPerSec', value: rate('nodered'), unit: 'records/s', note: `Node-RED ${nodeRedVersion()}: mqtt in -> function (the contract's transforms, HMAC) -> mqtt out, ${like}${lossNote('nodered')}` });
      rows.push({ key: 'e2e.ratioVsNodeRed', value: Number((rate('airlock') / rate('nodered')).toFixed(3)), unit: 'ratio', target: '>= 1.0', note: 'Airlock / Node-RED, same messages, same run, one record per message' });
    }
    for (const p of pipelines) {
      const s = sustained.get(p.name)!;
      rows.push({ key: `e2e.sustained.${p.name}RecordsPerSec`, value: Math.round(s.rate), unit: 'records/s', note: `${SUSTAINED_RATE} messages/s offered for ${SUSTAINED_S} s (${DEVICES} devices, under the flood gate); ${s.sent - s.delivered} of ${s.sent} missing` });
    }
    for (const p of pipelines) {
      const b = burst.get(p.name)!;
      rows.push({ key: `e2e.burst.${p.name}Delivered`, value: b.delivered, unit: 'records', note: `restart burst: ${BURST_RATE} messages/s for ${BURST_S} s (${b.sent} sent)` });
      rows.push({ key: `e2e.burst.${p.name}Dropped`, value: b.sent - b.delivered, unit: 'records', note: 'sent in the burst and never delivered' });
    }
    return rows;
  } finally {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    for (const p of pipelines) await p.stop().catch((e) => console.error(`bench e2e: ${(e as Error).message}`));
    await source.close();
    await vendor.close();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

function nodeRedVersion(): string {
  try {
    return (createRequire(import.meta.url)('node-red/package.json') as { version: string }).version;
  } catch {
    return '?';
  }
}
