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
 * Fair-play notes, also in docs/BENCHMARKS.md:
 * - The bench contract allows 1 000 000 messages a minute of 50 records each:
 *   a vendor's contract rate (maxRatePerMinute × batchSize) would otherwise
 *   pace delivery, and the bench would measure the contract, not the hub.
 * - The hub's source flood gate allows each device 5 messages/s with a burst
 *   of 20, and tracks at most 256 devices: N = 250 devices × 20 messages stays
 *   within it, and Airlock rounds are at least 5 s apart so the buckets refill.
 * - Airlock batches records (50 per MQTT message); the others send one MQTT
 *   message per record. Records are what is counted.
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

type Name = 'airlock' | 'bridge' | 'nodered';

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

async function startAirlock(dir: string, source: TestBroker, vendor: TestBroker): Promise<Pipeline> {
  const contract = benchContract();
  writeFileSync(join(dir, 'contract.json'), JSON.stringify(contract));
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ [contract.delivery.credentials!.secret]: 'bench' }));
  writeFileSync(
    join(dir, 'airlock.json'),
    JSON.stringify({
      format: 'airlock-config/1',
      hubId: 'bench',
      dataDir: join(dir, 'data'),
      flash: { recordBytes: 1024 * 4096 },
      localBroker: { url: source.url },
      secretsFile: 'secrets.json',
      sources: { zigbee2mqtt: { baseTopic: 'air' }, tasmota: false, esphome: false, bthome: false },
      integrations: [{ contract: 'contract.json', endpoint: `${vendor.url}/bench/airlock`, consent: { 'energy-advice': true } }],
      web: false,
      monitorIntervalMs: 1000,
    }),
  );
  const { child, output } = startProcess(process.execPath, [join(repoRoot, 'build/tools/airlock.js'), 'run', '--config', join(dir, 'airlock.json')], 'airlock');
  return {
    name: 'airlock',
    prefix: 'air',
    output: 'bench/airlock',
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

/** The Node-RED function node: the same allow-list and an HMAC-SHA256 pseudonym (first 16 bytes, hex) as the hub's. */
const NODE_RED_FUNCTION = `
const crypto = global.get('crypto');
const device = msg.topic.slice(msg.topic.indexOf('/') + 1);
const input = JSON.parse(msg.payload);
const f = {};
for (const name of ['power', 'energy', 'voltage']) if (name in input) f[name] = input[name];
msg.payload = JSON.stringify({ d: crypto.createHmac('sha256', 'bench-pseudonym-key').update(device).digest('hex').slice(0, 32), s: 'power', t: Date.now(), f });
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
    pipelines.push(await startAirlock(join(dir), source, vendor));
    pipelines.push(await startBridge(dir, source, vendor));
    if (redEntry) pipelines.push(await startNodeRed(join(dir), source, vendor, redEntry));
    const counter = await VendorCounter.connect(vendor, pipelines);
    clients.push(counter.client);
    const publisher = await mqtt.connectAsync(source.url, { reconnectPeriod: 0, clientId: `bench-devices-${process.pid}` });
    clients.push(publisher);
    for (const p of pipelines) await waitReady(p, publisher, counter);

    const rates = new Map<Name, number[]>();
    const lost = new Map<Name, number>();
    let airlockAt = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const p of pipelines) {
        if (p.name === 'airlock') {
          const wait = airlockAt + AIRLOCK_REFILL_MS - Date.now();
          if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        }
        const result = await round(p, publisher, counter);
        if (p.name === 'airlock') airlockAt = Date.now();
        rates.set(p.name, [...(rates.get(p.name) ?? []), result.rate]);
        lost.set(p.name, (lost.get(p.name) ?? 0) + N - result.delivered);
      }
    }
    const rate = (name: Name) => Math.round(median(rates.get(name) ?? [NaN]));
    const rows: BenchRow[] = [];
    const lossNote = (name: Name) => (lost.get(name) ? `; ${lost.get(name)} of ${ROUNDS * N} records missing` : '; none lost');
    rows.push({ key: 'e2e.airlockRecordsPerSec', value: rate('airlock'), unit: 'records/s', note: `airlock run: ${N} messages (${DEVICES} devices × ${PER_DEVICE}) -> vendor, median of ${ROUNDS}${lossNote('airlock')}` });
    rows.push({ key: 'e2e.bridgeRecordsPerSec', value: rate('bridge'), unit: 'records/s', note: `Mosquitto bridge process, QoS 1 in and out${lossNote('bridge')}` });
    rows.push({ key: 'e2e.ratioVsBridge', value: Number((rate('airlock') / rate('bridge')).toFixed(3)), unit: 'ratio', target: '>= 0.5', note: 'Airlock / plain bridge, same messages, same run' });
    if (redEntry) {
      rows.push({ key: 'e2e.nodeRedRecordsPerSec', value: rate('nodered'), unit: 'records/s', note: `Node-RED ${nodeRedVersion()}: mqtt in -> function (allow-list, HMAC) -> mqtt out${lossNote('nodered')}` });
      rows.push({ key: 'e2e.ratioVsNodeRed', value: Number((rate('airlock') / rate('nodered')).toFixed(3)), unit: 'ratio', target: '>= 1.0', note: 'Airlock / Node-RED, same messages, same run' });
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
