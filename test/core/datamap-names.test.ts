// Naming devices from the page (POST /api/devices/name) over the real hub:
// kept in the store, shown in the data map, audited, bounded, and refused
// with the reason for zigbee2mqtt devices, unknown ones and bad names.
import test from 'ava';
import { DeviceNames, MAX_DEVICE_NAME_LENGTH, MAX_NAMED_DEVICES, MAX_NAMES_BYTES } from '../../modules/sources/device-names.js';
import type { DataMapView } from '../../modules/web/facade/data-map.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { createHubFacade } from '../../modules/hub/facade/hub-facade.js';
import { Hub } from '../../modules/hub/hub.js';
import { homeContracts, tasmotaTopic, zigbeeName } from '../support/home-fixture.js';
import { makeHubWebRig, memoryArchive } from '../support/hub-web-rig.js';
import { makeTestHost } from '../support/test-host.js';
import { OWNER_PASSWORD } from '../support/web-client.js';

const PLUG_1 = `tasmota:${tasmotaTopic(0)}`;

test('the owner names a Tasmota plug: the data map shows the name, the store keeps it, the audit log says who', async (t) => {
  const r = makeHubWebRig(homeContracts(), {}, { home: 50 });
  const { owner } = await r.setUpOwner();
  const before = (await owner.get('/api/datamap')).json as DataMapView;
  t.like(before.devices.find((d) => d.id === PLUG_1), { title: 'Tasmota plug_1', named: 'none', nameable: true });
  t.like(before.devices.find((d) => d.id === 'bthome:a4:c1:38:8d:10:00'), { title: 'BTHome sensor A4:C1:38:8D:10:00', nameable: true });
  t.like(before.devices.find((d) => d.title === zigbeeName(0)), { named: 'gateway', nameable: false });

  const named = await owner.post('/api/devices/name', { device: PLUG_1, name: '  Office desk plug ' });
  t.is(named.status, 200, named.text);
  t.deepEqual(named.json, { id: PLUG_1, title: 'Office desk plug', source: 'tasmota', named: 'owner', nameable: true });
  const after = (await owner.get('/api/datamap')).json as DataMapView;
  const index = after.devices.findIndex((d) => d.id === PLUG_1);
  t.is(after.devices[index]!.title, 'Office desk plug');
  const power = after.companies[0]!.purposes[0]!.kinds.find((k) => k.field === 'power')!;
  t.true(power.devices.includes(index), 'the named plug is among the power senders');
  t.deepEqual(new DeviceNames({ store: r.host.store }).list(), [[PLUG_1, 'Office desk plug']], 'kept in the store (survives a restart)');
  const entry = r.hub.audit.entries((e) => e.action === 'config.changed' && e.details.event === 'device.named').at(-1)!;
  t.is(entry.actor, 'owner:owner');
  t.like(entry.details, { device: PLUG_1, name: 'Office desk plug', previous: null });
  t.truthy((await owner.get('/api/audit')).json.entries.find((e: { text: string }) => e.text === `Device ${PLUG_1} named "Office desk plug".`));

  const cleared = await owner.post('/api/devices/name', { device: PLUG_1, name: '' });
  t.like(cleared.json, { title: 'Tasmota plug_1', named: 'none' });
  t.deepEqual(new DeviceNames({ store: r.host.store }).list(), []);
  t.is(r.hub.audit.entries((e) => e.details.event === 'device.named').length, 2);
  const again = r.hub.audit.head().seq;
  await owner.post('/api/devices/name', { device: PLUG_1, name: '' });
  t.is(r.hub.audit.head().seq, again, 'clearing what is clear changes and writes nothing');
  await r.close();
});

test('after a restart a named device is listed by its name before it reports again, and its name can be cleared', async (t) => {
  const r = makeHubWebRig(homeContracts(), {}, { home: 50 });
  const { owner } = await r.setUpOwner();
  t.is((await owner.post('/api/devices/name', { device: PLUG_1, name: 'Office desk plug' })).status, 200);
  await r.close();
  // The same store, a new hub that has heard of no device yet.
  const hub = new Hub(
    { hubId: 'home-1', version: '0.1.0', model: 'test', integrations: [], sources: {} },
    { host: r.host, auditFlash: new MemoryFlash(8 * 4096, 4096), archive: memoryArchive(), transport: () => { throw new Error('no integrations'); } },
  );
  hub.start();
  const facade = createHubFacade(hub, { clock: r.host.clock, timers: r.host.timers });
  t.deepEqual(facade.dataMap().devices, [{ id: PLUG_1, title: 'Office desk plug', source: 'tasmota', named: 'owner', nameable: true }]);
  t.like(facade.nameDevice(PLUG_1, '', { name: 'owner', role: 'owner' }), { title: 'Tasmota plug_1', named: 'none' });
  t.deepEqual(facade.dataMap().devices, [], 'a device neither heard of nor named is not listed');
  facade.stop();
  await hub.stop();
});

test('naming is refused with the reason, and nothing changes: zigbee2mqtt devices, unknown devices, bad names, members', async (t) => {
  const r = makeHubWebRig(homeContracts(), {}, { home: 50 });
  const { owner, secret } = await r.setUpOwner();
  const map = (await owner.get('/api/datamap')).json as DataMapView;
  const zigbee = map.devices.find((d) => d.source === 'zigbee2mqtt' && d.title === zigbeeName(3))!;
  const head = r.hub.audit.head().seq;
  const refusals: [unknown, number, string, RegExp][] = [
    [{ device: zigbee.id, name: 'Hall sensor' }, 409, 'not-nameable', /Rename it in zigbee2mqtt/],
    [{ device: 'tasmota:nobody', name: 'Ghost' }, 404, 'no-such-device', /has not heard of a device "tasmota:nobody"/],
    [{ device: PLUG_1, name: 'x'.repeat(MAX_DEVICE_NAME_LENGTH + 1) }, 400, 'bad-device-name', /at most 32 characters/],
    [{ device: PLUG_1, name: 'two\nlines' }, 400, 'bad-device-name', /control characters or line breaks/],
    [{ device: PLUG_1, name: 7 }, 400, 'bad-device-name', /"name" must be text/],
    [{ device: '', name: 'Plug' }, 400, 'bad-device-name', /"device" is required/],
    [{ name: 'Plug' }, 400, 'bad-device-name', /"device" is required/],
  ];
  for (const [body, status, code, reason] of refusals) {
    const reply = await owner.post('/api/devices/name', body);
    t.is(reply.status, status, JSON.stringify(body));
    t.is(reply.json.error, code);
    t.regex(reply.json.message, reason);
    t.regex(reply.json.message, /[Nn]othing was changed/);
  }
  t.is(r.hub.audit.head().seq, head, 'no refusal reached the audit log as a change');
  t.deepEqual(new DeviceNames({ store: r.host.store }).list(), []);

  const join = async (name: string, role: 'member' | 'installer') => {
    const invited = await owner.post('/api/users/invite', { name, role });
    const b = r.browser();
    const started = await b.post('/api/setup/start', { code: invited.json.code });
    const finished = await b.post('/api/setup/finish', { code: invited.json.code, password: OWNER_PASSWORD, totp: r.code(started.json.secret) });
    t.is(finished.status, 200, finished.text);
    r.host.clock.advance(30_000);
    return b;
  };
  t.truthy(secret);
  const member = await join('mia', 'member');
  const forbidden = await member.post('/api/devices/name', { device: PLUG_1, name: 'Mine' });
  t.is(forbidden.status, 403, 'a member sees the data map but does not name devices');
  const installer = await join('ines', 'installer');
  const byInstaller = await installer.post('/api/devices/name', { device: PLUG_1, name: 'Heat pump plug' });
  t.is(byInstaller.status, 200, 'the installer who sets the devices up may name them');
  t.is(r.hub.audit.entries((e) => e.details.event === 'device.named').at(-1)!.actor, 'installer:ines');
  await r.close();
});

test('the names are bounded in count and in bytes, and a corrupt stored value loses no more than itself', (t) => {
  const host = makeTestHost();
  const names = new DeviceNames({ store: host.store });
  for (let n = 0; n < MAX_NAMED_DEVICES; n++) t.true(names.give(`esphome:node-${n}`, 'esphome', `Node ${n}`).ok);
  const full = names.give('esphome:one-more', 'esphome', 'One more');
  t.like(full, { ok: false, code: 'too-many-names' });
  t.true(names.give('esphome:node-3', 'esphome', 'Renamed').ok, 'renaming needs no new room');
  t.is(names.get('esphome:node-3'), 'Renamed');
  t.is(names.list()[3]![0], 'esphome:node-3', 'a rename keeps the place');
  t.true(names.give('esphome:node-4', 'esphome', '').ok);
  t.is(names.list().length, MAX_NAMED_DEVICES - 1);

  const wide = new DeviceNames({ store: makeTestHost().store });
  let refused;
  for (let n = 0; n < MAX_NAMED_DEVICES && !refused; n++) {
    const outcome = wide.give(`bthome:${'ab:'.repeat(15)}${n}`, 'bthome', 'é'.repeat(MAX_DEVICE_NAME_LENGTH));
    if (!outcome.ok) refused = outcome;
  }
  t.like(refused, { ok: false, code: 'no-room' });
  t.true(JSON.stringify(wide.list()).length <= MAX_NAMES_BYTES);

  host.store.set('devnames', 'names', '{not json');
  t.deepEqual(names.list(), []);
  t.true(names.give('tasmota:a', 'tasmota', 'A').ok, 'a corrupt value is replaced by the next name');
  t.like(names.give('z2m:0x1', 'zigbee2mqtt', 'B'), { ok: false, code: 'not-nameable' });
});
