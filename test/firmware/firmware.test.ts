/**
 * The firmware, built by Moddable's mcconfig from manifest.json (a lab build that adds
 * test integrations), running on Moddable's own runtime (the Linux simulator, headless)
 * against two Mosquitto processes: the home's broker and a vendor's. Asserts on what
 * the vendor received and what the home broker shows, not on traces.
 *
 * Run by `npm run test:firmware` (part of `npm test`) when MODDABLE is set.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeEnvelope, type Envelope } from '../../modules/forward/envelope.js';
import { repoRoot } from '../../tools/firmware/build.js';
import { startSimulator, type Simulator } from '../../tools/firmware/simulator.js';
import { buildLab, freshFileRoot, HUB_ID, mosquittoOn, PORTS, storeFromSimulatorPreferences, type LabBuild } from './rig.js';

const moddable = process.env.MODDABLE ?? '';
const home = mosquittoOn(PORTS.home, false);
const vendor = mosquittoOn(PORTS.vendor, true);
let lab: LabBuild;
/** Every trace of every boot, for reading after a failure (build/firmware-lab/one/simulator.log). */
let traceLog = '';
let sim: Simulator | undefined;
let homeClient: MqttClient;
let vendorClient: MqttClient;
const received: { topic: string; envelope: Envelope }[] = [];
const retained = new Map<string, string>();
const undecodable: string[] = [];

interface LabRecord {
  seq: number;
  data: { i: string; s: string; d: string; f: Record<string, unknown>; p: string[] };
}

const records = (): LabRecord[] => received.flatMap(({ envelope }) => envelope.records as unknown as LabRecord[]);

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`firmware: timed out waiting for ${what}; integration state ${JSON.stringify(integrationState())}; vendor got ${received.length} envelopes, ${undecodable.length} undecodable ${undecodable.slice(0, 2).join('; ')}; last traces:\n${sim?.traces.slice(-20).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function integrationState(): Record<string, number> | undefined {
  const text = retained.get(`airlock/${HUB_ID}/integration/${lab.integrations[0]}/state`);
  return text ? (JSON.parse(text) as Record<string, number>) : undefined;
}

/**
 * The hub's subscription to the home broker is live once a reading reaches it: a door
 * contact (a stream no lab contract covers, so it makes no record) is published until
 * the hub's own state counts it.
 */
async function untilSubscribed(): Promise<void> {
  const start = Date.now();
  while (readingsCounted() === 0) {
    if (Date.now() - start > 60_000) throw new Error(`firmware: the hub never counted a reading; last traces:\n${sim?.traces.slice(-20).join('\n')}`);
    await homeClient.publishAsync('zigbee2mqtt/front_door', JSON.stringify({ contact: true }), { qos: 1 });
    // One probe at a time: those sent before the subscription was live never count, so the
    // hub's count is then exactly what it took in.
    const sent = Date.now();
    while (readingsCounted() === 0 && Date.now() - sent < 2000) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  publishedSinceBoot = readingsCounted();
}

async function boot(): Promise<Simulator> {
  publishedSinceBoot = 0;
  retained.delete(`airlock/${HUB_ID}/state`);
  const started = await startSimulator({ moddable, app: lab.app, onTrace: (line) => appendFileSync(traceLog, `${line}\n`) });
  sim = started;
  await started.waitForTrace(/airlock: booted/, 90_000);
  return started;
}

async function connect(url: string, clientId: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 200 });
  client.on('error', () => {});
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return client;
}

test.before(async () => {
  if (!moddable) throw new Error('MODDABLE is not set; run this suite through `npm run test:firmware`');
  lab = await buildLab(moddable, 'one', 1);
  traceLog = join(repoRoot, 'build', 'firmware-lab', 'one', 'simulator.log');
  freshFileRoot(lab.fileRoot);
  await home.start();
  await vendor.start();
  homeClient = await connect(home.url, 'lab-home-observer');
  homeClient.on('message', (topic, payload) => retained.set(topic, payload.toString('utf8')));
  await homeClient.subscribeAsync([`airlock/${HUB_ID}/#`, `homeassistant/device/${HUB_ID}/#`], { qos: 1 });
  vendorClient = await connect(vendor.url, 'lab-vendor-receiver');
  vendorClient.on('message', (topic, payload) => {
    if (topic.includes('/commands/')) return; // the test's own vendor commands, on the same broker
    try {
      received.push({ topic, envelope: decodeEnvelope(new Uint8Array(payload), 'application/cbor') });
    } catch (error) {
      undecodable.push(`${topic}: ${(error as Error).message} (${payload.toString('hex').slice(0, 80)})`);
    }
  });
  await vendorClient.subscribeAsync('homes/#', { qos: 1 });
});

test.after.always(async () => {
  await sim?.stop();
  homeClient?.end(true);
  vendorClient?.end(true);
  await home.stop();
  await vendor.stop();
});

/** Device messages published since the firmware last booted: the hub counts every one it takes in. */
let publishedSinceBoot = 0;
const publish = (topic: string, body: unknown): Promise<unknown> => {
  publishedSinceBoot++;
  return homeClient.publishAsync(topic, JSON.stringify(body), { qos: 1 });
};

function readingsCounted(): number {
  const text = retained.get(`airlock/${HUB_ID}/state`);
  return text === undefined ? 0 : ((JSON.parse(text) as { readings_received?: number }).readings_received ?? 0);
}

/** Every message published since boot has reached the hub (its records are then on flash). */
const untilAllTakenIn = (): Promise<true> => until(`the hub to count ${publishedSinceBoot} readings`, () => readingsCounted() >= publishedSinceBoot);

test.serial('the firmware boots on Moddable\'s runtime, enforces the contract and delivers in order', async (t) => {
  await boot();
  await untilSubscribed();

  await publish('zigbee2mqtt/living_room', { temperature: 21.37, humidity: 41, linkquality: 120 });
  await publish('zigbee2mqtt/washing_machine', { power: 123.4, voltage: 231, energy: 12.5, state: 'ON' });
  await publish('tele/dryer/SENSOR', { Time: '2026-12-05T10:00:00', ENERGY: { Total: 3.2, Power: 456.7, Voltage: 229, Current: 2 } });
  await until('three records at the vendor', () => records().length >= 3);

  const [climate, ...power] = [records().find((r) => r.data.s === 'climate')!, ...records().filter((r) => r.data.s === 'power')];
  t.deepEqual(Object.keys(climate.data.f), ['temperature'], 'only the contract\'s fields leave');
  t.is(climate.data.f.temperature, 21.5, 'rounded to the contract\'s 0.5 step');
  t.deepEqual(
    power.map((r) => r.data.f),
    [{ power: 120 }, { 'ENERGY.Power': 460 }],
    'zigbee2mqtt and Tasmota: only the power, rounded to the contract\'s step of 10',
  );
  for (const r of records()) {
    t.is(r.data.i, lab.integrations[0]);
    t.false(/living_room|washing_machine|dryer/.test(JSON.stringify(r.data)), 'device names never leave');
    t.regex(r.data.d, /^[0-9a-f]{16,}$/i, 'the device is a keyed pseudonym');
  }
  t.is(received[0]!.envelope.hub, HUB_ID);

  // The vendor goes away: records wait, then arrive in order when it is back.
  await vendor.stop();
  for (const temperature of [18.1, 18.6, 19.2]) await publish('zigbee2mqtt/living_room', { temperature });
  await untilAllTakenIn();
  await vendor.start();
  await until('the buffered records delivered', () => records().length >= 6, 90_000);
  const seqs = records().map((r) => r.seq);
  t.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');
  t.is(new Set(seqs).size, seqs.length, 'no seq reused');
  t.deepEqual(
    records().filter((r) => r.data.s === 'climate').slice(1).map((r) => r.data.f.temperature),
    [18, 18.5, 19],
    'the waiting records arrive in the order they were read',
  );

  // Monitoring and Home Assistant discovery on the home broker; the page from Moddable's HTTP server.
  const hub = JSON.parse(await until('the hub state', () => retained.get(`airlock/${HUB_ID}/state`))) as Record<string, unknown>;
  t.truthy(hub, 'hub state published');
  t.is(await until('the availability', () => retained.get(`airlock/${HUB_ID}/status`)), 'online');
  const version = JSON.parse(await until('the version document', () => retained.get(`airlock/${HUB_ID}/version`))) as { running?: string };
  t.is(version.running, hub.version as string, 'the retained version names the running firmware');
  t.truthy(await until('discovery', () => retained.get(`homeassistant/device/${HUB_ID}/config`)), 'Home Assistant discovery published');
  const status = await fetch(`http://127.0.0.1:${PORTS.web}/api/status`);
  t.is(status.status, 200);
  const body = (await status.json()) as { boot: { mode: string } };
  t.truthy(body.boot.mode);
  const page = await fetch(`http://127.0.0.1:${PORTS.web}/`, { headers: { 'accept-encoding': 'gzip' } });
  t.is(page.status, 200);
  t.regex(await page.text(), /<html/i);
  t.deepEqual(sim!.exceptions.filter((e) => /memory full|stack overflow/i.test(e.message)), []);
});

/** The installer reads an integration's command key off the hub (`airlock audit command-key`), here from the simulator's preferences. */
function commandKey(integration: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-firmware-keys-'));
  storeFromSimulatorPreferences(lab.fileRoot, join(dir, 'store.json'));
  const cli = join(repoRoot, 'build', 'tools', 'airlock.js');
  const result = spawnSync(process.execPath, [cli, 'audit', 'command-key', '--data', dir, '--integration', integration], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`command-key: ${result.stdout}${result.stderr}`);
  return Buffer.from(result.stdout.trim(), 'hex');
}

const signed = (key: Buffer, body: object): string => {
  const text = JSON.stringify(body);
  return JSON.stringify({ body: text, mac: createHmac('sha256', key).update(text).digest('hex') });
};

test.serial('a vendor\'s signed command on its own connection is acted on; a forged one is refused and counted', async (t) => {
  const integration = lab.integrations[0]!;
  const topic = `homes/${integration}/commands/${HUB_ID}`;
  const key = commandKey(integration);
  const report = signed(key, { id: 'lab-incident-1', type: 'incident.report', title: 'Credentials leaked at the vendor' });
  // One send at a time until it is acted on (the hub subscribes when its connection opens; a
  // send before that is not received at all), so the one acted on is the last one sent.
  await until('the signed report acted on', async () => {
    await vendorClient.publishAsync(topic, report, { qos: 1 });
    const sent = Date.now();
    while (integrationState()?.commands_accepted !== 1 && Date.now() - sent < 8000) await new Promise((resolve) => setTimeout(resolve, 100));
    return integrationState()?.commands_accepted === 1;
  });
  await until('the incident open', () => integrationState()?.open_incidents === 1);
  const refused = integrationState()!.commands_refused ?? 0;
  await vendorClient.publishAsync(topic, report, { qos: 1 }); // replayed
  await vendorClient.publishAsync(topic, signed(Buffer.alloc(32, 7), { id: 'lab-forged-1', type: 'incident.report', title: 'Forged' }), { qos: 1 });
  await until('the replay and the forgery counted', () => integrationState()!.commands_refused === refused + 2);
  t.is(integrationState()!.open_incidents, 1, 'neither opened an incident');
  t.is(integrationState()!.commands_accepted, 1);
});

test.serial('records and the audit log survive a restart of the firmware', async (t) => {
  const before = records().length;
  await vendor.stop();
  for (const temperature of [22.2, 22.8]) await publish('zigbee2mqtt/living_room', { temperature });
  await untilAllTakenIn();
  // RAM first (docs/flash-log.md): records wait in RAM until the spill delay; the power cut
  // comes once the hub reports them on flash, none left in RAM alone.
  await until('the waiting records spilled to flash', () => {
    const state = integrationState();
    return state !== undefined && state.buffered_records! >= 2 && state.ram_records === 0;
  });
  await sim!.stop(); // a power cut: no clean shutdown
  // Published while the hub is down: the home broker keeps it in the hub's persistent session (QoS 1).
  await homeClient.publishAsync('zigbee2mqtt/living_room', JSON.stringify({ temperature: 24.1 }), { qos: 1 });

  await boot();
  await untilSubscribed();
  await vendor.start();
  await until('the records kept across the restart delivered', () => records().length >= before + 3, 90_000);
  const after = records().slice(before);
  t.deepEqual(
    after.map((r) => r.data.f.temperature),
    [22, 23, 24],
    'both readings from flash, in order, then the one the broker kept while the hub was down',
  );
  t.true(after[0]!.seq > records()[before - 1]!.seq, 'seqs continue after the restart');

  await sim!.stop();
  sim = undefined;
  const dir = mkdtempSync(join(tmpdir(), 'airlock-firmware-audit-'));
  copyFileSync(join(lab.fileRoot, 'airlock-airlockaudit.flash'), join(dir, 'audit.flash'));
  storeFromSimulatorPreferences(lab.fileRoot, join(dir, 'store.json'));
  const cli = join(repoRoot, 'build', 'tools', 'airlock.js');
  const exported = spawnSync(process.execPath, [cli, 'audit', 'export', '--data', dir, '--out', join(dir, 'export.json')], { encoding: 'utf8' });
  t.is(exported.status, 0, exported.stderr);
  const verified = spawnSync(process.execPath, [cli, 'audit', 'verify', join(dir, 'export.json'), '--store', join(dir, 'store.json')], { encoding: 'utf8' });
  t.is(verified.status, 0, verified.stdout + verified.stderr);
  t.regex(verified.stdout, /^valid: .*MACs checked/m);
  const exportText = readFileSync(join(dir, 'export.json'), 'utf8');
  t.true((JSON.parse(exportText) as { entries: unknown[] }).entries.length > 0, `the audit export holds entries (${dir}): ${exportText.slice(0, 400)}; export said ${exported.stdout}`);
});
