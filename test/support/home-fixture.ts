/**
 * A home at real scale for the data map: up to 50 devices on the four
 * sources, fed through the hub's own decoders (zigbee2mqtt's bridge/devices
 * and state topics, Tasmota tele/…/SENSOR, ESPHome sensor states, BTHome v2
 * advertisements), and five companies' contracts. Portable: core suites use
 * it on Node and inside XS, the browser suite over HTTP.
 */
import { buildBthomeFrame } from '../../hosts/sim/bthome-frames.js';
import { utf8 } from '../../modules/bytes.js';
import type { Contract } from '../../modules/contract/types.js';
import type { Hub } from '../../modules/hub/hub.js';
import { makeContract } from './contracts.js';

const ROOMS = ['kitchen', 'living room', 'hallway', 'bedroom', 'bathroom', 'office', 'attic', 'garage', 'guest room', 'nursery', 'laundry', 'porch'];

interface ZigbeeKind {
  name: string;
  model: string;
  state: Record<string, unknown>;
}

const ZIGBEE: readonly ZigbeeKind[] = [
  { name: 'climate', model: 'WSDCGQ11LM', state: { temperature: 21.4, humidity: 48, battery: 87, linkquality: 120 } },
  { name: 'door', model: 'MCCGQ11LM', state: { contact: true, battery: 91 } },
  { name: 'motion', model: '9290012607', state: { occupancy: false, illuminance_lux: 220, battery: 78 } },
  { name: 'leak', model: 'SJCGQ11LM', state: { water_leak: false, battery: 100 } },
  { name: 'plug', model: 'ZNCZ02LM', state: { power: 42, energy: 12.5, voltage: 231 } },
];

/** How many devices of each source a home of `total` devices has: 40 % zigbee2mqtt, 24 % Tasmota, 16 % ESPHome, the rest BTHome. */
export function homeMix(total: number) {
  const zigbee = Math.round(total * 0.4);
  const tasmota = Math.round(total * 0.24);
  const esphome = Math.round(total * 0.16);
  return { zigbee, tasmota, esphome, bthome: total - zigbee - tasmota - esphome };
}

/** The zigbee2mqtt friendly name of the n-th zigbee device ("kitchen climate", "hallway door 2", ...). */
export function zigbeeName(n: number): string {
  const kind = ZIGBEE[n % ZIGBEE.length]!;
  const room = ROOMS[Math.floor(n / ZIGBEE.length) % ROOMS.length]!;
  const round = Math.floor(n / (ZIGBEE.length * ROOMS.length));
  return `${room} ${kind.name}${round ? ` ${round + 1}` : ''}`;
}

export const tasmotaTopic = (n: number) => `plug_${n + 1}`;
export const esphomeNode = (n: number) => `node-${n + 1}`;
export const bthomeMac = (n: number) => `A4:C1:38:8D:${(0x10 + Math.floor(n / 256)).toString(16).toUpperCase()}:${(n % 256).toString(16).padStart(2, '0').toUpperCase()}`;

/** Makes the hub hear of `total` devices, each with one reading. Returns the device ids it should now know. */
export function feedHome(hub: Hub, total: number): string[] {
  const mix = homeMix(total);
  const ids: string[] = [];
  const devices = Array.from({ length: mix.zigbee }, (_, n) => ({
    ieee_address: `0x00158d00${(0x100000 + n).toString(16)}`,
    friendly_name: zigbeeName(n),
    type: 'EndDevice',
    definition: { model: ZIGBEE[n % ZIGBEE.length]!.model, vendor: 'Aqara' },
  }));
  hub.acceptMqtt('zigbee2mqtt/bridge/devices', utf8(JSON.stringify(devices)));
  devices.forEach((device, n) => {
    hub.acceptMqtt(`zigbee2mqtt/${device.friendly_name}`, utf8(JSON.stringify(ZIGBEE[n % ZIGBEE.length]!.state)));
    ids.push(`z2m:${device.ieee_address}`);
  });
  for (let n = 0; n < mix.tasmota; n++) {
    hub.acceptMqtt(`tele/${tasmotaTopic(n)}/SENSOR`, utf8(JSON.stringify({ Time: '2026-01-10T08:12:00', ENERGY: { Total: 1.5 + n, Power: 30 + n, Voltage: 230 } })));
    ids.push(`tasmota:${tasmotaTopic(n)}`);
  }
  for (let n = 0; n < mix.esphome; n++) {
    hub.acceptMqtt(`${esphomeNode(n)}/sensor/temperature/state`, utf8(String(19.5 + n / 10)));
    hub.acceptMqtt(`${esphomeNode(n)}/sensor/co2/state`, utf8(String(600 + n)));
    ids.push(`esphome:${esphomeNode(n)}`);
  }
  for (let n = 0; n < mix.bthome; n++) {
    hub.acceptBle(bthomeMac(n), buildBthomeFrame({ packetId: 1, objects: [[0x01, 64], [0x02, 19.25], [0x03, 52.5]] }), -67);
    ids.push(`bthome:${bthomeMac(n).toLowerCase()}`);
  }
  return ids;
}

function company(integration: string, vendor: string, purposes: Contract['purposes'], streams: Contract['streams']): Contract {
  const contract = makeContract({ integration, purposes, streams });
  contract.vendor.name = vendor;
  return contract;
}

/** Five companies, as a home with a few services would have them. */
export function homeContracts(): Contract[] {
  return [
    company('energy-saver', 'Wattwise Energy Services', [
      { id: 'energy-advice', description: 'Advice on lowering electricity use.', requiresConsent: true },
      { id: 'tariff-optimisation', description: 'Choosing the cheapest tariff for your use.', requiresConsent: true },
    ], [
      { stream: 'power', fields: { power: { purpose: 'energy-advice', transform: { kind: 'round', step: 10 } }, energy: { purpose: 'tariff-optimisation', transform: { kind: 'keep' } } } },
      { stream: 'climate', fields: { temperature: { purpose: 'energy-advice', transform: { kind: 'round', step: 0.5 } } } },
    ]),
    company('leak-insurer', 'Northshore Insurance', [
      { id: 'leak-alerts', description: 'Calling you when a leak is detected.', requiresConsent: false },
      { id: 'policy-discount', description: 'A discount for well-kept sensors.', requiresConsent: true },
    ], [
      { stream: 'leak', fields: { water_leak: { purpose: 'leak-alerts', transform: { kind: 'keep' } } } },
      { stream: 'battery', fields: { battery: { purpose: 'policy-discount', transform: { kind: 'bucket', edges: [20, 50] } } } },
    ]),
    company('alarm-company', 'Sentinel Home Security', [
      { id: 'intrusion-response', description: 'Sending a guard when the alarm goes off.', requiresConsent: false },
      { id: 'presence-insights', description: 'Monthly reports on when the home is empty.', requiresConsent: true },
    ], [
      { stream: 'door', fields: { contact: { purpose: 'intrusion-response', transform: { kind: 'keep' } } } },
      { stream: 'motion', fields: { occupancy: { purpose: 'presence-insights', transform: { kind: 'keep' } } } },
    ]),
    company('health-sensors', 'CareLink Telehealth', [
      { id: 'room-comfort', description: 'Checking rooms stay warm and dry enough.', requiresConsent: true },
    ], [
      { stream: 'climate', fields: { temperature: { purpose: 'room-comfort', transform: { kind: 'round', step: 1 } }, humidity: { purpose: 'room-comfort', transform: { kind: 'round', step: 5 } } } },
      { stream: 'air', fields: { co2: { purpose: 'room-comfort', transform: { kind: 'round', step: 100 } } } },
    ]),
    company('grid-flex', 'Stroomnet Flex', [
      { id: 'demand-response', description: 'Shifting plug loads when the grid is strained.', requiresConsent: true },
    ], [
      { stream: 'power', fields: { power: { purpose: 'demand-response', transform: { kind: 'round', step: 50 } } } },
    ]),
  ];
}
