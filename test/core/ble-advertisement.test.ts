import test from 'ava';
import { fromHex, toHex } from '../../modules/bytes.js';
import { serviceData16 } from '../../modules/ble-advertisement.js';

const BTHOME = 0xfcd2;

test('BTHome service data is cut out of a real advertisement layout', (t) => {
  // Flags (02 01 06), then service data 16-bit for FCD2: device info 0x40, packet id 0x00 0x01,
  // temperature 0x02 0xca09 (25.06 °C), as in the BTHome v2 format examples.
  const adv = fromHex('020106' + '0c16d2fc40000102ca0903bf13');
  const found = serviceData16(adv, BTHOME);
  t.is(found?.length, 1);
  t.is(toHex(found![0]!), '40000102ca0903bf13');
});

test('other UUIDs, several structures and zero padding are handled', (t) => {
  const adv = fromHex('05160f180102' + '0416d2fc44' + '0416d2fc45' + '0000');
  t.deepEqual(serviceData16(adv, BTHOME)?.map(toHex), ['44', '45']);
  t.deepEqual(serviceData16(adv, 0x180f)?.map(toHex), ['0102']);
  t.deepEqual(serviceData16(fromHex('020106'), BTHOME), []);
});

test('a structure that runs past the end marks the advertisement malformed', (t) => {
  t.is(serviceData16(fromHex('0b16d2fc4000'), BTHOME), undefined);
  t.deepEqual(serviceData16(fromHex('0216d2'), BTHOME), [], 'too short for a UUID: skipped, not misread');
});
