/**
 * What the per-device state costs at its bound (docs/esp32.md "Bounded state"):
 * the sources' registry and flood gate filled by zigbee2mqtt devices, and the
 * flood gate and BTHome packet table filled by spoofed BLE addresses (anyone
 * in radio range can send those). One xsnap machine, Δ live slots × 16 B
 * (the ESP32's slot) after `gc()`; chunks (strings) come on top.
 * Run: `node build/bench/device-state.js`.
 */
import { bundleForXs, runInXs } from '../hosts/xs/engine.js';

const ESP32_SLOT_BYTES = 16;

const ENTRY = `
import { createSourceContext } from './modules/sources/context.ts';
import { createZigbee2Mqtt } from './modules/sources/zigbee2mqtt.ts';
import { createBthome } from './modules/sources/bthome.ts';
import { buildBthomeFrame } from './hosts/sim/bthome-frames.ts';
import { makeBenchHost } from './bench/hub-rig.ts';
(globalThis as any).M = { createSourceContext, createZigbee2Mqtt, createBthome, buildBthomeFrame, makeBenchHost };
(globalThis as any).K = {};
`;

const mac = (n: string) => `'02:00:00:' + ((${n} >> 16) & 255).toString(16).padStart(2, '0') + ':' + ((${n} >> 8) & 255).toString(16).padStart(2, '0') + ':' + (${n} & 255).toString(16).padStart(2, '0')`;

const steps = (maxDevices: number): [string, string][] => [
  [`host, source context (maxDevices ${maxDevices}), decoders`, `K.host = M.makeBenchHost(); K.ctx = M.createSourceContext(K.host.clock, { maxDevices: ${maxDevices} }); K.z2m = M.createZigbee2Mqtt({}, K.ctx); K.bth = M.createBthome({}, K.ctx, K.host.crypto); K.utf8 = (s) => new TextEncoder().encode(s);`],
  [`zigbee2mqtt: ${maxDevices} devices heard (registry + gate)`, `for (let n = 0; n < ${maxDevices}; n++) K.z2m.handleMessage('zigbee2mqtt/0x00158d0001' + n.toString(16).padStart(6, '0'), K.utf8('{"temperature": 21.5, "humidity": 40, "battery": 90}'));`],
  [`zigbee2mqtt: ${3 * maxDevices} more refused (gate only)`, `for (let n = ${maxDevices}; n < ${4 * maxDevices}; n++) K.z2m.handleMessage('zigbee2mqtt/0x00158d0001' + n.toString(16).padStart(6, '0'), K.utf8('{"temperature": 21.5}'));`],
  ['BTHome: 5000 spoofed addresses with packet ids', `const f = M.buildBthomeFrame({ packetId: 1, objects: [[0x02, 20]] }); for (let n = 0; n < 5000; n++) K.bth.handleAdvertisement(${mac('n')}, f);`],
];

async function measure(maxDevices: number): Promise<void> {
  const STEPS = steps(maxDevices);
  const script = await bundleForXs(ENTRY, 'device-state.ts');
  const steps_ = [script, 'gc();', ...STEPS.map(([, code]) => `{ const M = globalThis.M, K = globalThis.K; ${code} } gc();`)];
  let previous: number | undefined;
  for (let n = 2; n <= steps_.length; n++) {
    const run = await runInXs(steps_.slice(0, n), `device-state-${maxDevices}-${n}`);
    const slots = run.meter.currentHeapCount!;
    if (previous !== undefined) console.log(`${STEPS[n - 3]![0].padEnd(52)} ${String((slots - previous) * ESP32_SLOT_BYTES).padStart(9)} B`);
    previous = slots;
  }
}

for (const maxDevices of [256, 64]) await measure(maxDevices);
