import test from 'ava';
import { utf8 } from '../../modules/bytes.js';
import { createSourceContext } from '../../modules/sources/context.js';
import { streamOf } from '../../modules/sources/fields.js';
import { decodeJson, FloodGate, jsonDepth, resolveLimits } from '../../modules/sources/limits.js';
import { DeviceRegistry } from '../../modules/sources/registry.js';
import { makeTestHost } from '../support/test-host.js';

test('jsonDepth counts nesting outside strings and stops early past the limit', (t) => {
  t.is(jsonDepth('{"a":[1,{"b":2}]}', 10), 3);
  t.is(jsonDepth('{"a":"[[[[{{{{"}', 10), 1, 'brackets inside strings do not count');
  t.is(jsonDepth('{"a":"\\"[[["}', 10), 1, 'escaped quotes do not end the string');
  t.is(jsonDepth('['.repeat(100000), 8), 9);
});

test('decodeJson names the reason: too-large, invalid-utf8, too-deep, not-json', (t) => {
  t.deepEqual(decodeJson(utf8('{"a":1}'), 100, 4), { ok: true, value: { a: 1 } });
  t.deepEqual(decodeJson(utf8('{"a":1}'), 3, 4), { ok: false, reason: 'too-large' });
  t.deepEqual(decodeJson(new Uint8Array([0x22, 0xc0, 0x22]), 100, 4), { ok: false, reason: 'invalid-utf8' });
  t.deepEqual(decodeJson(utf8('[[[[[1]]]]]'), 100, 4), { ok: false, reason: 'too-deep' });
  t.deepEqual(decodeJson(utf8('{a:1}'), 100, 4), { ok: false, reason: 'not-json' });
});

test('the flood gate refills at its rate up to its burst, per key', (t) => {
  const host = makeTestHost();
  const gate = new FloodGate(host.clock, { ratePerSecond: 2, burst: 3 });
  t.deepEqual([1, 2, 3, 4].map(() => gate.admit('a')), [true, true, true, false]);
  t.true(gate.admit('b'), 'another device has its own bucket');
  host.clock.advance(500);
  t.deepEqual([gate.admit('a'), gate.admit('a')], [true, false]);
  host.clock.advance(10_000);
  t.deepEqual([1, 2, 3, 4].map(() => gate.admit('a')), [true, true, true, false], 'never more than the burst');
});

test('the flood gate forgets the least recently heard device when it tracks too many', (t) => {
  const host = makeTestHost();
  const gate = new FloodGate(host.clock, { ratePerSecond: 1, burst: 1, maxTracked: 2 });
  t.true(gate.admit('a'));
  t.true(gate.admit('b'));
  t.false(gate.admit('a'));
  t.true(gate.admit('c')); // evicts b, the least recently heard
  t.true(gate.admit('b'), 'b starts again with a full bucket');
});

test('limits are validated with the field named', (t) => {
  t.is(resolveLimits({ burst: 7 }).burst, 7);
  t.is(resolveLimits().maxPayloadBytes, 64 * 1024);
  t.throws(() => resolveLimits({ ratePerSecond: 0 }), { message: /ratePerSecond/ });
  t.throws(() => createSourceContext(makeTestHost().clock, { maxDepth: Number.NaN }), { message: /maxDepth/ });
});

test('fields map to streams by the words of their names (and value, where a word is ambiguous)', (t) => {
  const cases: [string, string | number | boolean, string][] = [
    ['temperature', 21, 'climate'],
    ['AM2301.Humidity', 40, 'climate'],
    ['pressure', 1000, 'climate'],
    ['ENERGY.Power', 12, 'power'],
    ['energy', 1.2, 'power'],
    ['voltage', 230, 'power'],
    ['current', 0.1, 'power'],
    ['contact', false, 'door'],
    ['back_door', true, 'door'],
    ['occupancy', true, 'motion'],
    ['hall_motion', true, 'motion'],
    ['water_leak', true, 'leak'],
    ['moisture_detected', true, 'leak'],
    ['moisture', 31.5, 'soil'],
    ['battery', 90, 'battery'],
    ['battery_voltage', 3.1, 'battery'],
    ['co2', 800, 'air'],
    ['pm25', 4, 'air'],
    ['illuminance_lux', 20, 'light'],
    ['linkquality', 80, 'signal'],
    ['action', 'single', 'button'],
    ['smoke', false, 'safety'],
    ['gas', 12.5, 'meter'],
    ['gas_detected', true, 'safety'],
    ['child_lock', 'UNLOCK', 'other'],
    ['lock_state', 'locked', 'door'],
    ['state', 'ON', 'other'],
  ];
  for (const [name, value, stream] of cases) t.is(streamOf(name, value), stream, name);
});

test('the registry merges what it learns and refuses new devices when full', (t) => {
  const registry = new DeviceRegistry({ maxDevices: 1 });
  t.true(registry.upsert('z2m:1', 'zigbee2mqtt', { name: 'lamp', streams: ['power'] }));
  const version = registry.version;
  t.true(registry.upsert('z2m:1', 'zigbee2mqtt', { streams: ['power'] }));
  t.is(registry.version, version, 'nothing new, no change');
  t.true(registry.upsert('z2m:1', 'zigbee2mqtt', { model: 'X', available: false, streams: ['signal'] }));
  t.deepEqual(registry.get('z2m:1'), { id: 'z2m:1', source: 'zigbee2mqtt', name: 'lamp', model: 'X', available: false, streams: ['power', 'signal'] });
  t.false(registry.upsert('z2m:2', 'zigbee2mqtt'));
  const copy = registry.get('z2m:1')!;
  copy.streams.push('mutated');
  t.deepEqual(registry.get('z2m:1')!.streams, ['power', 'signal'], 'callers get copies');
  t.true(registry.remove('z2m:1'));
  t.is(registry.size, 0);
});
