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
 *      (allow-list of 3 fields, the contract's rounding and bucketing, time to
 *      the minute, HMAC-SHA256 pseudonym of the device with node:crypto) →
 *      mqtt out, QoS 1; and the same with a join node batching 50 records.
 * Each pipeline reads its own topic prefix (so only one works at a time) and
 * gets the same N plug messages. Throughput = records at the vendor broker /
 * time from the first publish to the last arrival; median of 3 rounds,
 * pipelines interleaved.
 *
 * Three loads, each pipeline in turn:
 *  - throughput: N messages published as fast as QoS 1 allows, median of 3;
 *  - sustained: 1 000 messages/s (250 devices × 4/s, under the hub's flood
 *    gate) for 30 s: delivered records/s and how many never arrived;
 *  - burst: a zigbee2mqtt restart, 1 000 messages/s for 2 s: delivered, and
 *    for Airlock what its own counters declare dropped (its monitoring state on
 *    the source broker) and what is lost beyond that (`e2e.burst.lost`).
 *
 * Fair-play notes, also in docs/BENCHMARKS.md:
 * - Like for like: QoS 1 in (Airlock subscribes to the home broker at QoS 1)
 *   and out, one record per MQTT message for all three (the Airlock contract's
 *   batchSize is 1), and Node-RED applies the same transforms as the contract
 *   (round, round, bucket, time to the minute, HMAC pseudonym). The bridge
 *   forwards bytes: it cannot transform or batch. Airlock and Node-RED with
 *   batches of 50 run too and are reported apart (`e2e.*BatchedRecordsPerSec`,
 *   `e2e.ratioVsNodeRedBatched`).
 * - The bench contract allows 1 000 000 messages a minute: a vendor's
 *   contract rate (maxRatePerMinute × batchSize) would otherwise pace
 *   delivery, and the bench would measure the contract, not the hub.
 * - The hub's source flood gate allows each device 5 messages/s with a burst
 *   of 20, and tracks at most 256 devices: N = 250 devices × 20 messages stays
 *   within it, and Airlock rounds are at least 5 s apart so the buckets refill.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

type Name = 'airlock' | 'airlockBatched' | 'bridge' | 'nodered' | 'noderedBatched';

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
  /** An Airlock's hub id: its monitoring state on the source broker counts what it dropped. */
  hubId?: string;
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
    hubId: `bench-${name}`,
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
// As the contract's round transform (modules/pipeline/transforms.ts): to the step, float noise removed.
const round = (v, step) => {
  const decimals = (String(step).split('.')[1] || '').length;
  const factor = Math.pow(10, decimals);
  return Math.round(Math.round(v / step) * step * factor) / factor;
};
if ('power' in input) f.power = round(input.power, 10);
if ('energy' in input) f.energy = round(input.energy, 0.1);
if ('voltage' in input) {
  const edges = [210, 225, 235, 245];
  let i = 0;
  while (i < edges.length && input.voltage >= edges[i]) i++;
  f.voltage = i === 0 ? '<210' : i === edges.length ? '>=245' : '[' + edges[i - 1] + ',' + edges[i] + ')';
}
const record = { d: crypto.createHmac('sha256', 'bench-pseudonym-key').update(device).digest('hex').slice(0, 32), s: 'power', t: Math.floor(Date.now() / 60000) * 60000, f, p: ['energy-advice'] };
msg.payload = env.get('BATCHED') ? record : JSON.stringify(record);
return msg;
`;

function nodeRedEntry(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('node-red/red.js');
  } catch {
    return undefined;
  }
}

/**
 * `batchSize` 1: one record per message; 50: a join node collects 50 records (or what came within 1 s)
 * into one JSON array per message, as Airlock's batches of 50. Each runs in its own Node-RED process.
 */
async function startNodeRed(parent: string, source: TestBroker, vendor: TestBroker, entry: string, batchSize: 1 | 50): Promise<Pipeline> {
  const name: Name = batchSize === 1 ? 'nodered' : 'noderedBatched';
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  const prefix = batchSize === 1 ? 'nr' : 'nrb';
  const output = `bench/${name}`;
  const port = await freePort();
  const broker = (id: string, b: TestBroker) => ({ id, type: 'mqtt-broker', broker: '127.0.0.1', port: String(b.port), clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true });
  const out = { id: 'to-vendor', type: 'mqtt out', z: 'bench-tab', topic: output, qos: '1', retain: 'false', broker: 'vendor-broker', wires: [] };
  const batching =
    batchSize === 1
      ? []
      : [
          { id: 'batch', type: 'join', z: 'bench-tab', mode: 'custom', build: 'array', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '1', count: String(batchSize), reduceRight: false, wires: [['to-json']] },
          { id: 'to-json', type: 'function', z: 'bench-tab', func: 'msg.payload = JSON.stringify(msg.payload);\nreturn msg;', outputs: 1, wires: [['to-vendor']] },
        ];
  const flow = [
    { id: 'bench-tab', type: 'tab', label: 'bench', env: batchSize === 1 ? [] : [{ name: 'BATCHED', value: 'true', type: 'bool' }] },
    broker('source-broker', source),
    broker('vendor-broker', vendor),
    { id: 'from-source', type: 'mqtt in', z: 'bench-tab', topic: `${prefix}/#`, qos: '1', datatype: 'utf8', broker: 'source-broker', nl: false, rap: true, inputs: 0, wires: [['allow-and-pseudonymize']] },
    { id: 'allow-and-pseudonymize', type: 'function', z: 'bench-tab', func: NODE_RED_FUNCTION, outputs: 1, wires: [[batchSize === 1 ? 'to-vendor' : 'batch']] },
    ...batching,
    out,
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
  const { child, output: log } = startProcess(process.execPath, [entry, '--settings', join(dir, 'settings.cjs'), '--userDir', dir], name);
  return {
    name,
    prefix,
    output,
    count: batchSize === 1 ? () => 1 : (payload) => (JSON.parse(payload.toString()) as unknown[]).length,
    log,
    stop: async () => {
      await stopProcess(child);
      if (child.exitCode && child.exitCode !== 0 && child.exitCode !== 143) throw new Error(`node-red exited ${child.exitCode}: ${log()}`);
    },
  };
}

class VendorCounter {
  readonly counts = new Map<Name, number>();
  constructor(readonly client: MqttClient) {}
  static async connect(vendor: TestBroker, pipelines: Pipeline[]): Promise<VendorCounter> {
    const client = await mqtt.connectAsync(vendor.url, { reconnectPeriod: 0, clientId: `bench-vendor-${process.pid}` });
    const counter = new VendorCounter(client);
    // `brg/#` matches by prefix; the others exactly (bench/nodered is a prefix of bench/noderedBatched).
    const matches = (output: string, topic: string) => (output.endsWith('/#') ? topic.startsWith(output.slice(0, -1)) : topic === output);
    client.on('message', (topic, payload) => {
      const match = pipelines.map((p) => [p.output, p] as const).find(([output]) => matches(output, topic));
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

/**
 * Each Airlock's monitoring state on the source broker (its monitor broker):
 * what its own counters say it dropped, at the source (malformed_inputs: the
 * flood gate, too many devices, malformed messages) and per integration
 * (dropped_total), as one running sum per hub.
 */
class HubCounters {
  readonly #hub = new Map<string, number>();
  readonly #integrations = new Map<string, number>();
  readonly #seen = new Map<string, number>();
  readonly #lastAt = new Map<string, number>();
  constructor(readonly client: MqttClient) {}
  static async connect(source: TestBroker): Promise<HubCounters> {
    const client = await mqtt.connectAsync(source.url, { reconnectPeriod: 0, clientId: `bench-monitor-${process.pid}` });
    const counters = new HubCounters(client);
    client.on('message', (topic, payload) => {
      const parts = topic.split('/');
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        return;
      }
      const hubId = parts[1]!;
      if (parts.length === 3) counters.#hub.set(hubId, Number(doc.malformed_inputs ?? 0));
      else counters.#integrations.set(`${hubId}/${parts[3]}`, Number(doc.dropped_total ?? 0));
      counters.#seen.set(hubId, (counters.#seen.get(hubId) ?? 0) + 1);
      counters.#lastAt.set(hubId, Date.now());
    });
    await client.subscribeAsync(['airlock/+/state', 'airlock/+/integration/+/state'], { qos: 1 });
    return counters;
  }
  #sum(hubId: string): number {
    let n = this.#hub.get(hubId) ?? 0;
    for (const [key, v] of this.#integrations) if (key.startsWith(`${hubId}/`)) n += v;
    return n;
  }
  /**
   * The hub's drop counters once its state has been quiet for 2.5 s (it publishes a change at most
   * every monitorIntervalMs, 1 s here, and nothing while nothing changes).
   */
  async settled(hubId: string): Promise<number> {
    await waitUntil(() => (this.#seen.get(hubId) ?? 0) > 0 && Date.now() - (this.#lastAt.get(hubId) ?? 0) >= 2500, 30_000, `${hubId}'s monitoring state`);
    return this.#sum(hubId);
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
    if (redEntry) {
      pipelines.push(await startNodeRed(dir, source, vendor, redEntry, 1));
      pipelines.push(await startNodeRed(dir, source, vendor, redEntry, 50));
    }
    const hubs = await HubCounters.connect(source);
    clients.push(hubs.client);
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
    /** Per Airlock: what its own counters declare dropped during the burst (source drops and the integration's). */
    const burstCounted = new Map<Name, number>();
    for (const p of pipelines) {
      await refill(p);
      const before = p.hubId ? await hubs.settled(p.hubId) : 0;
      burst.set(p.name, await paced(p, publisher, counter, BURST_RATE, BURST_S));
      if (p.hubId) burstCounted.set(p.name, (await hubs.settled(p.hubId)) - before);
      airlockAt.set(p.name, Date.now());
    }
    const rate = (name: Name) => Math.round(median(rates.get(name) ?? [NaN]));
    const rows: BenchRow[] = [];
    const lossNote = (name: Name) => (lost.get(name) ? `; ${lost.get(name)} of ${ROUNDS * N} records missing` : '; none lost');
    const like = 'QoS 1 in and out, one record per message';
    rows.push({ key: 'e2e.airlockRecordsPerSec', value: rate('airlock'), unit: 'records/s', note: `airlock run, ${like}: ${N} messages (${DEVICES} devices × ${PER_DEVICE}) -> vendor, median of ${ROUNDS}${lossNote('airlock')}` });
    rows.push({ key: 'e2e.airlockBatchedRecordsPerSec', value: rate('airlockBatched'), unit: 'records/s', note: `airlock run with its usual batches of 50 records per message${lossNote('airlockBatched')}` });
    rows.push({ key: 'e2e.bridgeRecordsPerSec', value: rate('bridge'), unit: 'records/s', note: `Mosquitto bridge process, ${like}, no transforms${lossNote('bridge')}` });
    rows.push({ key: 'e2e.ratioVsBridge', value: Number((rate('airlock') / rate('bridge')).toFixed(3)), unit: 'ratio', target: '>= 0.5', note: 'Airlock / plain bridge, same messages, same run, one record per message (a bridge forwards messages: it has no batch-50 form)' });
    if (redEntry) {
      rows.push({ key: 'e2e.nodeRedRecordsPerSec', value: rate('nodered'), unit: 'records/s', note: `Node-RED ${nodeRedVersion()}: mqtt in -> function (the contract's transforms, HMAC) -> mqtt out, ${like}${lossNote('nodered')}` });
      rows.push({ key: 'e2e.nodeRedBatchedRecordsPerSec', value: rate('noderedBatched'), unit: 'records/s', note: `the same flow with a join node: 50 records (or what came within 1 s) per message, as a JSON array${lossNote('noderedBatched')}` });
      rows.push({ key: 'e2e.ratioVsNodeRed', value: Number((rate('airlock') / rate('nodered')).toFixed(3)), unit: 'ratio', target: '>= 1.5', note: 'Airlock / Node-RED, same messages, same transforms, same run, one record per message' });
      rows.push({ key: 'e2e.ratioVsNodeRedBatched', value: Number((rate('airlockBatched') / rate('noderedBatched')).toFixed(3)), unit: 'ratio', target: '>= 1.5', note: 'Airlock / Node-RED, batches of 50 records per message for both' });
    }
    for (const p of pipelines) {
      const s = sustained.get(p.name)!;
      rows.push({ key: `e2e.sustained.${p.name}RecordsPerSec`, value: Math.round(s.rate), unit: 'records/s', note: `${SUSTAINED_RATE} messages/s offered for ${SUSTAINED_S} s (${DEVICES} devices, under the flood gate); ${s.sent - s.delivered} of ${s.sent} missing` });
    }
    let lostInBurst = 0;
    const lostNotes: string[] = [];
    for (const p of pipelines) {
      const b = burst.get(p.name)!;
      rows.push({ key: `e2e.burst.${p.name}Delivered`, value: b.delivered, unit: 'records', note: `restart burst: ${BURST_RATE} messages/s for ${BURST_S} s from ${DEVICES} devices (${b.sent} sent)` });
      const counted = burstCounted.get(p.name);
      if (counted === undefined) {
        rows.push({ key: `e2e.burst.${p.name}Dropped`, value: b.sent - b.delivered, unit: 'records', note: 'sent in the burst and never delivered (it keeps no drop counters)' });
      } else {
        rows.push({ key: `e2e.burst.${p.name}Dropped`, value: counted, unit: 'records', note: 'counted as dropped by the hub itself during the burst (source drops such as the flood gate, and the integration\'s dropped_total)' });
        const lostHere = b.sent - b.delivered - counted;
        lostInBurst += Math.max(0, lostHere);
        lostNotes.push(`${p.name} ${b.sent} sent - ${b.delivered} delivered - ${counted} counted = ${lostHere}`);
      }
    }
    if (lostNotes.length > 0) {
      rows.push({ key: 'e2e.burst.lost', value: lostInBurst, unit: 'records', target: '<= 0', note: `Airlock, records of the burst neither delivered nor counted by the hub's counters: ${lostNotes.join('; ')}` });
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
