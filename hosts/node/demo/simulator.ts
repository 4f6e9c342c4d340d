/**
 * The demo's devices: a small home that publishes realistic readings the way
 * real gateways do, so `npm start` shows the hub working on day one:
 * - zigbee2mqtt: a living-room climate sensor, a front-door contact, a hallway
 *   motion sensor, a leak sensor under the sink, a washing-machine plug with a
 *   power meter (and `bridge/devices`);
 * - Tasmota: a smart plug with an energy meter (tele/<topic>/SENSOR, LWT);
 * - BTHome v2: a bedroom thermometer, through a frame callback (the desktop
 *   has no radio; the demo hands frames to the BLE source directly).
 * Values follow a daily cycle with noise; events (door, motion, a rare leak)
 * happen at random.
 */
import type { MqttClient } from 'mqtt';

export interface SimulatorOptions {
  client: MqttClient;
  baseTopic?: string;
  /** Called with BTHome service data (UUID 0xFCD2 payload) and the device MAC. */
  bthomeFrame?: (mac: string, serviceData: Uint8Array) => void;
  /** Builds a BTHome v2 frame from measurements; supplied by the sources module. */
  buildBthome?: (values: { temperature: number; humidity: number; battery: number }, packetId: number) => Uint8Array;
  random?: () => number;
  now?: () => number;
}

const ZIGBEE_DEVICES = [
  { ieee: '0x00158d0001a2b3c4', name: 'living room/climate', model: 'WSDCGQ11LM', vendor: 'Aqara', description: 'Temperature, humidity and pressure sensor' },
  { ieee: '0x00158d0001d4e5f6', name: 'front door', model: 'MCCGQ11LM', vendor: 'Aqara', description: 'Door and window sensor' },
  { ieee: '0x001788010b1c2d3e', name: 'hallway motion', model: '9290012607', vendor: 'Philips', description: 'Hue motion sensor' },
  { ieee: '0x00158d00045f6a7b', name: 'kitchen sink leak', model: 'SJCGQ11LM', vendor: 'Aqara', description: 'Water leak sensor' },
  { ieee: '0x842e14fffe3b5c6d', name: 'washing machine plug', model: 'ZNCZ02LM', vendor: 'Aqara', description: 'Smart plug with power metering' },
];

export class DeviceSimulator {
  readonly #o: Required<Pick<SimulatorOptions, 'baseTopic' | 'random' | 'now'>> & SimulatorOptions;
  #timers: NodeJS.Timeout[] = [];
  #energyWh = 1523000;
  #washerWh = 412000;
  #packetId = 0;
  published = 0;

  constructor(options: SimulatorOptions) {
    this.#o = { baseTopic: 'zigbee2mqtt', random: Math.random, now: Date.now, ...options };
  }

  start(intervalMs = 2000): void {
    const { client, baseTopic } = this.#o;
    client.publish(`${baseTopic}/bridge/state`, JSON.stringify({ state: 'online' }), { retain: true });
    client.publish(
      `${baseTopic}/bridge/devices`,
      JSON.stringify(
        ZIGBEE_DEVICES.map((d) => ({
          ieee_address: d.ieee,
          friendly_name: d.name,
          type: 'EndDevice',
          definition: { model: d.model, vendor: d.vendor, description: d.description },
        })),
      ),
      { retain: true },
    );
    client.publish('tele/plug_office/LWT', 'Online', { retain: true });
    this.tick();
    this.#timers.push(setInterval(() => this.tick(), intervalMs));
  }

  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }

  /** One round of readings. */
  tick(): void {
    const { client, baseTopic, random, now } = this.#o;
    const t = now();
    const hour = (t / 3_600_000) % 24;
    const daily = Math.sin(((hour - 9) / 24) * 2 * Math.PI); // warmest mid-afternoon
    const noise = (scale: number) => (random() - 0.5) * scale;
    const temperature = +(20.5 + 2.5 * daily + noise(0.3)).toFixed(2);
    const humidity = +(48 - 8 * daily + noise(2)).toFixed(1);
    const publish = (topic: string, body: unknown) => {
      client.publish(topic, JSON.stringify(body));
      this.published++;
    };
    publish(`${baseTopic}/living room/climate`, { temperature, humidity, pressure: +(1013 + noise(4)).toFixed(1), battery: 87, voltage: 2995, linkquality: 120 + Math.round(noise(20)) });
    if (random() < 0.15) publish(`${baseTopic}/front door`, { contact: random() < 0.5, battery: 91, linkquality: 96 });
    publish(`${baseTopic}/hallway motion`, { occupancy: random() < 0.3, illuminance_lux: Math.max(0, Math.round(300 + 250 * daily + noise(40))), battery: 78 });
    publish(`${baseTopic}/kitchen sink leak`, { water_leak: random() < 0.005, battery: 100, linkquality: 84 });
    const washer = random() < 0.3 ? Math.round(1800 + noise(400)) : Math.round(2 + random() * 3);
    this.#washerWh += washer / 1800;
    publish(`${baseTopic}/washing machine plug`, { power: washer, energy: +(this.#washerWh / 1000).toFixed(3), voltage: Math.round(230 + noise(6)), current: +(washer / 230).toFixed(2), state: washer > 10 ? 'ON' : 'OFF', linkquality: 150 });
    const power = Math.max(0, Math.round(180 + 120 * daily + noise(60)));
    this.#energyWh += power / 1800; // one tick ~ 2 s
    publish('tele/plug_office/SENSOR', {
      Time: new Date(t).toISOString().slice(0, 19),
      ENERGY: { TotalStartTime: '2026-01-10T08:12:00', Total: +(this.#energyWh / 1000).toFixed(3), Today: 2.418, Power: power, ApparentPower: power + 12, ReactivePower: 9, Factor: 0.96, Voltage: Math.round(230 + noise(4)), Current: +(power / 230).toFixed(3) },
    });
    const { bthomeFrame, buildBthome } = this.#o;
    if (bthomeFrame && buildBthome) {
      this.#packetId = (this.#packetId + 1) & 0xff;
      const frame = buildBthome({ temperature: +(19 + 1.5 * daily + noise(0.2)).toFixed(2), humidity: +(52 - 6 * daily + noise(1.5)).toFixed(2), battery: 64 }, this.#packetId);
      bthomeFrame('A4:C1:38:8D:18:B2', frame);
      this.published++;
    }
  }
}
