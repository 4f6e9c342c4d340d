/**
 * The runtime's broker power on a computer (modules/hub/runtime-brokers.ts)
 * over MQTT.js: one client per request, the last will set at connect, the
 * subscriptions renewed on every connect, credentials from the secrets, and
 * MQTT.js's own reconnecting. An unreachable broker is a degraded state: one
 * warning until it answers, never a crash.
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
    const client = mqtt.connect(url, {
      clientId: request.clientId,
      reconnectPeriod: request.role === 'home' ? 2000 : 3000,
      connectTimeout: 5000,
      ...(request.will ? { will: { topic: request.will.topic, payload: Buffer.from(request.will.payload), retain: request.will.retain, qos: 1 as const } } : {}),
      ...('url' in broker && broker.username ? { username: broker.username, password: ctx.secret(broker.password?.secret ?? '') } : {}),
      ...('url' in broker && broker.ca ? { ca: readFileSync(ctx.path(broker.ca)) } : {}),
    });
    let warned = false;
    client.on('connect', () => {
      warned = false;
      ctx.log.info(`${request.role} broker connected`, { url });
      if (request.subscriptions.length > 0) // QoS 1 both ways: the home broker redelivers what a dropped connection lost (it grants what the publisher used).
      client.subscribe([...request.subscriptions], { qos: 1 });
      handlers.connected();
    });
    client.on('error', (error) => {
      if (!warned) ctx.log.warn(`${request.role} broker unreachable; retrying (${WHAT_WAITS[request.role]})`, { url, error: error.message });
      warned = true;
    });
    client.on('message', (topic, payload) => handlers.message(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.length)));
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
