// The runtime both roots call (main.ts on the board, `airlock run` on a computer), composed
// here with in-memory powers: monitoring on connect (online once, discovery, version),
// Home Assistant's birth message, the home broker, consent from the configuration, and one
// configuration check that reports every problem with its path. Node and XS.
import test from 'ava';
import { MemoryFlash } from '../../modules/memory-flash.js';
import { checkRuntimeConfig, type CheckPowers } from '../../modules/hub/runtime-check.js';
import { brokerAddress, parseRuntimeConfig } from '../../modules/hub/runtime-config.js';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../modules/hub/runtime.js';
import { memoryContractArchive } from '../../modules/hub/memory-archive.js';
import type { WebAssets } from '../../modules/web/static.js';
import { makeContract } from '../support/contracts.js';
import { fakeBrokers } from '../support/fake-brokers.js';
import { FakeTransport, settle } from '../support/fake-transport.js';
import type { SessionPool } from '../../modules/forward/sessions.js';
import { makeTestHost, type TestHost } from '../support/test-host.js';

const STATUS = 'airlock/home-1/status';
const VERSION = 'airlock/home-1/version';
const DISCOVERY = 'homeassistant/device/home-1/config';

const contracts: Record<string, string> = { 'energy-saver.json': JSON.stringify(makeContract()) };
const checkPowers = (secrets: Record<string, string> = { 'energy-saver-token': 't' }): CheckPowers => ({
  readContract: (reference) => (reference in contracts ? { text: contracts[reference]! } : { error: `${reference} is not in the image` }),
  hasSecret: (name) => name in secrets,
  secretsWhere: 'the test secrets',
});

const goodConfig = {
  format: 'airlock-config/1',
  hubId: 'home-1',
  localBroker: { url: 'mqtt://home.lan' },
  integrations: [{ contract: 'energy-saver.json', consent: { 'energy-advice': true } }],
};

function start(host: TestHost, extra: Partial<RuntimeOptions> = {}, config: Record<string, unknown> = goodConfig, webAssets?: WebAssets) {
  const checked = checkRuntimeConfig(config, checkPowers());
  if (!checked.config) throw new Error(JSON.stringify(checked.problems));
  const brokers = fakeBrokers();
  const transports: FakeTransport[] = [];
  const pools: SessionPool[] = [];
  const runtime: Runtime = startRuntime(
    { config: checked.config, integrations: checked.integrations, version: '1.2.3', model: 'test', ...extra },
    {
      host,
      auditFlash: new MemoryFlash(8 * 4096, 4096),
      archive: memoryContractArchive(),
      transport: (_, endpoint, _contract, { sessions }) => {
        const transport = new FakeTransport(endpoint);
        transports.push(transport);
        pools.push(sessions);
        return transport;
      },
      connect: brokers.connect,
      secret: () => 't',
      ...(webAssets ? { webAssets } : {}),
    },
  );
  return { runtime, brokers, transports, pools, monitor: brokers.role('monitor') };
}

test('the transports get the session pool: the profile sets the cap, the configuration may only lower it', (t) => {
  const unlimited = start(makeTestHost());
  t.is(unlimited.pools[0]!.maxSessions, Infinity, 'no profile, no configuration: no cap');
  t.is(start(makeTestHost(), { sessions: { maxSessions: 2 } }).pools[0]!.maxSessions, 2);
  t.is(start(makeTestHost(), { sessions: { maxSessions: 2 } }, { ...goodConfig, sessions: { maxSessions: 5 } }).pools[0]!.maxSessions, 2, 'not raised above the profile');
  const lowered = start(makeTestHost(), { sessions: { maxSessions: 2 } }, { ...goodConfig, sessions: { maxSessions: 1, idleMs: 500 } }).pools[0]!;
  t.is(lowered.maxSessions, 1);
  t.is(lowered.idleMs, 500);
  const bad = parseRuntimeConfig({ ...goodConfig, sessions: { maxSessions: 0, idleMs: -1 } });
  t.deepEqual(bad.problems.map((p) => p.path).sort(), ['sessions.idleMs', 'sessions.maxSessions']);
});

test('the monitoring connection has the offline will and listens for Home Assistant', (t) => {
  const { monitor } = start(makeTestHost());
  t.deepEqual(monitor.request.will, { topic: STATUS, payload: 'offline', retain: true });
  t.deepEqual(monitor.request.subscriptions, ['homeassistant/status']);
  t.deepEqual(monitor.request.broker, goodConfig.localBroker, 'without monitorBroker, monitoring goes to the home broker');
});

test('online is published once per connect, retained', (t) => {
  const { monitor } = start(makeTestHost());
  monitor.connect();
  t.deepEqual(monitor.on(STATUS).map((p) => [p.payload, p.options.retain]), [['online', true]]);
  monitor.drop();
  monitor.connect();
  t.deepEqual(monitor.on(STATUS).map((p) => p.payload), ['online', 'online']);
  t.is(monitor.on(DISCOVERY).length, 2, 'discovery after every connect');
});

test('the version is published retained on every connect', (t) => {
  const plain = start(makeTestHost()).monitor;
  plain.connect();
  t.deepEqual(plain.on(VERSION).map((p) => [JSON.parse(p.payload), p.options.retain]), [[{ running: '1.2.3' }, true]]);

  const trial = { running: '1.2.3', pending: '1.3.0', state: 'trial' };
  const board = start(makeTestHost(), { versions: () => trial }).monitor;
  board.connect();
  board.drop();
  board.connect();
  t.deepEqual(board.on(VERSION).map((p) => JSON.parse(p.payload)), [trial, trial]);
});

test("Home Assistant's birth message online republishes discovery and state; offline does not", (t) => {
  const { monitor } = start(makeTestHost());
  monitor.connect();
  const states = () => monitor.on('airlock/home-1/integration/energy-saver/state').length;
  const before = states();
  monitor.deliver('homeassistant/status', 'offline');
  t.is(monitor.on(DISCOVERY).length, 1);
  monitor.deliver('homeassistant/status', 'online');
  t.is(monitor.on(DISCOVERY).length, 2);
  t.is(states(), before + 1, 'Home Assistant gets every state again');
  t.is(monitor.on(STATUS).length, 1, 'the birth message does not repeat online');
});

test('device messages from the home broker reach the hub; consent from the configuration is given', async (t) => {
  const host = makeTestHost();
  const { runtime, brokers, transports } = start(host);
  const home = brokers.role('home');
  t.true(home.request.subscriptions.includes('zigbee2mqtt/#'), 'the decoders\' topics');
  t.is(home.request.clientId, 'airlock-home-1-sources', 'a client id stable across restarts');
  t.true(home.request.persistentSession, 'a persistent session: the broker keeps what devices publish while the hub is down');
  home.connect();
  home.deliver('zigbee2mqtt/bridge/devices', JSON.stringify([{ ieee_address: '0x00158d0001d4e5f6', friendly_name: 'plug', definition: { model: 'X', vendor: 'Y' } }]));
  home.deliver('zigbee2mqtt/plug', JSON.stringify({ power: 120, voltage: 230 }));
  t.is(runtime.snapshot().hub.readingsReceived, 1);
  for (let waited = 0; transports[0]!.received.length === 0 && waited < 10_000; waited += 100) {
    host.timers.advance(100);
    await settle();
  }
  const fields = transports[0]!.received.flatMap((e) => (e.records as { data: { f: Record<string, unknown> } }[]).map((r) => Object.keys(r.data.f)));
  t.deepEqual(fields, [['power', 'voltage']], 'energy-advice was consented by the configuration, so its fields went out');
  await runtime.stop();
  t.true(home.closed);
});

test('the board profile bounds the devices the hub keeps state for; one beyond is refused and counted', async (t) => {
  const { runtime, brokers } = start(makeTestHost(), { maxDevices: 2 });
  const home = brokers.role('home');
  home.connect();
  for (const name of ['plug_a', 'plug_b', 'plug_c']) home.deliver(`zigbee2mqtt/${name}`, JSON.stringify({ power: 120 }));
  const hub = runtime.snapshot().hub;
  t.is(hub.devicesRefused, 1, 'the third plug is refused');
  t.is(hub.readingsReceived, 2, 'its reading is not taken in');
  await runtime.stop();
});

test('a graceful stop says offline and closes both connections', async (t) => {
  const { runtime, brokers, monitor } = start(makeTestHost());
  monitor.connect();
  await runtime.stop();
  t.is(monitor.on(STATUS).at(-1)!.payload, 'offline');
  t.true(brokers.opened.every((c) => c.closed));
});

test('a hub the host does not admit is composed but not started, and does not listen to devices', (t) => {
  const host = makeTestHost();
  const checked = checkRuntimeConfig(goodConfig, checkPowers());
  const brokers = fakeBrokers();
  let asked: { logHeldRecords: boolean } | undefined;
  const runtime = startRuntime(
    { config: checked.config!, integrations: checked.integrations, version: '1', model: 'test' },
    {
      host,
      auditFlash: new MemoryFlash(8 * 4096, 4096),
      archive: memoryContractArchive(),
      transport: (_, endpoint) => new FakeTransport(endpoint),
      connect: brokers.connect,
      secret: () => undefined,
      admit: (check) => ((asked = check), false),
    },
  );
  t.deepEqual(asked && { logHeldRecords: asked.logHeldRecords }, { logHeldRecords: false });
  t.false(runtime.running);
  t.deepEqual(brokers.opened.map((c) => c.request.role), ['monitor'], 'monitoring still reports the degraded hub');
});

test('a configuration with a bad shape yields every problem with its path', (t) => {
  const checked = checkRuntimeConfig(
    {
      hubId: 'bad id!',
      localBroker: { url: 'http://home.lan' },
      web: { port: 70000 },
      integrations: [{ contract: 'energy-saver.json', endpoint: 'ftp://x' }],
      colour: 'blue',
    },
    checkPowers(),
  );
  t.is(checked.config, undefined);
  const paths = checked.problems.map((p) => p.path).sort();
  t.deepEqual(paths, ['colour', 'hubId', 'integrations[0].endpoint', 'localBroker.url', 'web.port'].sort(), JSON.stringify(checked.problems));
  t.true(checked.problems.every((p) => p.code === 'config-invalid' && p.message.length > 0));
  t.regex(checked.problems.find((p) => p.path === 'hubId')!.message, /1-32 letters/);
});

test('contracts, duplicates, consent and secrets are judged together, each problem with its path, and valid integrations are kept', (t) => {
  const broken = JSON.stringify({ ...makeContract({ integration: 'broken' }), hubBuffer: { maxAgeSeconds: -1, maxBytes: 1, whenFull: 'explode' } });
  const local = { ...contracts, 'broken.json': broken, 'again.json': JSON.stringify(makeContract()) };
  const checked = checkRuntimeConfig(
    {
      hubId: 'home-1',
      localBroker: { url: 'mqtt://home.lan', username: 'hub', password: { secret: 'home-broker' } },
      sources: { bthome: { keys: { 'A4:C1:38:8D:18:B2': { secret: 'bedroom' } } } },
      integrations: [
        { contract: 'energy-saver.json', consent: { 'no-such-purpose': true } },
        { contract: 'missing.json' },
        { contract: 'broken.json' },
        { contract: 'again.json' },
      ],
    },
    { ...checkPowers({}), readContract: (ref) => (ref in local ? { text: local[ref as keyof typeof local]! } : { error: `${ref} is not in the image` }) },
  );
  const by = (path: string) => checked.problems.filter((p) => p.path === path);
  t.regex(by('integrations[0].consent.no-such-purpose')[0]!.message, /no such purpose \(it has energy-advice, safety\)/);
  t.deepEqual(by('integrations[1].contract').map((p) => [p.code, p.message]), [['contract-missing', 'missing.json is not in the image']]);
  t.true(by('integrations[2].contract').length > 0 && by('integrations[2].contract').every((p) => p.code === 'contract-invalid' && p.message.startsWith('broken.json hubBuffer')));
  t.deepEqual(by('integrations[3]').map((p) => p.code), ['contract-duplicate']);
  t.regex(by('integrations[0]')[0]!.message, /^secret "energy-saver-token" is not in the test secrets \(energy-saver's delivery\.credentials\)$/);
  t.regex(by('localBroker.password')[0]!.message, /secret "home-broker"/);
  t.regex(by('sources.bthome.keys.A4:C1:38:8D:18:B2')[0]!.message, /secret "bedroom"/);
  t.is(checked.problems.length, 6 + by('integrations[2].contract').length);
  t.deepEqual(checked.integrations.map((i) => [i.contract.integration, i.index]), [['energy-saver', 0]], 'the valid integration is kept for a host that runs what it can');
});

test('older manifests may keep an empty contracts list; a filled one is pointed at integrations', (t) => {
  t.deepEqual(parseRuntimeConfig({ hubId: 'h', contracts: [] }).problems, []);
  const filled = parseRuntimeConfig({ hubId: 'h', contracts: ['energy-saver.json'] }).problems;
  t.deepEqual(filled.map((p) => p.path), ['contracts']);
  t.regex(filled[0]!.message, /integrations: \[\{"contract"/);
});

test('a broker URL splits into what a socket client needs; anything after the port is refused by the schema', (t) => {
  t.deepEqual(brokerAddress('mqtt://home.lan'), { host: 'home.lan', port: 1883, tls: false });
  t.deepEqual(brokerAddress('mqtts://broker.example:8884/'), { host: 'broker.example', port: 8884, tls: true });
  t.deepEqual(brokerAddress('MQTT://[fd00::5]:1885'), { host: 'fd00::5', port: 1885, tls: false });
  t.throws(() => brokerAddress('mqtt://user:pw@home.lan'), { message: /not mqtt:\/\/host/ });
  const paths = (url: string) => parseRuntimeConfig({ hubId: 'h', localBroker: { url } }).problems.map((p) => p.path);
  t.deepEqual(paths('mqtt://home.lan/topic'), ['localBroker.url']);
  t.deepEqual(paths('mqtts://home.lan:8883'), []);
});

test('the page is built when the host has its assets, with the owner setup code; web: false leaves it out', (t) => {
  const withPage = start(makeTestHost(), {}, goodConfig, new Map()).runtime;
  t.regex(withPage.page?.setupCode ?? '', /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  t.is(start(makeTestHost(), {}, { ...goodConfig, web: false }, new Map()).runtime.page, undefined);
  t.is(start(makeTestHost()).runtime.page, undefined, 'no assets, no page');
});

test('the RAM contract archive returns what was saved, by integration and version', (t) => {
  const archive = memoryContractArchive();
  const contract = makeContract();
  archive.save(contract);
  t.is(archive.load('energy-saver', '1.0.0'), contract);
  t.is(archive.load('energy-saver', '2.0.0'), undefined);
});

test('a delivery the transports cannot use is a problem with its path, on both hosts, and that integration is left out', (t) => {
  const checked = checkRuntimeConfig(
    { hubId: 'h', integrations: [{ contract: 'energy-saver.json', endpoint: 'mqtt://relay.lan/homes/#' }] },
    checkPowers(),
  );
  t.deepEqual(checked.problems.map((p) => [p.path, p.code]), [['integrations[0].endpoint', 'endpoint-invalid']]);
  t.regex(checked.problems[0]!.message, /wildcard/);
  t.deepEqual(checked.integrations, []);
});
