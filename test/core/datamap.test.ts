import test from 'ava';
import { ConsentBook } from '../../modules/pipeline/consent.js';
import { buildDataMap, DEVICE_IDENTITY, type DataMap } from '../../modules/pipeline/datamap.js';
import type { DeviceInfo } from '../../modules/reading.js';
import { makeContract } from '../support/contracts.js';
import { homeContracts, homeMix, zigbeeName } from '../support/home-fixture.js';
import { makeHubWebRig } from '../support/hub-web-rig.js';
import { makeTestHost } from '../support/test-host.js';

const devices: DeviceInfo[] = [
  { id: 'z2m:0x01', name: 'Kitchen plug', model: 'SP 120', vendor: 'Innr', source: 'zigbee2mqtt', streams: ['power'] },
  { id: 'esphome:hall', source: 'esphome', streams: ['climate'] },
  { id: 'tasmota:plug_office', source: 'tasmota', streams: ['power', 'signal'] },
];

const titles = (map: DataMap, indexes: readonly number[]) => indexes.map((i) => map.devices[i]!.name ?? map.devices[i]!.id);

test('the data map says, per company and purpose, which kind of data goes, changed how, from which devices', (t) => {
  const host = makeTestHost();
  const consent = new ConsentBook(host);
  consent.give('energy-saver', 'energy-advice', 'homeowner:web');
  const contract = makeContract();
  contract.vendorStorage.onwardSharing = [{ name: 'Wattwise Analytics', relation: 'affiliate', purpose: 'computes advice' }];
  const map = buildDataMap([contract], consent, devices);
  t.is(map.devices.length, 3, 'every known device, sending or not');
  t.is(map.companies.length, 1);
  const company = map.companies[0]!;
  t.like(company, {
    integration: 'energy-saver',
    vendor: 'Wattwise Energy Services',
    vendorStorage: 'EU (Frankfurt)',
    onwardSharing: 'Wattwise Analytics (affiliate: computes advice)',
    retention: 'up to 1 day on the hub while waiting to be sent; 365 days at Wattwise Energy Services',
  });
  const [advice, safety] = company.purposes;
  t.like(advice, { purpose: 'energy-advice', description: 'Advice on lowering electricity use.', consentRequired: true, consentGiven: true });
  t.deepEqual(advice!.kinds.map((k) => k.field), ['power', 'voltage', DEVICE_IDENTITY]);
  t.is(advice!.kinds[0]!.transform, 'rounded to the nearest 10');
  t.deepEqual(titles(map, advice!.kinds[0]!.devices), ['Kitchen plug', 'tasmota:plug_office'], 'both power devices, the climate-only one not');
  t.regex(advice!.kinds[2]!.transform, /code unique to this company/);
  t.deepEqual(titles(map, advice!.kinds[2]!.devices), ['Kitchen plug', 'tasmota:plug_office'], 'the device identity once per purpose, listing its devices');
  t.like(safety, { purpose: 'safety', consentRequired: false, consentGiven: true });
  t.deepEqual(safety!.kinds.map((k) => [k.field, k.transform]), [['overload', 'sent as measured'], [DEVICE_IDENTITY, advice!.kinds[2]!.transform]]);
  consent.withdraw('energy-saver', 'energy-advice', 'homeowner:web');
  t.false(buildDataMap([contract], consent, devices).companies[0]!.purposes[0]!.consentGiven);
});

test('a purpose none of the home\'s devices serves is listed without kinds; one field in two streams is one kind', (t) => {
  const consent = new ConsentBook(makeTestHost());
  const contract = makeContract({
    purposes: [
      { id: 'comfort', description: 'Comfort.', requiresConsent: true },
      { id: 'leaks', description: 'Leaks.', requiresConsent: false },
    ],
    streams: [
      { stream: 'climate', fields: { temperature: { purpose: 'comfort', transform: { kind: 'keep' } } } },
      { stream: 'air', fields: { temperature: { purpose: 'comfort', transform: { kind: 'keep' } } } },
      { stream: 'leak', fields: { water_leak: { purpose: 'leaks', transform: { kind: 'keep' } } } },
    ],
  });
  const home: DeviceInfo[] = [
    { id: 'esphome:a', source: 'esphome', streams: ['air'] },
    { id: 'esphome:b', source: 'esphome', streams: ['climate', 'air'] },
  ];
  const [comfort, leaks] = buildDataMap([contract], consent, home).companies[0]!.purposes;
  t.deepEqual(comfort!.kinds.map((k) => [k.field, k.devices]), [['temperature', [0, 1]], [DEVICE_IDENTITY, [0, 1]]]);
  t.deepEqual(leaks!.kinds, []);
});

test('a home of 50 devices and 5 companies: some dozens of kinds instead of a row per device and field', async (t) => {
  const r = makeHubWebRig(homeContracts(), {}, { home: 50 });
  const map = r.hub.dataMap();
  t.is(map.devices.length, 51, 'the 50 devices and the rig\'s kitchen plug, through the real sources');
  const mix = homeMix(50);
  t.deepEqual(mix, { zigbee: 20, tasmota: 12, esphome: 8, bthome: 10 });
  const bySource = (source: string) => map.devices.filter((d) => d.source === source).length;
  t.deepEqual([bySource('zigbee2mqtt'), bySource('tasmota'), bySource('esphome'), bySource('bthome')], [21, 12, 8, 10]);
  t.true(map.devices.some((d) => d.name === zigbeeName(7)), 'zigbee2mqtt friendly names come through bridge/devices');
  t.deepEqual(map.companies.map((c) => c.integration), ['energy-saver', 'leak-insurer', 'alarm-company', 'health-sensors', 'grid-flex']);
  const kinds = map.companies.flatMap((c) => c.purposes.flatMap((p) => p.kinds));
  t.true(kinds.length <= 30, `${kinds.length} kinds of data in all`);
  const links = kinds.reduce((sum, k) => sum + k.devices.length, 0);
  t.true(links > 150, `${links} device links behind them, each one a table row before`);
  const temperature = map.companies[3]!.purposes[0]!.kinds.find((k) => k.field === 'temperature')!;
  t.is(temperature.devices.length, 4 + 8 + 10, 'CareLink: climate from 4 zigbee sensors, 8 ESPHome nodes and 10 BTHome thermometers');
  t.is(kinds.filter((k) => k.field === DEVICE_IDENTITY).length, 8, 'the device identity once per purpose that receives data');
  await r.close();
});
