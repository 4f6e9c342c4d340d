/**
 * One test per bound of docs/esp32.md's "Bounded state" table: fill past the
 * bound, the table stays at it, the counter counts, and the rest still works.
 */
import test from 'ava';
import { buildBthomeFrame } from '../../hosts/sim/bthome-frames.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { IncidentDesk, IncidentError, MAX_HELD_INCIDENTS } from '../../modules/audit/incidents.js';
import { bytesEqual, utf8 } from '../../modules/bytes.js';
import { Hub } from '../../modules/hub/hub.js';
import { memoryContractArchive } from '../../modules/hub/memory-archive.js';
import { Keyring } from '../../modules/keyring.js';
import { Monitor } from '../../modules/monitor/publisher.js';
import { hubStateJson } from '../../modules/monitor/status.js';
import { ConsentBook, CONSENT_HISTORY } from '../../modules/pipeline/consent.js';
import { Windows, type ClosedField } from '../../modules/pipeline/windows.js';
import { createBthome } from '../../modules/sources/bthome.js';
import { createSourceContext } from '../../modules/sources/context.js';
import { FloodGate } from '../../modules/sources/limits.js';
import { createZigbee2Mqtt } from '../../modules/sources/zigbee2mqtt.js';
import { WebAuth, MAX_PENDING_ENROLMENTS } from '../../modules/web/auth.js';
import { SessionTable } from '../../modules/web/sessions.js';
import { LoginThrottle, DEFAULT_THROTTLE } from '../../modules/web/throttle.js';
import { energyContract } from '../support/audit-contracts.js';
import { auditFixture } from '../support/audit-fixture.js';
import { makeContract } from '../support/contracts.js';
import { FakeTransport } from '../support/fake-transport.js';
import { integrationStatus, snapshot } from '../support/monitor-fixtures.js';
import { makeRig } from '../support/pipeline-rig.js';
import { platformCrypto } from '../support/platform.js';
import { makeTestHost } from '../support/test-host.js';

/** "02:00:00:00:00:2a" for 42: a distinct, valid MAC per device. */
const macOf = (n: number) => `02:00:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;

test('the flood gate holds at most maxTracked devices and counts the buckets it forgets', (t) => {
  const host = makeTestHost();
  const gate = new FloodGate(host.clock, { ratePerSecond: 1, burst: 2, maxTracked: 8 });
  for (let n = 0; n < 20; n++) t.true(gate.admit(`dev-${n}`));
  t.is(gate.size, 8);
  t.is(gate.evicted, 12);
  t.true(gate.admit('dev-19'));
  t.false(gate.admit('dev-19'), 'a device still held keeps its budget');
});

test('BTHome packet ids: at most maxDevices addresses; a new device beyond is refused and counted while the others are fresh', (t) => {
  const host = makeTestHost();
  const context = createSourceContext(host.clock, { maxDevices: 4 });
  const decoder = createBthome({}, context, platformCrypto);
  const frame = (id: number) => buildBthomeFrame({ packetId: id, objects: [[0x02, 20]] });
  for (let n = 0; n < 100; n++) decoder.handleAdvertisement(macOf(n), frame(1));
  t.is(decoder.held().packets, 4);
  t.is(context.counters.droppedFor('bthome', 'too-many-devices'), 96);
  t.is(decoder.handleAdvertisement(macOf(0), frame(2)).length, 1, 'a device held still sends');
  t.is(decoder.handleAdvertisement(macOf(0), frame(2)).length, 0, 'and its duplicates are still caught');
  host.clock.advance(5000);
  decoder.handleAdvertisement(macOf(50), frame(1));
  t.is(decoder.held().packets, 4, 'past the window a stale entry makes room, the table stays at the bound');
});

test('BTHome keys: at most maxDevices; one more is refused with what to do, too many in the configuration fail at start', (t) => {
  const host = makeTestHost();
  const context = createSourceContext(host.clock, { maxDevices: 3 });
  const key = '231d39c1d7cc1ab1aee224cd096db932';
  const decoder = createBthome({ keys: { [macOf(1)]: key, [macOf(2)]: key } }, context, platformCrypto);
  decoder.setKey(macOf(3), key);
  t.throws(() => decoder.setKey(macOf(4), key), { message: /3 devices already have a key.*remove the key/ });
  t.is(decoder.held().keys, 3);
  decoder.setKey(macOf(3), key);
  decoder.setKey(macOf(1), undefined);
  decoder.setKey(macOf(4), key);
  t.is(decoder.held().keys, 3, 'a removed key makes room');
  const counters = Object.fromEntries([1, 2, 3, 4].map((n) => [macOf(n), n]));
  t.throws(() => createBthome({ encryptionCounters: counters }, context, platformCrypto), { message: /4 encryption counters/ });
});

test('BTHome encryption counters: at most maxDevices; a device whose key was removed gives up its place', (t) => {
  const host = makeTestHost();
  const context = createSourceContext(host.clock, { maxDevices: 2 });
  const key = new Uint8Array(16).fill(7);
  const decoder = createBthome({}, context, platformCrypto);
  const send = (n: number, counter: number) =>
    decoder.handleAdvertisement(macOf(n), buildBthomeFrame({ objects: [[0x02, 21]], encrypt: { crypto: platformCrypto, key, mac: macOf(n), counter } }));
  decoder.setKey(macOf(1), key);
  decoder.setKey(macOf(2), key);
  t.is(send(1, 10).length, 1);
  t.is(send(2, 10).length, 1);
  decoder.setKey(macOf(1), undefined); // the household removed device 1
  context.registry.remove(`bthome:${macOf(1)}`);
  decoder.setKey(macOf(3), key);
  t.is(send(3, 10).length, 1);
  t.is(decoder.held().counters, 2);
  t.is(decoder.encryptionCounter(macOf(1)), undefined, 'the keyless device was forgotten');
  t.is(send(2, 10).length, 0, 'replay protection of the others holds');
  t.is(context.counters.droppedFor('bthome', 'replayed'), 1);
});

test('zigbee2mqtt learns at most maxDevices names from bridge/devices and counts the rest as refused', (t) => {
  const host = makeTestHost();
  const context = createSourceContext(host.clock, { maxDevices: 4 });
  const decoder = createZigbee2Mqtt({}, context);
  const devices = Array.from({ length: 10 }, (_, n) => ({ ieee_address: `0x${n.toString(16).padStart(16, '0')}`, friendly_name: `plug ${n}` }));
  decoder.handleMessage('zigbee2mqtt/bridge/devices', utf8(JSON.stringify(devices)));
  t.is(decoder.knownDevices(), 4);
  t.is(context.registry.size, 4);
  t.is(context.counters.droppedFor('zigbee2mqtt', 'too-many-devices'), 1);
  t.is(decoder.handleMessage('zigbee2mqtt/plug 0', utf8('{"power": 5}')).length, 1, 'a known device still reports');
  t.is(decoder.handleMessage('zigbee2mqtt/plug 9', utf8('{"power": 5}')).length, 0, 'one beyond the bound is refused');
  t.is(context.counters.droppedFor('zigbee2mqtt', 'too-many-devices'), 2);
});

test('aggregation windows: at most maxOpen; the oldest closes early, emitted and counted', (t) => {
  const closed: string[] = [];
  let early = 0;
  const windows = new Windows<string>((w, fields: ClosedField[]) => void closed.push(`${w.device}=${fields[0]!.value}`), { maxOpen: 3, onClosedEarly: () => void early++ });
  const time = { wall: 1_000, boot: 1, mono: 1_000 };
  for (let n = 0; n < 5; n++) windows.add('owner', 'i\u0000s', { integration: 'i', device: `d${n}`, time }, { name: 'power', purpose: 'p', fn: 'sum', windowMs: 60_000 }, n + 1);
  t.is(windows.size, 3);
  t.is(early, 2);
  t.deepEqual(closed, ['d0=1', 'd1=2'], 'what they gathered leaves, over a shorter span');
});

test('the pipeline counts windows closed early in its counters', (t) => {
  const contract = makeContract({
    streams: [{ stream: 'climate', fields: { humidity: { purpose: 'safety', transform: { kind: 'aggregate', function: 'max', windowSeconds: 60 } } } }],
  });
  const rig = makeRig([contract]);
  for (let n = 0; n < 260; n++) rig.pipeline.accept(rig.reading(`th-${n}`, 'climate', { humidity: 40 }));
  t.is(rig.counters.snapshot().windowsClosedEarly, 4);
  t.is(rig.emitted.length, 4);
  t.is(rig.counters.internalErrors, 0);
});

test('the keyring keeps at most cacheEntries derived keys, the least recently used goes; one derived again is the same key', (t) => {
  const host = makeTestHost();
  const keyring = new Keyring({ store: host.store, crypto: host.crypto, random: host.random, cacheEntries: 3 });
  const first = keyring.key('data', 'i0')!;
  const hot = keyring.key('data', 'hot')!;
  for (let n = 1; n < 6; n++) {
    keyring.key('data', `i${n}`);
    t.is(keyring.key('data', 'hot'), hot, 'a key in use stays cached (the same bytes object)');
  }
  t.is(keyring.cached, 3);
  t.is(keyring.cacheEvictions, 4);
  t.true(bytesEqual(keyring.key('data', 'i0')!, first));
  t.is(keyring.cached, 3);
});

test('the monitor forgets what it sent for integrations no longer in the state', (t) => {
  const host = makeTestHost();
  let state = snapshot(['a', 'b', 'c'].map((id) => integrationStatus(id)));
  const monitor = new Monitor({ hubId: 'home-1', version: '0.1.0', model: 'test' }, { publish: () => undefined, timers: host.timers, clock: host.clock, read: () => state });
  monitor.connected();
  t.is(monitor.remembered, 5, 'status, hub state and three integrations');
  for (let n = 0; n < 20; n++) {
    state = snapshot([integrationStatus(`gone-${n}`)]);
    host.timers.advance(10_000);
    monitor.changed();
  }
  t.is(monitor.remembered, 3);
});

test(`incidents: at most ${MAX_HELD_INCIDENTS} held; the oldest resolved is forgotten, and with none resolved a report is refused`, (t) => {
  const f = auditFixture();
  const incidents = new IncidentDesk({ audit: f.log, clock: f.host.clock, contract: () => energyContract(1) });
  const report = (n: number) => incidents.report({ integration: 'energy-saver', reportedBy: 'owner', title: `incident ${n}` });
  const first = report(0);
  incidents.resolve(first.id, 'owner', 'fixed');
  for (let n = 1; n < MAX_HELD_INCIDENTS; n++) report(n);
  t.is(incidents.list().length, MAX_HELD_INCIDENTS);
  report(MAX_HELD_INCIDENTS);
  t.is(incidents.list().length, MAX_HELD_INCIDENTS);
  t.is(incidents.get(first.id), undefined, 'the resolved one made room');
  t.throws(() => report(MAX_HELD_INCIDENTS + 1), { instanceOf: IncidentError, message: /resolve the ones that are over/ });
  t.like(incidents.counters(), { forgotten: 1, refused: 1, openNow: MAX_HELD_INCIDENTS });
  t.is(incidents.list().length, MAX_HELD_INCIDENTS);
});

test('sessions: at most maxSessions; the oldest ends and is counted', (t) => {
  const host = makeTestHost();
  const sessions = new SessionTable(host, { idleMs: 60_000, maxAgeMs: 3_600_000, maxSessions: 4 });
  const tokens = Array.from({ length: 6 }, () => sessions.open('kim', 'member').token);
  t.is(sessions.size, 4);
  t.is(sessions.evicted, 2);
  t.is(sessions.lookup(tokens[0]).state, 'none');
  t.is(sessions.lookup(tokens[5]).state, 'valid');
});

test('the login throttle remembers at most maxKeys and counts those it forgets', (t) => {
  const host = makeTestHost();
  const throttle = new LoginThrottle(host.clock, { ...DEFAULT_THROTTLE, maxKeys: 4 });
  for (let n = 0; n < 10; n++) throttle.fail(`name-${n}`);
  t.is(throttle.size, 4);
  t.is(throttle.forgotten, 6);
  t.false(throttle.check('name-9').allowed, 'a name held is still slowed down');
});

test(`enrolments: at most ${MAX_PENDING_ENROLMENTS} started at once; the oldest is forgotten and counted`, (t) => {
  const host = makeTestHost();
  const auth = new WebAuth({ clock: host.clock, random: host.random, crypto: host.crypto, store: host.store, log: host.log, pbkdf2Iterations: 1 });
  // The store keeps the 8 newest invitations; enrolments started on older ones are still held until forgotten.
  for (let n = 0; n < MAX_PENDING_ENROLMENTS + 2; n++) auth.startEnrolment({ code: auth.accounts.invite('member', `m${n}`, null, null).code });
  t.is(auth.counters().enrolmentsForgotten, 2);
  t.deepEqual(auth.counters(), { sessionsEvicted: 0, failuresForgotten: 0, strangerFailuresForgotten: 0, enrolmentsForgotten: 2 });
  t.deepEqual(auth.users().limits, auth.counters(), 'the owner reads them on the People page (GET /api/users)');
});

test(`consent history: the last ${CONSENT_HISTORY} changes in memory; every decision still holds`, (t) => {
  const host = makeTestHost();
  const consent = new ConsentBook(host);
  for (let n = 0; n < CONSENT_HISTORY + 10; n++) consent.give('energy-saver', `purpose-${n}`, 'homeowner:web');
  t.is(consent.history.length, CONSENT_HISTORY);
  t.is(consent.history[0]!.purpose, 'purpose-10');
  t.true(consent.isGiven('energy-saver', 'purpose-0'));
});

test('the RAM contract archive keeps one version per integration', (t) => {
  const archive = memoryContractArchive();
  for (const version of ['1.0.0', '1.1.0', '2.0.0']) archive.save({ ...makeContract(), version });
  t.is(archive.size, 1);
  t.is(archive.load('energy-saver', '2.0.0')?.version, '2.0.0');
  t.is(archive.load('energy-saver', '1.0.0'), undefined);
});

function hubWith(options: { sourceLimits?: { maxDevices: number } } = {}) {
  const host = makeTestHost({ flashBytes: 32 * 4096 });
  return new Hub(
    { hubId: 'home-1', version: '0.1.0', model: 'test', integrations: [], sources: { zigbee2mqtt: {} }, ...options },
    {
      host,
      auditFlash: new MemoryFlash(8 * 4096, 4096),
      archive: memoryContractArchive(),
      transport: (_id, endpoint) => new FakeTransport(endpoint, () => host.clock.monotonic()),
    },
  );
}

test('the hub publishes devices refused beyond its device limit (256 by default) in its state', (t) => {
  const hub = hubWith();
  for (let n = 0; n < 260; n++) hub.acceptMqtt(`zigbee2mqtt/plug ${n}`, utf8('{"power": 5}'));
  const state = hubStateJson(hub.snapshot().hub);
  t.is(state.devices_refused, 4);
  t.is(state.malformed_inputs, 4);
  t.is(state.windows_closed_early, 0);
  t.is(hub.sources.registry.size, 256);
});

test('a board profile sets the device limit through the hub\'s sourceLimits', (t) => {
  const hub = hubWith({ sourceLimits: { maxDevices: 8 } });
  for (let n = 0; n < 10; n++) hub.acceptMqtt(`zigbee2mqtt/plug ${n}`, utf8('{"power": 5}'));
  t.is(hub.sources.registry.size, 8);
  t.is(hub.snapshot().hub.devicesRefused, 2);
});
