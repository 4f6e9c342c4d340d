/** The MQTT transport against a real broker (aedes, in-process, random loopback port) and a real client publishing. */
import test from 'ava';
import { Aedes } from 'aedes';
import { connectAsync } from 'mqtt';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { ManualClock } from '../../hosts/sim/manual-time.js';
import { startMqttSource } from '../../hosts/node/mqtt-source.js';
import type { Logger } from '../../modules/host.js';
import type { Reading } from '../../modules/reading.js';
import { createSourceContext } from '../../modules/sources/context.js';
import { createEsphome } from '../../modules/sources/esphome.js';
import { createTasmota } from '../../modules/sources/tasmota.js';
import { createZigbee2Mqtt } from '../../modules/sources/zigbee2mqtt.js';
import { tasmotaSensor, z2mBridgeDevices, z2mClimate } from '../vectors/mqtt-fixtures.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

async function startBroker(): Promise<{ url: string; close: () => Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle as (socket: unknown) => void);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting for readings');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('readings arrive from zigbee2mqtt, Tasmota and ESPHome messages published to the broker', async (t) => {
  const broker = await startBroker();
  const context = createSourceContext(new ManualClock());
  const z2m = createZigbee2Mqtt({}, context);
  const readings: Reading[] = [];
  const publisher = await connectAsync(broker.url);
  // Retained, as zigbee2mqtt publishes it: the source learns the registry on subscribe.
  await publisher.publishAsync('zigbee2mqtt/bridge/devices', z2mBridgeDevices, { retain: true, qos: 1 });
  const source = await startMqttSource({
    url: broker.url,
    decoders: [z2m, createTasmota({}, context), createEsphome({ nodes: ['attic'] }, context)],
    onReadings: (batch) => readings.push(...batch),
    log: quiet,
  });
  try {
    await until(() => context.registry.size === 3);
    await publisher.publishAsync('zigbee2mqtt/bridge/state', '{"state":"online"}');
    await publisher.publishAsync('zigbee2mqtt/living room/climate', z2mClimate);
    await publisher.publishAsync('zigbee2mqtt/living room/climate/set', '{"temperature":5}');
    await publisher.publishAsync('tele/kitchen_plug/SENSOR', tasmotaSensor);
    await publisher.publishAsync('tele/kitchen_plug/LWT', 'Online');
    await publisher.publishAsync('attic/sensor/attic_humidity/state', '61.5');
    await publisher.publishAsync('attic/status', 'online');
    await publisher.publishAsync('zigbee2mqtt/living room/climate', 'not json');
    await until(() => readings.some((r) => r.device === 'esphome:attic') && context.registry.get('esphome:attic')?.available === true);
    t.is(z2m.bridgeState(), 'online');
    const seen = readings.map((r) => `${r.device} ${r.stream}`);
    t.deepEqual(seen, [
      'z2m:0x00158d0001a2b3c4 battery',
      'z2m:0x00158d0001a2b3c4 climate',
      'z2m:0x00158d0001a2b3c4 signal',
      'z2m:0x00158d0001a2b3c4 power',
      'tasmota:kitchen_plug climate',
      'tasmota:kitchen_plug power',
      'esphome:attic climate',
    ]);
    t.deepEqual(readings[1]!.fields, { humidity: 45.12, pressure: 1002.1, temperature: 21.37 });
    t.is(context.registry.get('tasmota:kitchen_plug')!.available, true);
    await until(() => context.counters.droppedFor('zigbee2mqtt', 'not-json') === 1);
    t.pass();
  } finally {
    await publisher.endAsync();
    await source.stop();
    await broker.close();
  }
});

test('with a client id the session is persistent: readings published at QoS 1 while the source is stopped arrive when it starts again', async (t) => {
  const broker = await startBroker();
  const context = createSourceContext(new ManualClock());
  const z2m = createZigbee2Mqtt({}, context);
  const readings: Reading[] = [];
  const publisher = await connectAsync(broker.url);
  const start = () => startMqttSource({ url: broker.url, decoders: [z2m], onReadings: (batch) => readings.push(...batch), log: quiet, client: { clientId: 'airlock-test-sources' } });
  let source = await start();
  try {
    await source.stop();
    // Two devices (the flood gate is per device), one reading each, while nobody is subscribed.
    await publisher.publishAsync('zigbee2mqtt/porch plug', JSON.stringify({ power: 11 }), { qos: 1 });
    await publisher.publishAsync('zigbee2mqtt/garage plug', JSON.stringify({ power: 22 }), { qos: 1 });
    source = await start();
    await until(() => readings.length >= 2);
    t.deepEqual(readings.map((r) => r.fields.power).sort(), [11, 22]);
  } finally {
    await publisher.endAsync();
    await source.stop();
    await broker.close();
  }
});
