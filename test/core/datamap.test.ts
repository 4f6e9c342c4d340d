import test from 'ava';
import { ConsentBook } from '../../modules/pipeline/consent.js';
import { buildDataMap, DEVICE_IDENTITY } from '../../modules/pipeline/datamap.js';
import type { DeviceInfo } from '../../modules/reading.js';
import { makeContract } from '../support/contracts.js';
import { makeTestHost } from '../support/test-host.js';

const devices: DeviceInfo[] = [
  { id: 'z2m:0x01', name: 'Kitchen plug', model: 'SP 120', vendor: 'Innr', source: 'zigbee2mqtt', streams: ['power'] },
  { id: 'esphome:hall', source: 'esphome', streams: ['climate'] },
];

test('the data map lists every field a device sends, to whom, how, why and for how long', (t) => {
  const host = makeTestHost();
  const consent = new ConsentBook(host);
  consent.give('energy-saver', 'energy-advice', 'homeowner:web');
  const contract = makeContract();
  contract.vendorStorage.onwardSharing = [{ name: 'Wattwise Analytics', relation: 'affiliate', purpose: 'computes advice' }];
  const rows = buildDataMap([contract], consent, devices);
  t.deepEqual(rows.map((r) => r.field), ['power', 'voltage', 'overload', DEVICE_IDENTITY], 'the climate-only device sends nothing here');
  const power = rows[0]!;
  t.like(power, {
    device: 'Kitchen plug',
    deviceId: 'z2m:0x01',
    integration: 'energy-saver',
    vendor: 'Wattwise Energy Services',
    transform: 'rounded to the nearest 10',
    purpose: 'energy-advice',
    consentRequired: true,
    consentGiven: true,
    vendorStorage: 'EU (Frankfurt)',
    onwardSharing: 'Wattwise Analytics (affiliate: computes advice)',
  });
  t.is(power.retention, 'up to 1 day on the hub while waiting to be sent; 365 days at Wattwise Energy Services');
  t.like(rows[2], { field: 'overload', consentRequired: false, consentGiven: true, transform: 'sent as measured' });
  t.regex(rows[3]!.transform, /code unique to this company/);
  consent.withdraw('energy-saver', 'energy-advice', 'homeowner:web');
  t.false(buildDataMap([contract], consent, devices)[0]!.consentGiven);
});
