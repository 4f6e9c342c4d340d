/**
 * The desktop transport for the MQTT sources: subscribes to the home's
 * broker with MQTT.js and hands every message to the first decoder that
 * accepts its topic (zigbee2mqtt, Tasmota, ESPHome). Decoders never throw;
 * a defect that would is logged and counted as a dropped message, never
 * allowed to stop the subscription.
 *
 * QoS 1, acknowledged only after `onReadings` returned; with a `client.clientId`
 * the session is persistent (clean: false), so the broker keeps what devices
 * publish while this process is down (as `airlock run` does, hosts/node/mqtt-brokers.ts).
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../modules/host.js';
import type { Reading } from '../../modules/reading.js';
import type { MqttDecoder } from '../../modules/sources/decoder.js';

export interface MqttSourceOptions {
  /** The home's broker, e.g. "mqtt://127.0.0.1:1883". */
  url: string;
  decoders: readonly MqttDecoder[];
  onReadings: (readings: Reading[]) => void;
  log: Logger;
  /** Passed to MQTT.js (credentials, client id, TLS). */
  client?: IClientOptions;
}

export interface MqttSource {
  readonly client: MqttClient;
  /** Messages no decoder accepted (the subscriptions overlap other systems' topics). */
  readonly unrouted: number;
  stop(): Promise<void>;
}

export async function startMqttSource(options: MqttSourceOptions): Promise<MqttSource> {
  const { decoders, onReadings, log } = options;
  const client = connect(options.url, { clean: options.client?.clientId === undefined, reconnectPeriod: 2000, ...options.client });
  let unrouted = 0;
  const take = (topic: string, payload: Buffer) => {
    const decoder = decoders.find((d) => d.accepts(topic));
    if (!decoder) {
      unrouted++;
      return;
    }
    let readings: Reading[];
    try {
      readings = decoder.handleMessage(topic, payload);
    } catch (error) {
      log.error('source decoder threw (a defect: decoders must count and skip)', { source: decoder.source, topic, error: String(error) });
      return;
    }
    if (readings.length > 0) onReadings(readings);
  };
  // Set before the connection opens: a resumed session delivers right after CONNACK. The PUBACK goes when done() is called.
  client.handleMessage = (packet, done) => {
    if (packet.cmd === 'publish') take(packet.topic, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload);
    done();
  };
  client.on('error', (error) => log.warn('mqtt source: broker error', { url: options.url, error: error.message }));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  }).catch(async (error: unknown) => {
    await client.endAsync(true);
    throw error;
  });
  const filters = [...new Set(decoders.flatMap((d) => d.subscriptions))];
  await client.subscribeAsync(filters, { qos: 1 });
  log.info('mqtt source subscribed', { url: options.url, filters: filters.join(' ') });
  return {
    client,
    get unrouted() {
      return unrouted;
    },
    async stop() {
      await client.endAsync();
    },
  };
}
