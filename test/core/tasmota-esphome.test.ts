import test from 'ava';
import { utf8 } from '../../modules/bytes.js';
import type { Reading } from '../../modules/reading.js';
import { createSourceContext } from '../../modules/sources/context.js';
import { createEsphome } from '../../modules/sources/esphome.js';
import { createTasmota } from '../../modules/sources/tasmota.js';
import { makeTestHost } from '../support/test-host.js';
import { tasmotaSensor, tasmotaState } from '../vectors/mqtt-fixtures.js';

function context(limits = {}) {
  const host = makeTestHost();
  return { host, context: createSourceContext(host.clock, limits) };
}
const byStream = (readings: Reading[]) => Object.fromEntries(readings.map((r) => [r.stream, r.fields]));

test('Tasmota SENSOR: nested sensors flatten to dotted fields, Time is dropped, streams are climate and power', (t) => {
  const { context: ctx } = context();
  const tasmota = createTasmota({}, ctx);
  t.deepEqual(tasmota.subscriptions, ['tele/+/SENSOR', 'tele/+/LWT']);
  const readings = tasmota.handleMessage('tele/kitchen_plug/SENSOR', utf8(tasmotaSensor));
  t.true(readings.every((r) => r.device === 'tasmota:kitchen_plug'));
  const streams = byStream(readings);
  t.deepEqual(streams.climate, { 'AM2301.Temperature': 21.3, 'AM2301.Humidity': 45, 'AM2301.DewPoint': 8.9, TempUnit: 'C' });
  t.deepEqual(Object.keys(streams.power!), [
    'ENERGY.TotalStartTime', 'ENERGY.Total', 'ENERGY.Yesterday', 'ENERGY.Today', 'ENERGY.Period', 'ENERGY.Power',
    'ENERGY.ApparentPower', 'ENERGY.ReactivePower', 'ENERGY.Factor', 'ENERGY.Voltage', 'ENERGY.Current',
  ]);
  t.is(streams.power!['ENERGY.Power'], 43);
  t.false(readings.some((r) => 'Time' in r.fields), 'Time has no zone: not a field');
  t.is(readings[0]!.time.wall, Date.UTC(2026, 0, 1), 'the hub stamps the reading');
});

test('Tasmota Time never becomes the stamp, even when the hub does not know the time', (t) => {
  const { host, context: ctx } = context();
  host.clock.setWallTime(undefined);
  host.clock.advance(1234);
  const readings = createTasmota({}, ctx).handleMessage('tele/kitchen_plug/SENSOR', utf8(tasmotaSensor));
  t.deepEqual(readings[0]!.time, { boot: 1, mono: 1234 });
});

test('Tasmota LWT sets availability; STATE and other prefixes are not readings', (t) => {
  const { context: ctx } = context();
  const tasmota = createTasmota({}, ctx);
  t.deepEqual(tasmota.handleMessage('tele/kitchen_plug/LWT', utf8('Online')), []);
  t.is(ctx.registry.get('tasmota:kitchen_plug')!.available, true);
  tasmota.handleMessage('tele/kitchen_plug/LWT', utf8('Offline'));
  t.is(ctx.registry.get('tasmota:kitchen_plug')!.available, false);
  t.deepEqual(tasmota.handleMessage('tele/kitchen_plug/STATE', utf8(tasmotaState)), []);
  t.false(tasmota.accepts('stat/kitchen_plug/RESULT'));
  t.false(tasmota.accepts('cmnd/kitchen_plug/POWER'));
  t.deepEqual(ctx.counters.of('tasmota'), { received: 3, readings: 0, ignored: 3, dropped: {} });
});

test('Tasmota full-topic layout is configurable', (t) => {
  const { context: ctx } = context();
  const tasmota = createTasmota({ fullTopic: 'home/%topic%/%prefix%/' }, ctx);
  t.deepEqual(tasmota.subscriptions, ['home/+/tele/SENSOR', 'home/+/tele/LWT']);
  t.false(tasmota.accepts('tele/kitchen_plug/SENSOR'));
  const readings = tasmota.handleMessage('home/garage/tele/SENSOR', utf8('{"Time":"2026-01-01T00:00:00","DS18B20":{"Temperature":4.5}}'));
  t.deepEqual(readings.map((r) => [r.device, r.stream, r.fields]), [['tasmota:garage', 'climate', { 'DS18B20.Temperature': 4.5 }]]);
  t.throws(() => createTasmota({ fullTopic: '%topic%/' }, ctx), { message: /%prefix%/ });
});

test('Tasmota bad payloads are counted by reason', (t) => {
  const { context: ctx } = context();
  const tasmota = createTasmota({}, ctx);
  tasmota.handleMessage('tele/x/SENSOR', utf8('{"Time":'));
  tasmota.handleMessage('tele/x/SENSOR', new Uint8Array(70 * 1024));
  tasmota.handleMessage('tele/x/SENSOR', utf8('"text"'));
  tasmota.handleMessage('tele/x/LWT', utf8('Maybe'));
  t.deepEqual(ctx.counters.of('tasmota').dropped, { 'not-json': 1, 'too-large': 1, 'not-object': 1, 'bad-value': 1 });
});

test('ESPHome sensor and binary_sensor states become readings; status is availability', (t) => {
  const { context: ctx } = context();
  const esphome = createEsphome({}, ctx);
  t.deepEqual(esphome.handleMessage('living-room/sensor/living_room_temperature/state', utf8('21.5')).map((r) => [r.device, r.stream, r.fields]), [
    ['esphome:living-room', 'climate', { living_room_temperature: 21.5 }],
  ]);
  t.deepEqual(byStream(esphome.handleMessage('living-room/binary_sensor/hall_motion/state', utf8('ON'))), { motion: { hall_motion: true } });
  t.deepEqual(byStream(esphome.handleMessage('living-room/binary_sensor/back_door/state', utf8('OFF'))), { door: { back_door: false } });
  t.deepEqual(byStream(esphome.handleMessage('living-room/text_sensor/wifi_ssid/state', utf8('home'))), { other: { wifi_ssid: 'home' } });
  esphome.handleMessage('living-room/status', utf8('offline'));
  t.is(ctx.registry.get('esphome:living-room')!.available, false);
  t.deepEqual(ctx.registry.get('esphome:living-room')!.streams, ['climate', 'motion', 'door', 'other']);
});

test('ESPHome "nan", non-numbers and bad binary states are counted and skipped', (t) => {
  const { context: ctx } = context();
  const esphome = createEsphome({}, ctx);
  for (const text of ['nan', 'abc', '', '1e999']) esphome.handleMessage('n/sensor/x/state', utf8(text));
  esphome.handleMessage('n/binary_sensor/y/state', utf8('maybe'));
  esphome.handleMessage('n/sensor/x/state', new Uint8Array([0xc3, 0x28]));
  t.deepEqual(ctx.counters.of('esphome').dropped, { 'not-number': 4, 'bad-value': 1, 'invalid-utf8': 1 });
  t.deepEqual(esphome.handleMessage('n/sensor/x/state', utf8(' -3.25 ')).map((r) => r.fields), [{ x: -3.25 }]);
});

test('ESPHome node prefixes may contain "/" and can be restricted', (t) => {
  const { context: ctx } = context();
  const esphome = createEsphome({ nodes: ['home/esp/attic'] }, ctx);
  t.deepEqual(esphome.subscriptions, ['home/esp/attic/status', 'home/esp/attic/+/+/state']);
  t.is(esphome.handleMessage('home/esp/attic/sensor/attic_humidity/state', utf8('61'))[0]!.device, 'esphome:home/esp/attic');
  t.false(esphome.accepts('other/sensor/x/state'));
  t.false(esphome.accepts('home/esp/attic/light/lamp/state'), 'lights and other components are not sensors');
  t.deepEqual(esphome.handleMessage('other/sensor/x/state', utf8('1')), []);
  t.is(ctx.counters.of('esphome').received, 1);
});
