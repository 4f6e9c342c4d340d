import test from 'ava';
import { fromHex } from '../../modules/bytes.js';
import type { FieldValue, Reading } from '../../modules/reading.js';
import { createBthome, normalizeMac, parseFlags } from '../../modules/sources/bthome.js';
import { buildObjectTable } from '../../modules/sources/bthome-objects.js';
import { createSourceContext } from '../../modules/sources/context.js';
import { buildBthomeFrame } from '../../hosts/sim/bthome-frames.js';
import { platformCrypto, platformName } from '../support/platform.js';
import { makeTestHost } from '../support/test-host.js';
import { BTHOME_KEY, BTHOME_MAC, encryptedVectors as enc, plainVectors, shellyButton, WRONG_KEY } from '../vectors/bthome.js';

const TEST_MAC = 'A4:C1:38:8D:18:B2';

function setup(config: Parameters<typeof createBthome>[0] = {}, limits = {}) {
  const host = makeTestHost();
  const context = createSourceContext(host.clock, limits);
  return { host, context, decoder: createBthome(config, context, platformCrypto) };
}

function fieldsOf(readings: Reading[]): Record<string, FieldValue> {
  return Object.assign({}, ...readings.map((r) => r.fields));
}

test(`every bthome-ble plain vector decodes to its published values on ${platformName}`, (t) => {
  for (const v of plainVectors) {
    const { decoder, context } = setup();
    const readings = decoder.handleAdvertisement(TEST_MAC, fromHex(v.frame), -60);
    t.deepEqual(fieldsOf(readings), v.fields, v.test);
    t.deepEqual(context.counters.of('bthome').dropped, {}, v.test);
    for (const r of readings) t.is(r.device, 'bthome:a4:c1:38:8d:18:b2');
  }
});

test('readings are split into streams and the device is registered with them', (t) => {
  const { decoder, context } = setup();
  const readings = decoder.handleAdvertisement(TEST_MAC, fromHex('400009015d025d0903b718'));
  t.deepEqual(
    readings.map((r) => [r.stream, r.fields]),
    [
      ['battery', { battery: 93 }],
      ['climate', { temperature: 23.97, humidity: 63.27 }],
    ],
  );
  t.deepEqual(context.registry.get('bthome:a4:c1:38:8d:18:b2'), { id: 'bthome:a4:c1:38:8d:18:b2', source: 'bthome', streams: ['battery', 'climate'] });
  t.is(readings[0]!.time.wall, Date.UTC(2026, 0, 1));
});

test('the device-info byte: encryption, MAC-included and trigger flags, version 2 only', (t) => {
  t.deepEqual(parseFlags(0x40), { encrypted: false, macIncluded: false, triggerBased: false, version: 2 });
  t.deepEqual(parseFlags(0x45), { encrypted: true, macIncluded: false, triggerBased: true, version: 2 });
  t.deepEqual(parseFlags(0x43), { encrypted: true, macIncluded: true, triggerBased: false, version: 2 });
  const { decoder, context } = setup();
  t.deepEqual(fieldsOf(setup().decoder.handleAdvertisement(TEST_MAC, fromHex('4404138a01'))), { pressure: 1008.83 }, 'trigger-based frames decode');
  t.deepEqual(decoder.handleAdvertisement(TEST_MAC, fromHex('e102000c0404138a01')), []); // test_has_incorrect_version
  t.deepEqual(decoder.handleAdvertisement(TEST_MAC, fromHex('00')), []); // test_incorrect_bthome_version
  t.is(context.counters.droppedFor('bthome', 'bad-version'), 2);
});

test('a MAC written in the frame names the device (test_bthome_with_mac)', (t) => {
  const { decoder } = setup();
  const readings = decoder.handleAdvertisement('11:22:33:44:55:66', fromHex('42b2188d38c1a404138a01'));
  t.deepEqual(fieldsOf(readings), { pressure: 1008.83 });
  t.is(readings[0]!.device, 'bthome:a4:c1:38:8d:18:b2');
});

test('unknown object ids and truncated objects end the frame, keep what came before, and are counted', (t) => {
  const { decoder, context } = setup();
  t.deepEqual(decoder.handleAdvertisement(TEST_MAC, fromHex('40feca09')), []); // test_bthome_wrong_object_id
  t.deepEqual(fieldsOf(decoder.handleAdvertisement(TEST_MAC, fromHex('40015dfe5d0903b718'))), { battery: 93 });
  t.deepEqual(fieldsOf(decoder.handleAdvertisement(TEST_MAC, fromHex('4002ca0903bf'))), { temperature: 25.06 });
  t.deepEqual(decoder.handleAdvertisement(TEST_MAC, fromHex('4053')), [], 'text without its length byte');
  t.deepEqual(decoder.handleAdvertisement(TEST_MAC, new Uint8Array(0)), []);
  t.is(context.counters.droppedFor('bthome', 'unknown-object-id'), 2);
  t.is(context.counters.droppedFor('bthome', 'truncated'), 3);
});

test('invalid text and unknown button events are counted and skipped (test_bthome_text_invalid, _invalid_button_event)', (t) => {
  const { decoder, context } = setup();
  t.deepEqual(decoder.handleAdvertisement(TEST_MAC, fromHex('44530187')), []);
  t.deepEqual(decoder.handleAdvertisement(TEST_MAC, fromHex('403afe')), []);
  t.is(context.counters.droppedFor('bthome', 'invalid-utf8'), 1);
  t.is(context.counters.droppedFor('bthome', 'bad-value'), 1);
});

test('malformed MAC addresses are counted, common spellings accepted', (t) => {
  t.is(normalizeMac('A4-C1-38-8D-18-B2'), 'a4:c1:38:8d:18:b2');
  t.is(normalizeMac('a4c1388d18b2'), 'a4:c1:38:8d:18:b2');
  t.is(normalizeMac('a4:c1:38:8d:18'), undefined);
  const { decoder, context } = setup();
  t.deepEqual(decoder.handleAdvertisement('not a mac', fromHex('4004138a01')), []);
  t.is(context.counters.droppedFor('bthome', 'bad-mac'), 1);
});

test('every object id of the table decodes from a simulated frame (round trip through the simulator)', (t) => {
  const table = buildObjectTable();
  let checked = 0;
  for (const spec of table) {
    if (!spec || spec.kind === 'packet' || spec.kind === 'info') continue;
    const value =
      spec.kind === 'binary' ? true
      : spec.kind === 'button' ? 'double_press'
      : spec.kind === 'dimmer' ? 'rotate_right'
      : spec.kind === 'text' ? 'hi'
      : spec.kind === 'raw' ? 'beef'
      : spec.signed ? -(spec.multiplier ? 3.5 : 2) : spec.multiplier ? 3.5 : 1;
    const { decoder, context } = setup();
    const fields = fieldsOf(decoder.handleAdvertisement(TEST_MAC, buildBthomeFrame({ objects: [[spec.id, value, 4]] })));
    t.is(fields[spec.name], value, `0x${spec.id.toString(16)} ${spec.name}`);
    t.deepEqual(context.counters.of('bthome').dropped, {});
    checked++;
  }
  t.is(checked, 89, 'every sensor, binary-sensor and event object of the table');
});

test(`encrypted frames from bthome-ble decrypt with the device key on ${platformName}`, (t) => {
  const { decoder } = setup({ keys: { [BTHOME_MAC]: BTHOME_KEY } });
  t.deepEqual(fieldsOf(decoder.handleAdvertisement(BTHOME_MAC, fromHex(enc.climate))), { temperature: 25.06, humidity: 50.55 });
  t.is(decoder.encryptionCounter(BTHOME_MAC), 0x33221100);
  const motion = setup({ keys: { [BTHOME_MAC]: BTHOME_KEY } }).decoder.handleAdvertisement(BTHOME_MAC, fromHex(enc.motion));
  t.deepEqual(motion.map((r) => [r.stream, r.fields]), [['motion', { motion: true }]]);
  const withMac = setup({ keys: { [BTHOME_MAC]: BTHOME_KEY } }).decoder.handleAdvertisement('01:02:03:04:05:06', fromHex(enc.climateWithMac));
  t.deepEqual(fieldsOf(withMac), { temperature: 25.06, humidity: 50.55 });
  const shelly = setup({ keys: { [shellyButton.mac]: shellyButton.key } });
  const pressed = shelly.decoder.handleAdvertisement(shellyButton.mac, fromHex(shellyButton.frame));
  t.is(shelly.context.counters.droppedFor('bthome', 'bad-mic'), 0);
  t.true(pressed.some((r) => r.stream === 'button'));
  t.is(shelly.decoder.encryptionCounter(shellyButton.mac), 0x1ba);
});

test('a wrong key, a missing key and a short frame are counted, never decoded', (t) => {
  const { decoder, context } = setup({ keys: { [TEST_MAC]: WRONG_KEY } });
  t.deepEqual(decoder.handleAdvertisement(TEST_MAC, fromHex(enc.otherDevice)), []);
  t.is(context.counters.droppedFor('bthome', 'bad-mic'), 1);
  t.is(decoder.encryptionCounter(TEST_MAC), undefined, 'a frame that fails its MIC does not move the counter');
  const keyless = setup();
  t.deepEqual(keyless.decoder.handleAdvertisement(TEST_MAC, fromHex(enc.otherDevice)), []);
  t.is(keyless.context.counters.droppedFor('bthome', 'no-key'), 1);
  const short = setup({ keys: { [BTHOME_MAC]: BTHOME_KEY } });
  t.deepEqual(short.decoder.handleAdvertisement(BTHOME_MAC, fromHex(enc.tooShort)), []);
  t.is(short.context.counters.droppedFor('bthome', 'truncated'), 1);
});

test('a changed byte anywhere in an encrypted frame fails its MIC', (t) => {
  const frame = fromHex(enc.climate);
  for (let at = 1; at < frame.length; at++) {
    if (at >= frame.length - 8 && at < frame.length - 4) continue; // counter bytes: covered by the nonce, tested below
    const { decoder, context } = setup({ keys: { [BTHOME_MAC]: BTHOME_KEY } });
    const changed = frame.slice();
    changed[at]! ^= 0x20;
    t.deepEqual(decoder.handleAdvertisement(BTHOME_MAC, changed), [], `byte ${at}`);
    t.is(context.counters.droppedFor('bthome', 'bad-mic'), 1, `byte ${at}`);
  }
  const { decoder, context } = setup({ keys: { [BTHOME_MAC]: BTHOME_KEY } });
  const counterChanged = frame.slice();
  counterChanged[frame.length - 5]! ^= 0x01;
  t.deepEqual(decoder.handleAdvertisement(BTHOME_MAC, counterChanged), []);
  t.is(context.counters.droppedFor('bthome', 'bad-mic'), 1);
});

test('the encryption counter must grow: same and older counters are replays', (t) => {
  const { decoder, context } = setup({ keys: { [BTHOME_MAC]: BTHOME_KEY } });
  t.is(decoder.handleAdvertisement(BTHOME_MAC, fromHex(enc.counter112233)).length > 0, true);
  t.deepEqual(decoder.handleAdvertisement(BTHOME_MAC, fromHex(enc.counter112233)), [], 'test_same_encryption_counter');
  t.deepEqual(decoder.handleAdvertisement(BTHOME_MAC, fromHex(enc.counter112232)), [], 'test_decreasing_encryption_counter');
  t.is(context.counters.droppedFor('bthome', 'replayed'), 2);
  t.true(decoder.handleAdvertisement(BTHOME_MAC, fromHex(enc.counter112234)).length > 0, 'test_increasing_encryption_counter');
  t.is(decoder.encryptionCounter(BTHOME_MAC), 0x00112234);
});

test('a counter that restarts is refused until the household resets it; persisted counters are honoured', (t) => {
  const { decoder, context } = setup({ keys: { [BTHOME_MAC]: BTHOME_KEY } });
  t.true(decoder.handleAdvertisement(BTHOME_MAC, fromHex(enc.counterMax)).length > 0);
  t.deepEqual(decoder.handleAdvertisement(BTHOME_MAC, fromHex(enc.counterZero)), []);
  t.is(context.counters.droppedFor('bthome', 'replayed'), 1);
  decoder.resetEncryptionCounter(BTHOME_MAC);
  t.true(decoder.handleAdvertisement(BTHOME_MAC, fromHex(enc.counterZero)).length > 0);
  const restarted = setup({ keys: { [BTHOME_MAC]: BTHOME_KEY }, encryptionCounters: { [BTHOME_MAC]: 0x00112233 } });
  t.deepEqual(restarted.decoder.handleAdvertisement(BTHOME_MAC, fromHex(enc.counter112233)), [], 'a counter persisted before reboot still counts');
});

test('downgrade: a plain frame from a device with a key is refused (test_encryption_downgrade_fails)', (t) => {
  const { decoder, context } = setup({ keys: { [TEST_MAC]: WRONG_KEY } });
  t.deepEqual(decoder.handleAdvertisement(TEST_MAC, fromHex('4004138a01')), []);
  t.is(context.counters.droppedFor('bthome', 'downgrade'), 1);
  decoder.setKey(TEST_MAC, undefined);
  t.deepEqual(fieldsOf(decoder.handleAdvertisement(TEST_MAC, fromHex('4004138a01'))), { pressure: 1008.83 });
  t.throws(() => decoder.setKey(TEST_MAC, '0011'), { message: /16 bytes/ });
});

test('simulated encrypted frames (aesCcmSeal) decrypt, and the MAC-in-frame variant too', (t) => {
  const key = fromHex(BTHOME_KEY);
  const { decoder } = setup({ keys: { [BTHOME_MAC]: key } });
  const frame = buildBthomeFrame({ objects: [[0x02, 21.5], [0x03, 40.25]], packetId: 7, encrypt: { crypto: platformCrypto, key, mac: BTHOME_MAC, counter: 5 } });
  t.deepEqual(fieldsOf(decoder.handleAdvertisement(BTHOME_MAC, frame)), { temperature: 21.5, humidity: 40.25 });
  const withMac = buildBthomeFrame({ objects: [[0x21, true]], includeMac: BTHOME_MAC, encrypt: { crypto: platformCrypto, key, mac: BTHOME_MAC, counter: 6 } });
  t.deepEqual(fieldsOf(decoder.handleAdvertisement('00:00:00:00:00:01', withMac)), { motion: true });
});

test('packet ids drop repeats within the window and accept ids up to 63 ahead (test_identical/increasing_packet_id)', (t) => {
  const { decoder, context, host } = setup();
  const frame = (id: number) => buildBthomeFrame({ packetId: id, objects: [[0x02, 20]] });
  t.is(decoder.handleAdvertisement(TEST_MAC, frame(9)).length, 1);
  t.is(decoder.handleAdvertisement(TEST_MAC, frame(9)).length, 0);
  t.is(decoder.handleAdvertisement(TEST_MAC, frame(8)).length, 0, 'an older packet');
  t.is(context.counters.droppedFor('bthome', 'duplicate'), 2);
  host.clock.advance(4001);
  t.is(decoder.handleAdvertisement(TEST_MAC, frame(9)).length, 1, 'after the window the same id is a new packet');
  host.clock.advance(4001);
  for (const id of [0xbd, 0xbe, 0xfd, 0x2f]) {
    host.clock.advance(100);
    t.is(decoder.handleAdvertisement(TEST_MAC, frame(id)).length, 1, `id ${id}`);
  }
});

test('one device flooding is rate-limited without starving another', (t) => {
  const { decoder, context, host } = setup({}, { ratePerSecond: 2, burst: 5 });
  let flood = 0;
  let other = 0;
  for (let i = 0; i < 100; i++) {
    flood += decoder.handleAdvertisement(TEST_MAC, fromHex('4004138a01')).length;
    if (i % 25 === 0) other += decoder.handleAdvertisement(BTHOME_MAC, fromHex('4004138a01')).length;
    host.clock.advance(10);
  }
  t.is(flood, 5 + 1, 'the burst, then 2 per second over one second');
  t.is(other, 4, 'the quiet device loses nothing');
  t.is(context.counters.droppedFor('bthome', 'rate-limited'), 94);
});
