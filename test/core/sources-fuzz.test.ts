/** Property-based: no decoder throws on arbitrary input, and every reading has the known shape. */
import test from 'ava';
import fc from 'fast-check';
import { jsonValue } from '../support/arbitraries.js';
import { fuzzRuns } from '../support/fuzz.js';
import { utf8 } from '../../modules/bytes.js';
import type { Reading } from '../../modules/reading.js';
import { createBthome } from '../../modules/sources/bthome.js';
import { buildObjectTable } from '../../modules/sources/bthome-objects.js';
import { createSourceContext } from '../../modules/sources/context.js';
import type { MqttDecoder } from '../../modules/sources/decoder.js';
import { createEsphome } from '../../modules/sources/esphome.js';
import { createTasmota } from '../../modules/sources/tasmota.js';
import { createZigbee2Mqtt } from '../../modules/sources/zigbee2mqtt.js';
import { platformCrypto } from '../support/platform.js';
import { makeTestHost } from '../support/test-host.js';

const STREAMS = new Set(['battery', 'leak', 'door', 'motion', 'safety', 'button', 'climate', 'air', 'soil', 'power', 'meter', 'light', 'signal', 'other']);
/** AIRLOCK_FUZZ_RUNS=<n> for a long run (test/support/fuzz.ts). */
const RUNS = fuzzRuns(150);

function wellFormed(reading: Reading, prefix: string): boolean {
  if (typeof reading.device !== 'string' || !reading.device.startsWith(prefix)) return false;
  if (!STREAMS.has(reading.stream)) return false;
  const { time } = reading;
  if (!Number.isFinite(time.boot) || !Number.isFinite(time.mono) || (time.wall !== undefined && !Number.isFinite(time.wall))) return false;
  const names = Object.keys(reading.fields);
  if (names.length === 0) return false;
  return names.every((name) => {
    const value = reading.fields[name];
    return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
  });
}

/** Payloads: random bytes, random JSON, and JSON objects of plausible device fields. */
const payloads = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  jsonValue({ maxDepth: 12 }).map((v) => utf8(JSON.stringify(v))),
  fc
    .dictionary(fc.constantFrom('temperature', 'humidity', 'contact', 'water_leak', 'battery', 'power', 'action', 'x'), jsonValue({ maxDepth: 3 }))
    .map((v) => utf8(JSON.stringify(v))),
  fc.constantFrom('online', 'offline', 'Online', 'ON', 'OFF', 'nan', '21.5', '{"state":"online"}').map(utf8),
);

function fuzzMqtt(t: { true: (v: boolean, m?: string) => void }, make: (ctx: ReturnType<typeof createSourceContext>) => MqttDecoder, prefix: string, topics: fc.Arbitrary<string>) {
  const host = makeTestHost();
  const ctx = createSourceContext(host.clock);
  const decoder = make(ctx);
  fc.assert(
    fc.property(topics, payloads, (topic, payload) => {
      host.clock.advance(1000);
      const readings = decoder.handleMessage(topic, payload);
      return readings.every((r) => wellFormed(r, prefix));
    }),
    { numRuns: RUNS },
  );
  t.true(ctx.counters.of(decoder.source).received > 0, 'the fuzzer reached the decoder');
}

const segment = fc.string({ maxLength: 12 });

test('zigbee2mqtt never throws and emits only well-formed readings', (t) => {
  const topics = fc.oneof(
    fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `zigbee2mqtt/${parts.join('/')}`),
    fc.constantFrom('zigbee2mqtt/bridge/devices', 'zigbee2mqtt/bridge/state', 'zigbee2mqtt/a/availability', 'zigbee2mqtt/a/set', 'zigbee2mqtt/'),
    fc.string(),
  );
  fuzzMqtt(t, (ctx) => createZigbee2Mqtt({}, ctx), 'z2m:', topics);
});

test('Tasmota never throws and emits only well-formed readings', (t) => {
  const topics = fc.oneof(
    fc.tuple(segment, fc.constantFrom('SENSOR', 'LWT', 'STATE', 'x')).map(([topic, suffix]) => `tele/${topic}/${suffix}`),
    fc.string(),
  );
  fuzzMqtt(t, (ctx) => createTasmota({}, ctx), 'tasmota:', topics);
});

test('ESPHome never throws and emits only well-formed readings', (t) => {
  const topics = fc.oneof(
    fc
      .tuple(segment, fc.constantFrom('sensor', 'binary_sensor', 'text_sensor', 'switch', 'light'), segment)
      .map(([node, component, id]) => `${node}/${component}/${id}/state`),
    segment.map((node) => `${node}/status`),
    fc.string(),
  );
  fuzzMqtt(t, (ctx) => createEsphome({}, ctx), 'esphome:', topics);
});

test('BTHome never throws on arbitrary frames, plain or claiming encryption, and emits only well-formed readings', (t) => {
  const host = makeTestHost();
  const ctx = createSourceContext(host.clock, { ratePerSecond: 1000, burst: 1000 });
  const keyed = 'a4:c1:38:8d:18:b2';
  const bthome = createBthome({ keys: { [keyed]: new Uint8Array(16).fill(9) } }, ctx, platformCrypto);
  const ids = buildObjectTable().flatMap((spec) => (spec ? [spec.id] : []));
  // Frames made of real object ids with random value bytes reach deep into the parser.
  const objectFrames = fc
    .tuple(fc.constantFrom(0x40, 0x44, 0x41, 0x42, 0x45), fc.array(fc.tuple(fc.constantFrom(...ids), fc.uint8Array({ maxLength: 5 })), { maxLength: 8 }))
    .map(([info, objects]) => Uint8Array.from([info, ...objects.flatMap(([id, bytes]) => [id, ...bytes])]));
  const macs = fc.oneof(fc.constantFrom(keyed, '54:48:E6:8F:80:A5', '00:11:22:33:44:55'), fc.string({ maxLength: 20 }));
  fc.assert(
    fc.property(macs, fc.oneof(fc.uint8Array({ maxLength: 40 }), objectFrames), fc.option(fc.integer({ min: -120, max: 0 })), (mac, frame, rssi) => {
      host.clock.advance(50);
      return bthome.handleAdvertisement(mac, frame, rssi ?? undefined).every((r) => wellFormed(r, 'bthome:'));
    }),
    { numRuns: RUNS * 2 },
  );
  const counts = ctx.counters.of('bthome');
  t.is(counts.received, RUNS * 2);
  t.true(counts.readings > 0, 'some frames decoded');
});
