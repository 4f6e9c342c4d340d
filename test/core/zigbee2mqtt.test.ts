import test from 'ava';
import { utf8 } from '../../modules/bytes.js';
import type { FieldValue, Reading } from '../../modules/reading.js';
import { createSourceContext } from '../../modules/sources/context.js';
import { createZigbee2Mqtt, type Zigbee2MqttConfig } from '../../modules/sources/zigbee2mqtt.js';
import { makeTestHost } from '../support/test-host.js';
import { z2mBridgeDevices, z2mClimate, z2mDoor, z2mLeak, z2mPlug } from '../vectors/mqtt-fixtures.js';

function setup(config: Zigbee2MqttConfig = {}, limits = {}) {
  const host = makeTestHost();
  const context = createSourceContext(host.clock, limits);
  return { host, context, z2m: createZigbee2Mqtt(config, context) };
}

const streams = (readings: Reading[]) => Object.fromEntries(readings.map((r) => [r.stream, r.fields])) as Record<string, Record<string, FieldValue>>;

test('bridge/devices fills the registry with IEEE address, friendly name, model and vendor (not the coordinator)', (t) => {
  const { z2m, context } = setup();
  t.deepEqual(z2m.handleMessage('zigbee2mqtt/bridge/devices', utf8(z2mBridgeDevices)), []);
  t.deepEqual(
    context.registry.list().map((d) => [d.id, d.name, d.model, d.vendor, d.source]),
    [
      ['z2m:0x00158d0001a2b3c4', 'living room/climate', 'WSDCGQ11LM', 'Aqara', 'zigbee2mqtt'],
      ['z2m:0x00158d000455aabb', 'front door', 'MCCGQ11LM', 'Aqara', 'zigbee2mqtt'],
      ['z2m:0xa4c138ffee001122', 'kitchen/plug', 'TS011F_plug_1', 'Tuya', 'zigbee2mqtt'],
    ],
  );
});

test('a device message (friendly name with "/") becomes one reading per stream under the IEEE id', (t) => {
  const { z2m, context } = setup();
  z2m.handleMessage('zigbee2mqtt/bridge/devices', utf8(z2mBridgeDevices));
  const readings = z2m.handleMessage('zigbee2mqtt/living room/climate', utf8(z2mClimate));
  t.true(readings.every((r) => r.device === 'z2m:0x00158d0001a2b3c4'));
  t.deepEqual(streams(readings), {
    battery: { battery: 100 },
    climate: { humidity: 45.12, pressure: 1002.1, temperature: 21.37 },
    signal: { linkquality: 87 },
    power: { voltage: 3005 },
  });
  t.deepEqual(context.registry.get('z2m:0x00158d0001a2b3c4')!.streams, ['battery', 'climate', 'signal', 'power']);
  const door = z2m.handleMessage('zigbee2mqtt/front door', utf8(z2mDoor));
  t.deepEqual(streams(door).door, { contact: false });
  const leak = z2m.handleMessage('zigbee2mqtt/bathroom leak', utf8(z2mLeak));
  t.deepEqual(streams(leak).leak, { water_leak: true });
  t.deepEqual(streams(leak).battery, { battery: 100, battery_low: false });
  const plugReadings = z2m.handleMessage('zigbee2mqtt/kitchen/plug', utf8(z2mPlug));
  const plug = streams(plugReadings);
  t.is(plug.other!.child_lock, 'UNLOCK', 'a setting is not a door lock');
  t.deepEqual(plug.power, { current: 0.05, energy: 1.23, power: 12.5, power_outage_memory: 'restore', voltage: 231 });
  t.is(plug.other!['update.state'], 'idle', 'nested objects flatten to dotted names');
  t.is(context.counters.of('zigbee2mqtt').readings, readings.length + door.length + leak.length + plugReadings.length);
});

test('a device heard before bridge/devices is keyed by name, then moves to its IEEE id', (t) => {
  const { z2m, context } = setup();
  const early = z2m.handleMessage('zigbee2mqtt/front door', utf8(z2mDoor));
  t.is(early[0]!.device, 'z2m:front door');
  z2m.handleMessage('zigbee2mqtt/bridge/devices', utf8(z2mBridgeDevices));
  t.false(context.registry.has('z2m:front door'));
  t.is(z2m.handleMessage('zigbee2mqtt/front door', utf8(z2mDoor))[0]!.device, 'z2m:0x00158d000455aabb');
});

test('bridge/state is accepted plain and as JSON; other bridge topics are not readings', (t) => {
  const { z2m, context } = setup();
  t.is(z2m.bridgeState(), undefined);
  z2m.handleMessage('zigbee2mqtt/bridge/state', utf8('online'));
  t.is(z2m.bridgeState(), 'online');
  z2m.handleMessage('zigbee2mqtt/bridge/state', utf8('{"state":"offline"}'));
  t.is(z2m.bridgeState(), 'offline');
  z2m.handleMessage('zigbee2mqtt/bridge/state', utf8('{"state":"online"}'));
  t.is(z2m.bridgeState(), 'online');
  z2m.handleMessage('zigbee2mqtt/bridge/state', utf8('sleepy'));
  t.is(z2m.bridgeState(), 'online');
  t.is(context.counters.droppedFor('zigbee2mqtt', 'bad-value'), 1);
  for (const sub of ['info', 'logging', 'event', 'groups', 'extensions', 'definitions', 'response/device/rename']) {
    t.deepEqual(z2m.handleMessage(`zigbee2mqtt/bridge/${sub}`, utf8('{"temperature":20}')), [], sub);
  }
  t.is(context.registry.size, 0);
});

test('set/get commands are skipped and availability updates the registry', (t) => {
  const { z2m, context } = setup();
  z2m.handleMessage('zigbee2mqtt/bridge/devices', utf8(z2mBridgeDevices));
  for (const topic of ['zigbee2mqtt/kitchen/plug/set', 'zigbee2mqtt/kitchen/plug/get', 'zigbee2mqtt/kitchen/plug/set/state']) {
    t.deepEqual(z2m.handleMessage(topic, utf8('{"state":"ON","power":1}')), [], topic);
  }
  z2m.handleMessage('zigbee2mqtt/kitchen/plug/availability', utf8('{"state":"offline"}'));
  t.is(context.registry.get('z2m:0xa4c138ffee001122')!.available, false);
  z2m.handleMessage('zigbee2mqtt/kitchen/plug/availability', utf8('online'));
  t.is(context.registry.get('z2m:0xa4c138ffee001122')!.available, true);
  t.is(context.counters.of('zigbee2mqtt').readings, 0);
});

test('attribute output mode: one value per topic for known devices', (t) => {
  const { z2m } = setup();
  z2m.handleMessage('zigbee2mqtt/bridge/devices', utf8(z2mBridgeDevices));
  const readings = z2m.handleMessage('zigbee2mqtt/living room/climate/temperature', utf8('21.5'));
  t.deepEqual(readings.map((r) => [r.device, r.stream, r.fields]), [['z2m:0x00158d0001a2b3c4', 'climate', { temperature: 21.5 }]]);
  t.deepEqual(streams(z2m.handleMessage('zigbee2mqtt/front door/contact', utf8('true'))).door, { contact: true });
});

test('the base topic is configurable and foreign topics are left alone, uncounted', (t) => {
  const { z2m, context } = setup({ baseTopic: 'home/zigbee' });
  t.deepEqual(z2m.subscriptions, ['home/zigbee/#']);
  t.false(z2m.accepts('zigbee2mqtt/front door'));
  t.deepEqual(z2m.handleMessage('zigbee2mqtt/front door', utf8(z2mDoor)), []);
  t.is(context.counters.of('zigbee2mqtt').received, 0);
  t.is(z2m.handleMessage('home/zigbee/front door', utf8(z2mDoor))[0]!.device, 'z2m:front door');
  t.throws(() => createZigbee2Mqtt({ baseTopic: 'z2m/#' }, context), { message: /baseTopic/ });
});

test('bad payloads are counted by reason and skipped', (t) => {
  const { z2m, context } = setup({}, { maxFields: 10 });
  const cases: [Uint8Array, string][] = [
    [utf8('not json'), 'not-json'],
    [new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'invalid-utf8'],
    [new Uint8Array(1024 * 1024).fill(0x20), 'too-large'],
    [utf8('['.repeat(5000) + ']'.repeat(5000)), 'too-deep'],
    [utf8('{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}}'), 'too-deep'],
    [utf8('[1,2,3]'), 'not-object'],
    [utf8('42'), 'not-object'],
    [utf8(JSON.stringify(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, i])))), 'too-many-fields'],
  ];
  for (const [payload, reason] of cases) {
    t.deepEqual(z2m.handleMessage('zigbee2mqtt/front door', payload), [], reason);
  }
  const dropped = context.counters.of('zigbee2mqtt').dropped;
  t.deepEqual(dropped, { 'not-json': 1, 'invalid-utf8': 1, 'too-large': 1, 'too-deep': 2, 'not-object': 2, 'too-many-fields': 1 });
  t.deepEqual(z2m.handleMessage('zigbee2mqtt/', utf8('{}')), []);
  t.is(context.counters.droppedFor('zigbee2mqtt', 'bad-topic'), 1);
});

test('a flooding device is rate-limited while the others keep reporting', (t) => {
  const { z2m, context, host } = setup({}, { ratePerSecond: 1, burst: 3 });
  let noisy = 0;
  let quiet = 0;
  for (let i = 0; i < 50; i++) {
    noisy += z2m.handleMessage('zigbee2mqtt/noisy', utf8('{"temperature":1}')).length;
    if (i % 20 === 0) quiet += z2m.handleMessage('zigbee2mqtt/quiet', utf8('{"temperature":2}')).length;
    host.clock.advance(20);
  }
  t.is(noisy, 3);
  t.is(quiet, 3, 'the quiet device loses nothing');
  t.is(context.counters.droppedFor('zigbee2mqtt', 'rate-limited'), 47);
});

test('the registry refuses new devices beyond its size, counted', (t) => {
  const { z2m, context } = setup({}, { maxDevices: 2 });
  for (const name of ['a', 'b', 'c']) z2m.handleMessage(`zigbee2mqtt/${name}`, utf8('{"temperature":1}'));
  t.is(context.registry.size, 2);
  t.is(context.counters.droppedFor('zigbee2mqtt', 'too-many-devices'), 1);
});
