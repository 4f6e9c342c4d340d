/**
 * Cost of turning device traffic into readings: one zigbee2mqtt message
 * (an Aqara climate sensor's state: parse, flatten, streams, registry) and
 * one plain BTHome frame (temperature, humidity, battery); an encrypted
 * BTHome frame beside them. Flood control is opened wide so every call does
 * the full work.
 */
import { nodeCrypto } from '../hosts/node/crypto.js';
import { buildBthomeFrame } from '../hosts/sim/bthome-frames.js';
import { ManualClock } from '../hosts/sim/manual-time.js';
import { utf8 } from '../modules/bytes.js';
import { createBthome } from '../modules/sources/bthome.js';
import { createSourceContext } from '../modules/sources/context.js';
import { createZigbee2Mqtt } from '../modules/sources/zigbee2mqtt.js';
import { z2mBridgeDevices, z2mClimate } from '../test/vectors/mqtt-fixtures.js';
import { nodeNanosPerCall, type BenchRow } from './types.js';
import { meterInXs } from './xs.js';

const WIDE_OPEN = { ratePerSecond: 1e9, burst: 1e9 };
const KEY = '231d39c1d7cc1ab1aee224cd096db932';
const MAC = '54:48:E6:8F:80:A5';

const XS_ENTRY = `
import { nobleCrypto } from './hosts/xs/crypto.ts';
import { buildBthomeFrame } from './hosts/sim/bthome-frames.ts';
import { ManualClock } from './hosts/sim/manual-time.ts';
import { fromHex, utf8 } from './modules/bytes.ts';
import { createBthome } from './modules/sources/bthome.ts';
import { createSourceContext } from './modules/sources/context.ts';
import { createZigbee2Mqtt } from './modules/sources/zigbee2mqtt.ts';
import { z2mBridgeDevices, z2mClimate } from './test/vectors/mqtt-fixtures.ts';
import { measure, done } from './bench/xs-harness.ts';
const context = createSourceContext(new ManualClock(), ${JSON.stringify(WIDE_OPEN)});
const z2m = createZigbee2Mqtt({}, context);
z2m.handleMessage('zigbee2mqtt/bridge/devices', utf8(z2mBridgeDevices));
const message = utf8(z2mClimate);
measure('zigbee', () => z2m.handleMessage('zigbee2mqtt/living room/climate', message));
const bthome = createBthome({ keys: { '${MAC}': '${KEY}' } }, context, nobleCrypto);
const plain = buildBthomeFrame({ objects: [[0x02, 23.97], [0x03, 63.27], [0x01, 93]] });
measure('bthome', () => bthome.handleAdvertisement('A4:C1:38:8D:18:B2', plain));
const key = fromHex('${KEY}');
const sealed = Array.from({ length: 120 }, (_, i) =>
  buildBthomeFrame({ objects: [[0x02, 23.97], [0x03, 63.27], [0x01, 93]], encrypt: { crypto: nobleCrypto, key, mac: '${MAC}', counter: i + 1 } }));
let next = 0;
measure('bthomeEncrypted', () => bthome.handleAdvertisement('${MAC}', sealed[next++]));
done();
`;

export async function benchSources(): Promise<BenchRow[]> {
  const xs = await meterInXs(XS_ENTRY, 'sources');
  const context = createSourceContext(new ManualClock(), WIDE_OPEN);
  const z2m = createZigbee2Mqtt({}, context);
  z2m.handleMessage('zigbee2mqtt/bridge/devices', utf8(z2mBridgeDevices));
  const message = utf8(z2mClimate);
  const zigbeeNs = nodeNanosPerCall(() => z2m.handleMessage('zigbee2mqtt/living room/climate', message));
  const bthome = createBthome({}, context, nodeCrypto);
  const plain = buildBthomeFrame({ objects: [[0x02, 23.97], [0x03, 63.27], [0x01, 93]] });
  const bthomeNs = nodeNanosPerCall(() => bthome.handleAdvertisement('A4:C1:38:8D:18:B2', plain));
  if (bthome.handleAdvertisement('A4:C1:38:8D:18:B2', plain).length !== 2 || z2m.handleMessage('zigbee2mqtt/living room/climate', message).length !== 4) {
    throw new Error('the measured calls did not produce their readings');
  }
  return [
    { key: 'sources.xs.meterPerZigbeeMessage', value: xs.zigbee!, unit: 'XS meter', note: 'zigbee2mqtt climate sensor state -> 4 readings' },
    { key: 'sources.xs.meterPerBthomeFrame', value: xs.bthome!, unit: 'XS meter', note: 'plain BTHome v2: temperature, humidity, battery' },
    { key: 'sources.xs.meterPerBthomeEncryptedFrame', value: xs.bthomeEncrypted!, unit: 'XS meter', note: 'same objects, AES-CCM (@noble composition)' },
    { key: 'sources.node.zigbeeMessagesPerSec', value: Math.round(1e9 / zigbeeNs), unit: 'msg/s', note: 'decoder only, no broker' },
    { key: 'sources.node.bthomeFramesPerSec', value: Math.round(1e9 / bthomeNs), unit: 'frames/s', note: 'plain frames, decoder only' },
  ];
}
