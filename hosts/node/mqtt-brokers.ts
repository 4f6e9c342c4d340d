/**
 * The runtime's broker power on a computer (modules/hub/runtime-brokers.ts)
 * over MQTT.js: one client per request, the last will set at connect, the
 * subscriptions renewed on every connect, credentials from the secrets, and
 * MQTT.js's own reconnecting. An unreachable broker is a degraded state: one
 * warning until it answers, never a crash.
 *
 * The home broker (`persistentSession`): QoS 1 with a persistent session
 * (clean: false) under the runtime's stable client id, so the broker queues
 * what devices publish while the hub is down and delivers it after CONNACK.
 * A message is acknowledged (PUBACK) only after the hub took it: MQTT.js sends
 * the PUBACK when `handleMessage` calls back, and that happens after
 * `handlers.message` (the hub's acceptMqtt) returned. A kill between the two
 * makes the broker deliver that message again: at least once.
 */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import type { Logger } from '../../modules/host.js';
import type { ConnectBroker } from '../../modules/hub/runtime-brokers.js';
import type { BrokerConfig } from '../../modules/hub/runtime-config.js';

export interface NodeBrokerContext {
  log: Logger;
  secret(name: string): string | undefined;
  /** The URL of a broker configured as `{"embedded": true}`, started by the host. */
  embeddedUrl?: string;
  /** Resolves a configured file path (the broker's `ca`). */
  path(file: string): string;
}

const WHAT_WAITS = {
  home: 'sources wait; enforcement, buffering and the page keep running',
  monitor: 'counters keep accumulating and go out on reconnect',
} as const;

export function brokerUrl(broker: BrokerConfig, embeddedUrl: string | undefined): string {
  if ('url' in broker) return broker.url;
  if (!embeddedUrl) throw new Error('an embedded broker is configured but was not started');
  return embeddedUrl;
}

export function nodeBrokers(ctx: NodeBrokerContext): ConnectBroker {
  return (request, handlers) => {
    const { broker } = request;
    const url = brokerUrl(broker, ctx.embeddedUrl);
    const persistent = request.persistentSession === true;
    const client = mqtt.connect(url, {
      clientId: request.clientId,
      ...(persistent ? { clean: false } : {}),
      reconnectPeriod: request.role === 'home' ? 2000 : 3000,
      connectTimeout: 5000,
      ...(request.will ? { will: { topic: request.will.topic, payload: Buffer.from(request.will.payload), retain: request.will.retain, qos: 1 as const } } : {}),
      ...('url' in broker && broker.username ? { username: broker.username, password: ctx.secret(broker.password?.secret ?? '') } : {}),
      // PEM text (set on the page) or a file holding it (the configuration file's way).
      ...('url' in broker && broker.ca ? { ca: broker.ca.includes('-----BEGIN') ? broker.ca : readFileSync(ctx.path(broker.ca)) } : {}),
    });
    let warned = false;
    client.on('connect', (connack) => {
      warned = false;
      ctx.log.info(`${request.role} broker connected`, { url, ...(persistent ? { session: connack.sessionPresent ? 'resumed' : 'new' } : {}) });
      if (request.subscriptions.length > 0) // QoS 1 both ways: the home broker redelivers what a dropped connection lost (it grants what the publisher used).
      client.subscribe([...request.subscriptions], { qos: 1 });
      handlers.connected();
    });
    client.on('error', (error) => {
      handlers.failed?.(error.message);
      if (!warned) ctx.log.warn(`${request.role} broker unreachable; retrying (${WHAT_WAITS[request.role]})`, { url, error: error.message });
      warned = true;
    });
    if (persistent) {
      // Set before the connection opens: a resumed session delivers right after CONNACK. done() sends the PUBACK.
      client.handleMessage = (packet, done) => {
        try {
          if (packet.cmd === 'publish') {
            const payload = typeof packet.payload === 'string' ? new TextEncoder().encode(packet.payload) : packet.payload;
            handlers.message(packet.topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.length));
          }
        } catch (error) {
          // The hub counts and skips bad input; a throw is a defect. Acknowledge anyway: redelivery would repeat it forever.
          ctx.log.error(`${request.role} broker message: the hub threw (a defect)`, { topic: packet.cmd === 'publish' ? packet.topic : '', error: String(error) });
        }
        done();
      };
    } else {
      client.on('message', (topic, payload) => handlers.message(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.length)));
    }
    return {
      publish(topic, payload, options) {
        // While disconnected, drop: the monitor resends everything on reconnect.
        if (client.connected) client.publish(topic, payload, { retain: options.retain, qos: options.qos });
      },
      async close() {
        await client.endAsync(request.role === 'home');
      },
    };
  };
}
