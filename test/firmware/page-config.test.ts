/**
 * The hub configured from its page on Moddable's runtime, nothing rebuilt (issue #18): a lab
 * built with no integrations boots in the simulator; over plain HTTP to its page the test
 * creates the owner with the first-boot setup code and a TOTP code, adds an integration from a
 * contract it writes (preview, a mistyped token that shows as the integration's error, the
 * right token), and a zigbee2mqtt plug's reading then reaches the vendor's Mosquitto, which lets
 * the hub in only with the token given on the page. After a restart of the simulator on the
 * same file root (flash archive, NVS) the integration is still installed and delivering;
 * removed through the exit, it is gone, token included, after another restart.
 */
import test from 'ava';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeEnvelope } from '../../modules/forward/envelope.js';
import { base32Decode, hotp, totpStep } from '../../modules/web/totp.js';
import { repoRoot } from '../../tools/firmware/build.js';
import { startSimulator, type Simulator } from '../../tools/firmware/simulator.js';
import { platformCrypto } from '../support/platform.js';
import { buildLab, freshFileRoot, HUB_ID, labContract, mosquittoOn, type LabBuild } from './rig.js';

const moddable = process.env.MODDABLE ?? '';
/** Ports of their own: the lab bakes them in, and no other lab uses these. */
const PORTS = Object.freeze({ home: 18870, vendor: 18871, web: 18879 });
const PAGE = `http://127.0.0.1:${PORTS.web}`;
const PASSWORD = 'tulip window garden 42';
const home = mosquittoOn(PORTS.home, false);
/** The token the owner types on the page; the vendor's broker takes the hub only with it. */
const TOKEN = 'token-from-the-page';
const VENDOR_RECEIVER = { username: 'page-config-vendor', password: 'vendor-receiver-secret' };
const vendor = mosquittoOn(PORTS.vendor, true, { [HUB_ID]: TOKEN, [VENDOR_RECEIVER.username]: VENDOR_RECEIVER.password });
const contract = labContract(1);
const ENDPOINT = `mqtt://127.0.0.1:${PORTS.vendor}/${contract.topic}`;

let lab: LabBuild;
let traceLog = '';
let sim: Simulator | undefined;
let homeClient: MqttClient;
let vendorClient: MqttClient;
/** Records the vendor received, in arrival order: the plug's power after the contract's rounding. */
const received: { integration: string; power: unknown }[] = [];

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`page-config: timed out waiting for ${what}; vendor got ${received.length} records; last traces:\n${sim?.traces.slice(-25).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function boot(): Promise<Simulator> {
  sim = await startSimulator({ moddable, app: lab.app, onTrace: (line) => appendFileSync(traceLog, `${line}\n`) });
  await sim.waitForTrace(/airlock: booted/, 120_000);
  return sim;
}

async function restart(): Promise<void> {
  await sim!.stop(); // no clean shutdown: what was saved must be on flash and in NVS already
  sim = undefined;
  session.cookie = '';
  session.csrf = '';
  await boot();
}

/** The page's session: its cookie and the CSRF token the API wants on every change. */
const session = { cookie: '', csrf: '' };

async function api<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; data: T }> {
  const headers: Record<string, string> = {};
  if (session.cookie) headers.cookie = session.cookie;
  if (session.csrf && method === 'POST') headers['x-csrf-token'] = session.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${PAGE}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const set = response.headers.get('set-cookie');
  if (set) session.cookie = set.split(';')[0]!;
  const text = await response.text();
  let data: T;
  try {
    data = JSON.parse(text) as T;
  } catch {
    throw new Error(`${method} ${path}: ${response.status} answered ${text.slice(0, 200)}`);
  }
  return { status: response.status, data };
}

async function ok<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const { status, data } = await api<T>(method, path, body);
  if (status >= 300) throw new Error(`${method} ${path}: ${status} ${JSON.stringify(data)}`);
  return data;
}

/** The owner's authenticator: one code per 30-second step, never a step the hub has already taken. */
const authenticator: { secret: Uint8Array; lastStep: number } = { secret: new Uint8Array(), lastStep: -1 };
async function nextTotp(): Promise<{ totp: string; clientTime: number }> {
  const step = await until('a TOTP step the hub has not seen', () => {
    const now = totpStep(Date.now());
    const candidate = Math.max(now, authenticator.lastStep + 1);
    return candidate <= now + 1 ? candidate : false; // the hub allows one step of drift
  }, 40_000);
  authenticator.lastStep = step;
  return { totp: hotp(platformCrypto, authenticator.secret, step), clientTime: Date.now() };
}

async function logIn(): Promise<void> {
  const data = await ok<{ csrf: string }>('POST', '/api/login', { name: 'owner', password: PASSWORD, ...(await nextTotp()) });
  session.csrf = data.csrf;
}

let plugPower = 100;
/** A plug reading of a power never sent before (x00.4 W: the contract rounds it to x00). */
async function publishPlug(): Promise<number> {
  plugPower += 100;
  await homeClient.publishAsync('zigbee2mqtt/washing_machine', JSON.stringify({ power: plugPower + 0.4, voltage: 231, state: 'ON' }), { qos: 1 });
  return plugPower;
}

/**
 * A plug reading each round until one of them reaches the vendor: the hub's subscription and
 * its vendor connection come up some time after boot, and a reading before that is not taken
 * in. Readings the hub kept while the vendor refused it may arrive first.
 */
async function untilDelivered(): Promise<void> {
  const sent = new Set<number>();
  const arrived = (): boolean => received.some((r) => sent.has(r.power as number));
  await until('a plug reading delivered to the vendor', async () => {
    sent.add(await publishPlug());
    const at = Date.now();
    while (!arrived() && Date.now() - at < 3000) await new Promise((resolve) => setTimeout(resolve, 100));
    return arrived();
  }, 120_000);
}

async function connect(url: string, clientId: string, login: { username?: string; password?: string } = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId, clean: true, reconnectPeriod: 200, ...login });
  client.on('error', () => {});
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return client;
}

test.before(async () => {
  if (!moddable) throw new Error('MODDABLE is not set; run this suite through `npm run test:firmware`');
  lab = await buildLab(moddable, 'page-config', 0, PORTS, { profile: 'esp32' });
  traceLog = join(repoRoot, 'build', 'firmware-lab', 'page-config', 'simulator.log');
  writeFileSync(traceLog, '');
  freshFileRoot(lab.fileRoot);
  await home.start();
  await vendor.start();
  homeClient = await connect(home.url, 'page-config-devices');
  vendorClient = await connect(vendor.url, 'page-config-vendor', VENDOR_RECEIVER);
  vendorClient.on('message', (_topic, payload) => {
    const envelope = decodeEnvelope(new Uint8Array(payload), 'application/cbor');
    for (const record of envelope.records as unknown as { data: { i: string; f: Record<string, unknown> } }[]) {
      received.push({ integration: record.data.i, power: record.data.f.power });
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

interface ContractsView {
  contracts: { integration: string; version: string }[];
}

test.serial('an integration added on the page of a hub built with none delivers, survives restarts, and is removed', async (t) => {
  await boot();
  const setupLine = await sim!.waitForTrace(/first-boot setup code/);
  const code = /code=([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})/.exec(setupLine)?.[1];
  t.truthy(code, setupLine);

  // 1. The owner, from the first-boot code and an authenticator.
  const started = await ok<{ secret: string }>('POST', '/api/setup/start', { code });
  authenticator.secret = base32Decode(started.secret);
  const finished = await ok<{ csrf: string; user: { role: string } }>('POST', '/api/setup/finish', { code, name: 'owner', password: PASSWORD, ...(await nextTotp()) });
  t.is(finished.user.role, 'owner');
  session.csrf = finished.csrf;
  t.deepEqual((await ok<ContractsView>('GET', '/api/contracts')).contracts, [], 'built with no integrations');

  // 2. Add one: the preview names the plug the hub has heard from (it is published until the
  // hub's subscription is live and the preview shows it), then a token, install.
  type Preview = { valid: boolean; integration: string; endpoint: string; devices: { title: string }[]; credential?: { name: string; stored: boolean }; errors?: unknown[] };
  const preview = await until('the plug named in the preview', async () => {
    await publishPlug();
    const shown = await ok<Preview>('POST', '/api/integrations/preview', { contract: contract.text, endpoint: ENDPOINT });
    return shown.devices.some((d) => d.title.includes('washing_machine')) && shown;
  });
  t.true(preview.valid, JSON.stringify(preview.errors));
  t.is(preview.integration, contract.integration);
  t.is(preview.endpoint, ENDPOINT);
  t.like(preview.credential, { name: contract.secretName, stored: false });
  // A mistyped token first: the vendor's broker refuses the hub, and the page says so.
  const installed = await ok<{ status: string; integration: string; awaitingConsent: string[] }>('POST', '/api/integrations/install', {
    contract: contract.text,
    secrets: { [contract.secretName]: `${TOKEN}-mistyped` },
    endpoint: ENDPOINT,
  });
  t.like(installed, { status: 'added', integration: contract.integration });
  t.deepEqual(installed.awaitingConsent, [], 'the lab contract asks no consent');
  const refusal = await until('the vendor\'s refusal as the integration\'s error on the page', async () => {
    await publishPlug();
    const overview = await ok<{ integrations: { id: string; lastError: string | null }[] }>('GET', '/api/overview');
    return overview.integrations.find((i) => i.id === contract.integration)?.lastError ?? undefined;
  });
  t.regex(refusal, /127\.0\.0\.1 did not accept the connection.*token/, 'the page says what to check');
  t.deepEqual(received, [], 'nothing reached the vendor with the mistyped token');
  await ok('POST', `/api/integrations/${contract.integration}/secret`, { name: contract.secretName, value: TOKEN });
  await untilDelivered();
  t.true(received.every((r) => r.integration === contract.integration));
  t.true(received.every((r) => typeof r.power === 'number' && r.power % 100 === 0), `rounded to the contract's step of 10: ${JSON.stringify(received)}`);

  // 3. Restarted on the same flash and NVS: still installed, still delivering.
  await restart();
  await logIn();
  t.deepEqual((await ok<ContractsView>('GET', '/api/contracts')).contracts.map((c) => c.integration), [contract.integration], 'kept across the restart');
  const preview2 = await ok<{ credential?: { stored: boolean } }>('POST', '/api/integrations/preview', { contract: contract.text, endpoint: ENDPOINT });
  t.true(preview2.credential?.stored, 'its token is in NVS');
  await untilDelivered();

  // 4. Removed through the exit: gone, and still gone after a restart.
  await ok('POST', `/api/exit/${contract.integration}/export`, {});
  const receipt = await ok<{ deletedAt: unknown }>('POST', `/api/exit/${contract.integration}/delete`, { confirm: contract.integration });
  t.truthy(receipt.deletedAt);
  t.deepEqual((await ok<ContractsView>('GET', '/api/contracts')).contracts, []);
  await restart();
  await logIn();
  t.deepEqual((await ok<ContractsView>('GET', '/api/contracts')).contracts, [], 'still gone after a restart');
  const preview3 = await ok<{ credential?: { stored: boolean } }>('POST', '/api/integrations/preview', { contract: contract.text, endpoint: ENDPOINT });
  t.false(preview3.credential?.stored, 'its token was deleted from NVS');
  t.deepEqual(sim!.exceptions.filter((e) => /memory full|stack overflow/i.test(e.message)), []);
});
