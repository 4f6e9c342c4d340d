// Leak canaries: devices on the home's broker (zigbee2mqtt, Tasmota) and over BLE (BTHome, from a
// replay file) carry unique values in the fields the contracts exclude, in fields the contracts
// pseudonymize, and in their own ids (friendly name, IEEE address, model, Tasmota topic, MAC).
// `airlock run` delivers to two stand-in clouds (MQTT and HTTP) and publishes monitoring to a
// broker of its own. Then every byte that left the home is searched: the clouds' raw bodies,
// the monitoring messages, a loopback packet capture of every port except the home broker's
// (tcpdump/tshark, when installed), and the raw flash files. No canary may appear in any form
// (test/support/canary-forms.ts: as is, lower/upper-cased, URL-encoded, hex, base64 at every
// alignment, raw bytes). Positive controls: a field the contract keeps must be found, and a leak
// planted in a copy of every place searched must be found by the same search.
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { replayLine } from '../../hosts/node/ble-replay.js';
import { loadConfig } from '../../hosts/node/config.js';
import { nodeCrypto } from '../../hosts/node/crypto.js';
import { runHub } from '../../hosts/node/desktop-hub.js';
import { httpCloud, mqttCloud } from '../../hosts/node/demo/clouds.js';
import { buildBthomeFrame } from '../../hosts/sim/bthome-frames.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { decodeEnvelope, type EnvelopeRecord } from '../../modules/forward/envelope.js';
import { SESSION_COOKIE } from '../../modules/web/router.js';
import { base32Decode, totp } from '../../modules/web/totp.js';
import { startAedes, startMosquitto, type TestBroker } from '../support/brokers.js';
import { startLoopbackCapture, type Capture } from '../support/capture.js';
import { peerMissing } from '../support/peers.js';
import { makeContract } from '../support/contracts.js';
import { addressCanary, leakCarriers, numberCanary, occurrences, plant, textCanary, type Canary } from '../support/canary-forms.js';
import { waitFor } from '../support/receiver-log.js';

const cli = join(repoRoot, 'build/tools/airlock.js');
const HUB = 'canary-home';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
// Mixed case, so a lower- or upper-cased leak is a different byte string from the value itself.
const canary = (label: string) => label + hex(randomBytes(6)).replace(/[a-f]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c));

test.serial('no canary from excluded fields or device ids leaves the home, in any form, nor reaches flash', async (t) => {
  t.timeout(90_000);
  // The canaries.
  const zName = canary('Kitchen Plug ');
  const zIeee = randomBytes(8);
  const zModel = canary('Model');
  const zVendor = canary('Vendor');
  const zNote = canary('Note ');
  const zSerial = canary('Serial');
  const zLocation = canary('Flat ');
  const zNumber = 7000 + Number.parseInt(hex(randomBytes(3)), 16) / 1e4;
  const tTopic = canary('Plug');
  const tSsid = canary('SSID ');
  const tName = canary('Device ');
  const bMac = Uint8Array.from([0xc4, 0x7c, 0x8d, ...randomBytes(3)]);
  const bText = canary('BLE');
  // The positive control that flows: a text field the energy contract keeps as is. It must be
  // found where the vendor's traffic is searched, or those searches prove nothing.
  const flowing = canary('Firmware ');
  const macText = hex(bMac).match(/../g)!.join(':').toUpperCase();
  const canaries: Canary[] = [
    textCanary('zigbee2mqtt friendly name', zName),
    addressCanary('zigbee2mqtt IEEE address', zIeee),
    textCanary('zigbee2mqtt model', zModel),
    textCanary('zigbee2mqtt vendor', zVendor),
    textCanary('excluded text field', zNote),
    textCanary('pseudonymized field', zSerial),
    textCanary('excluded location', zLocation),
    numberCanary('excluded number', zNumber),
    textCanary('Tasmota topic', tTopic),
    textCanary('Tasmota Wi-Fi name', tSsid),
    textCanary('Tasmota device name', tName),
    addressCanary('BTHome MAC', bMac),
    textCanary('BTHome text object', bText),
  ];

  let broker: TestBroker | undefined = await startMosquitto();
  if (!broker) {
    peerMissing(t, 'mosquitto', 'the home broker is aedes in the test process instead');
    broker = await startAedes();
  }
  const monitorBytes: Buffer[] = [];
  const monitorBroker = await startAedes({ onPublish: (topic, payload) => monitorBytes.push(Buffer.from(topic), payload) });
  const cloudBytes: { cloud: string; bytes: Uint8Array }[] = [];
  const records: Record<string, EnvelopeRecord[]> = { mqtt: [], http: [] };
  const keep = (cloud: 'mqtt' | 'http') => (body: Uint8Array, contentType: string, where: string) => {
    cloudBytes.push({ cloud, bytes: Buffer.concat([Buffer.from(where), body]) });
    try {
      records[cloud]!.push(...decodeEnvelope(body, contentType).records);
    } catch {
      // not an envelope: still searched
    }
  };
  const energyCloud = await mqttCloud('canary energy', 'homes/canary', { onRaw: keep('mqtt') });
  const insurerCloud = await httpCloud('canary insurer', '/ingest/canary', { onRaw: keep('http') });
  const port = (endpoint: string) => Number(new URL(endpoint).port);

  const dir = mkdtempSync(join(tmpdir(), 'airlock-canary-'));
  const energy = makeContract({
    integration: 'canary-energy',
    purposes: [{ id: 'advice', description: 'Energy advice.', requiresConsent: true }],
    streams: [
      { stream: 'power', fields: { power: { purpose: 'advice', transform: { kind: 'round', step: 10 } } } },
      { stream: 'climate', fields: { temperature: { purpose: 'advice', transform: { kind: 'round', step: 0.5 } } } },
      { stream: 'other', fields: { firmware: { purpose: 'advice', transform: { kind: 'keep' } } } },
    ],
  });
  energy.delivery = { ...energy.delivery, topic: 'homes/canary', batchSize: 5, credentials: { type: 'mqtt-password', secret: 'energy-token' } };
  const insurer = makeContract({
    integration: 'canary-insurer',
    purposes: [{ id: 'risk', description: 'Risk assessment.', requiresConsent: false }],
    streams: [
      {
        stream: 'power',
        fields: { 'ENERGY.Current': { purpose: 'risk', transform: { kind: 'keep' } } },
      },
      // `serial` has no stream word: it is in `other`, with the excluded `note`, `location` and `consumption_total`.
      { stream: 'other', fields: { serial: { purpose: 'risk', transform: { kind: 'pseudonymize' } } } },
      { stream: 'climate', fields: { humidity: { purpose: 'risk', transform: { kind: 'bucket', edges: [40, 60] } } } },
    ],
  });
  insurer.delivery = { endpoint: 'https://ingest.insurer.example', path: '/ingest/canary', maxRatePerMinute: 600, batchSize: 5, credentials: { type: 'bearer', secret: 'insurer-token' } };
  writeFileSync(join(dir, 'energy.json'), JSON.stringify(energy));
  writeFileSync(join(dir, 'insurer.json'), JSON.stringify(insurer));
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'energy-token': 'energy-password', 'insurer-token': 'insurer-bearer' }));
  const frames = [1, 2, 3].map((packetId) =>
    replayLine(macText, buildBthomeFrame({ packetId, includeMac: macText, objects: [[0x02, 21.5], [0x03, 55.5], [0x53, bText]] }), -60),
  );
  writeFileSync(join(dir, 'ble.jsonl'), frames.join('\n') + '\n');
  writeFileSync(
    join(dir, 'airlock.json'),
    JSON.stringify({
      format: 'airlock-config/1',
      hubId: HUB,
      dataDir: join(dir, 'data'),
      localBroker: { url: broker.url },
      monitorBroker: { url: monitorBroker.url },
      secretsFile: 'secrets.json',
      sources: { bthome: { replayFile: 'ble.jsonl' } },
      integrations: [
        { contract: 'energy.json', endpoint: energyCloud.endpoint, consent: { advice: true } },
        { contract: 'insurer.json', endpoint: insurerCloud.endpoint },
      ],
      web: false,
      monitorIntervalMs: 100,
    }),
  );

  // Everything except the home broker: the clouds and the monitoring broker.
  const pcap = join(dir, 'capture.pcap');
  let capture: Capture | undefined;
  try {
    capture = await startLoopbackCapture(pcap, [port(energyCloud.endpoint), port(insurerCloud.endpoint), monitorBroker.port]);
    if (!capture) peerMissing(t, 'tcpdump', 'neither tcpdump nor tshark is installed: the packet capture is not searched');
  } catch (error) {
    peerMissing(t, 'tcpdump', `the packet capture cannot run here (${(error as Error).message}); it is not searched`);
  }

  // The home: zigbee2mqtt's retained device list names the plug by its IEEE address.
  const devices = await mqtt.connectAsync(broker.url);
  const ieee = `0x${hex(zIeee)}`;
  await devices.publishAsync(
    'zigbee2mqtt/bridge/devices',
    JSON.stringify([{ ieee_address: ieee, friendly_name: zName, type: 'Router', definition: { model: zModel, vendor: zVendor } }]),
    { retain: true },
  );
  const hub = spawn(process.execPath, [cli, 'run', '--config', join(dir, 'airlock.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let hubOutput = '';
  hub.stderr.on('data', (c) => (hubOutput = (hubOutput + String(c)).slice(-4000)));
  const hubExited = new Promise<void>((resolve) => hub.once('exit', () => resolve()));
  try {
    const has = (cloud: string, field: string) => records[cloud]!.some((r) => (r.data as { f?: Record<string, unknown> })?.f?.[field] !== undefined);
    const wanted: [string, string][] = [['mqtt', 'power'], ['mqtt', 'firmware'], ['mqtt', 'temperature'], ['http', 'ENERGY.Current'], ['http', 'serial'], ['http', 'humidity']];
    for (let i = 0; !wanted.every(([c, f]) => has(c, f)); i++) {
      if (i > 150) {
        const missing = wanted.filter(([c, f]) => !has(c, f)).map(([c, f]) => `${f} at the ${c} cloud`);
        throw new Error(`records did not arrive: ${missing.join(', ')}\n${hubOutput}`);
      }
      await devices.publishAsync(
        `zigbee2mqtt/${zName}`,
        JSON.stringify({ power: 1234 + i, voltage: 231, firmware: flowing, note: zNote, serial: zSerial, location: zLocation, consumption_total: zNumber, linkquality: 90 }),
      );
      await devices.publishAsync(
        `tele/${tTopic}/SENSOR`,
        JSON.stringify({ Time: '2026-03-01T10:00:00', ENERGY: { Current: 0.52, Power: 120 }, Wifi: { SSId: tSsid }, DeviceName: tName }),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Let the monitoring publish its state and discovery with these devices known.
    await waitFor(() => monitorBytes.length > 0, 10_000, 'monitoring messages');
    await new Promise((resolve) => setTimeout(resolve, 500));
    hub.kill('SIGTERM');
    await hubExited;

    // The pseudonymized field arrived, but not as itself.
    const serials = records.http!.map((r) => (r.data as { f: Record<string, unknown> }).f.serial).filter((x) => x !== undefined);
    t.true(serials.length > 0 && serials.every((s) => s !== zSerial), 'the pseudonymized field arrives as a pseudonym');

    const haystacks: { where: string; bytes: Uint8Array }[] = [
      { where: 'MQTT cloud (raw publishes)', bytes: Buffer.concat(cloudBytes.filter((c) => c.cloud === 'mqtt').map((c) => c.bytes)) },
      { where: 'HTTP cloud (raw requests)', bytes: Buffer.concat(cloudBytes.filter((c) => c.cloud === 'http').map((c) => c.bytes)) },
      { where: 'monitoring broker (topics and payloads)', bytes: Buffer.concat(monitorBytes) },
      { where: 'records.flash', bytes: readFileSync(join(dir, 'data', 'records.flash')) },
      { where: 'audit.flash', bytes: readFileSync(join(dir, 'data', 'audit.flash')) },
    ];
    if (capture) {
      const tool = capture.tool.split('/').pop();
      const bytes = await capture.stop();
      capture = undefined;
      // The capture saw the hub's traffic: the vendor topic, the HTTP path and the monitoring topic.
      for (const marker of ['homes/canary', 'POST /ingest/canary', `airlock/${HUB}/state`]) {
        t.true(occurrences(bytes, Buffer.from(marker)) > 0, `the capture holds "${marker}"`);
      }
      haystacks.push({ where: `loopback capture (${tool})`, bytes });
    }
    for (const h of haystacks) t.true(h.bytes.length > 0, `${h.where} is not empty`);

    // Positive control, flowing: the kept field reached the MQTT cloud and the capture as itself.
    t.true(occurrences(haystacks[0]!.bytes, Buffer.from(flowing)) > 0, 'the kept control field is found at the MQTT cloud');
    const captured = haystacks.find((h) => h.where.startsWith('loopback capture'));
    if (captured) t.true(occurrences(captured.bytes, Buffer.from(flowing)) > 0, 'the kept control field is found in the capture');

    // Positive control, planted: a leak of each kind, carried each way a leak would be, planted in
    // a copy of every place searched, must be found by the same search with the same forms.
    const ctlText = canary('Control Leak ');
    const ctlAddress = randomBytes(6);
    const ctlNumber = 5000 + Number.parseInt(hex(randomBytes(3)), 16) / 1e4;
    const colon = hex(ctlAddress).match(/../g)!.join(':');
    const controls: { canary: Canary; carriers: { how: string; bytes: Uint8Array }[] }[] = [
      { canary: textCanary('control text', ctlText), carriers: leakCarriers(ctlText) },
      {
        canary: addressCanary('control address', ctlAddress),
        carriers: [
          { how: 'raw bytes', bytes: Buffer.concat([Buffer.from([0x10, 0x06]), ctlAddress, Buffer.from([0xff])]) },
          { how: 'raw bytes reversed', bytes: Buffer.from(ctlAddress).reverse() },
          { how: 'colon text, upper-cased', bytes: Buffer.from(`{"mac":"${colon.toUpperCase()}"}`) },
          { how: 'URL-encoded', bytes: Buffer.from(`?mac=${encodeURIComponent(colon)}`) },
          ...[0, 1, 2].map((shift) => ({ how: `raw bytes inside base64 at offset ${shift}`, bytes: Buffer.from(Buffer.concat([randomBytes(shift), ctlAddress, randomBytes(2)]).toString('base64')) })),
        ],
      },
      {
        canary: numberCanary('control number', ctlNumber),
        carriers: [
          { how: 'CBOR float64', bytes: Buffer.concat([Buffer.from([0xfb]), numberCanary('', ctlNumber).forms[1]!.bytes]) },
          { how: 'JSON number', bytes: Buffer.from(`{"v":${ctlNumber}}`) },
        ],
      },
    ];
    const missed: string[] = [];
    let planted = 0;
    for (const h of haystacks) {
      for (const control of controls) {
        for (const carrier of control.carriers) {
          const found = (bytes: Uint8Array) => control.canary.forms.some((f) => occurrences(bytes, f.bytes) > 0);
          if (found(h.bytes)) missed.push(`${control.canary.name} is in ${h.where} before planting`);
          const at = Math.floor(Math.random() * (h.bytes.length + 1));
          planted++;
          if (!found(plant(h.bytes, at, carrier.bytes))) missed.push(`${control.canary.name} as ${carrier.how} planted in ${h.where} at ${at}`);
        }
      }
    }
    t.deepEqual(missed, [], 'every planted leak is found in every place searched');
    t.log(`positive controls: the kept field found where the vendor's traffic is searched; ${planted} planted leaks found`);

    const hits: string[] = [];
    let checks = 0;
    for (const c of canaries) {
      for (const f of c.forms) {
        for (const h of haystacks) {
          checks++;
          const n = occurrences(h.bytes, f.bytes);
          if (n > 0) hits.push(`${c.name} (${f.form}) ×${n} in ${h.where}`);
        }
      }
    }
    t.deepEqual(hits, [], 'no canary anywhere outside the home broker');
    const forms = canaries.reduce((sum, c) => sum + c.forms.length, 0);
    t.log(`canaries ${canaries.length} (${forms} byte forms) × ${haystacks.length} places = ${checks} searches, 0 hits`);
    t.log(`searched: ${haystacks.map((h) => `${h.where} ${h.bytes.length} B`).join('; ')}`);
    t.log(`records delivered: MQTT cloud ${records.mqtt!.length}, HTTP cloud ${records.http!.length}`);
  } finally {
    hub.kill('SIGKILL');
    if (capture) await capture.stop().catch(() => undefined);
    await devices.publishAsync('zigbee2mqtt/bridge/devices', '', { retain: true }).catch(() => undefined);
    await devices.endAsync(true);
    await energyCloud.close();
    await insurerCloud.close();
    await monitorBroker.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// The household through the page: a login name and a member's name are personal data. The hub keeps
// them in its key store (NVS, encrypted on a production ESP32) and writes them into its audit log,
// which is sealed on flash (modules/audit/sealed-storage.ts): no flash file may show them.
test.serial('a login name and a household member\'s name given to the page are not readable in any flash file', async (t) => {
  t.timeout(90_000);
  // Account names are 1-12 of [a-z0-9_-]: a short word and 8 random hex digits.
  const ownerName = `hen${hex(randomBytes(4))}`;
  const memberName = `gpa${hex(randomBytes(4))}`;
  const canaries = [textCanary('owner login name', ownerName), textCanary('household member name', memberName)];

  const broker = await startAedes();
  const cloud = await mqttCloud('canary page cloud', 'homes/page');
  const dir = mkdtempSync(join(tmpdir(), 'airlock-canary-page-'));
  const contract = makeContract({
    integration: 'canary-care',
    purposes: [{ id: 'wellbeing', description: 'Wellbeing alerts.', requiresConsent: true }],
    streams: [{ stream: 'power', fields: { power: { purpose: 'wellbeing', transform: { kind: 'round', step: 10 } } } }],
  });
  contract.delivery = { ...contract.delivery, topic: 'homes/page', credentials: { type: 'mqtt-password', secret: 'care-token' } };
  writeFileSync(join(dir, 'care.json'), JSON.stringify(contract));
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'care-token': 'care-password' }));
  writeFileSync(
    join(dir, 'airlock.json'),
    JSON.stringify({
      format: 'airlock-config/1',
      hubId: 'canary-page-home',
      dataDir: join(dir, 'data'),
      localBroker: { url: broker.url },
      secretsFile: 'secrets.json',
      integrations: [{ contract: 'care.json', endpoint: cloud.endpoint, consent: { wellbeing: true } }],
      web: { port: 0 },
    }),
  );
  const running = await runHub(loadConfig(join(dir, 'airlock.json')), { log: quietLog });
  try {
    const url = running.web!.url;
    const owner = new PageClient(url);
    const started = await owner.post('/api/setup/start', { code: running.setupCode });
    t.is(started.status, 200, JSON.stringify(started.json));
    const ownerSecret = started.json.secret as string;
    const finished = await owner.post('/api/setup/finish', { code: running.setupCode, name: ownerName, password: 'correct horse battery', totp: totpNow(ownerSecret) });
    t.is(finished.status, 200, JSON.stringify(finished.json));
    const invited = await owner.post('/api/users/invite', { name: memberName, role: 'member' });
    t.is(invited.status, 201, JSON.stringify(invited.json));
    const member = new PageClient(url);
    const memberStart = await member.post('/api/setup/start', { code: invited.json.code });
    const memberDone = await member.post('/api/setup/finish', { code: invited.json.code, password: 'grandpa password 1', totp: totpNow(memberStart.json.secret as string) });
    t.is(memberDone.status, 200, JSON.stringify(memberDone.json));
    // The member withdraws consent (audited under the member's name); a wrong password is audited under the owner's.
    t.is((await member.post('/api/consent/withdraw', { integration: 'canary-care', purpose: 'wellbeing' })).status, 200);
    await new PageClient(url).post('/api/login', { name: ownerName, password: 'wrong', totp: '000000' });
    // The audit as the owner reads it on the page (the runtime keeps the hub to itself).
    const audit = await owner.get('/api/audit?limit=200');
    t.is(audit.status, 200, JSON.stringify(audit.json));
    const actors = (audit.json.entries as { actor: string }[]).map((e) => e.actor);
    t.true(actors.some((a) => a.includes(memberName)), `the audit names the member (actors: ${actors.join(', ')})`);
  } finally {
    await running.stop();
    await cloud.close();
    await broker.close();
  }
  try {
    const flashFiles = readdirSync(join(dir, 'data')).filter((f) => f.endsWith('.flash'));
    t.true(flashFiles.includes('audit.flash') && flashFiles.includes('records.flash'), `flash files: ${flashFiles.join(', ')}`);
    const hits: string[] = [];
    for (const file of flashFiles) {
      const bytes = readFileSync(join(dir, 'data', file));
      for (const c of canaries) for (const f of c.forms) if (occurrences(bytes, f.bytes) > 0) hits.push(`${c.name} (${f.form}) in ${file}`);
    }
    t.deepEqual(hits, [], 'no login or member name in any flash file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const quietLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function totpNow(secret: string): string {
  return totp(nodeCrypto, base32Decode(secret), Date.now());
}

/** The page over HTTP as a browser uses it: the session cookie and the CSRF token it was given. */
class PageClient {
  #cookie: string | undefined;
  #csrf: string | undefined;
  constructor(readonly url: string) {}

  async get(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
    const headers: Record<string, string> = {};
    if (this.#cookie) headers.cookie = `${SESSION_COOKIE}=${this.#cookie}`;
    const response = await fetch(`${this.url}${path}`, { headers });
    return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  }

  async post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#cookie) headers.cookie = `${SESSION_COOKIE}=${this.#cookie}`;
    if (this.#csrf) headers['x-csrf-token'] = this.#csrf;
    const response = await fetch(`${this.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.#cookie = setCookie.split(';')[0]!.split('=')[1] || undefined;
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (typeof json.csrf === 'string') this.#csrf = json.csrf;
    return { status: response.status, json };
  }
}
