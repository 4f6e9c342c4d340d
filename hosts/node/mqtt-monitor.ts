/**
 * Connects the core Monitor to the monitoring broker with MQTT.js: the last
 * will says `offline` (retained) if the hub dies; every (re)connect resends
 * availability, discovery and state. An unreachable broker is a degraded
 * state, not a crash: MQTT.js keeps retrying.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../../modules/host.js';
import type { Monitor, Publish } from '../../modules/monitor/publisher.js';
import { monitorTopics } from '../../modules/monitor/topics.js';

export interface MonitorConnection {
  publish: Publish;
  attach(monitor: Monitor): void;
  readonly connected: boolean;
  close(): Promise<void>;
}

export function connectMonitorBroker(url: string, hubId: string, log: Logger, options: { username?: string; password?: string; ca?: string } = {}): MonitorConnection {
  const topics = monitorTopics(hubId);
  let monitor: Monitor | undefined;
  const client: MqttClient = mqtt.connect(url, {
    clientId: `airlock-${hubId}-monitor`,
    reconnectPeriod: 3000,
    connectTimeout: 5000,
    will: { topic: topics.status, payload: Buffer.from('offline'), retain: true, qos: 1 },
    ...(options.username ? { username: options.username, password: options.password } : {}),
    ...(options.ca ? { ca: options.ca } : {}),
  });
  let warned = false;
  client.on('connect', () => {
    warned = false;
    log.info('monitoring broker connected', { url });
    client.subscribe(topics.haStatus, { qos: 1 });
    monitor?.connected();
  });
  client.on('error', (error) => {
    if (!warned) log.warn('monitoring broker unreachable; counters keep accumulating and go out on reconnect', { url, error: error.message });
    warned = true;
  });
  client.on('message', (topic, payload) => monitor?.message(topic, payload.toString('utf8')));
  return {
    publish(topic, payload, o) {
      // While disconnected, drop: the monitor resends everything on reconnect.
      if (client.connected) client.publish(topic, payload, { retain: o.retain, qos: o.qos });
    },
    attach(m) {
      monitor = m;
      if (client.connected) m.connected();
    },
    get connected() {
      return client.connected;
    },
    async close() {
      monitor?.stopping();
      await client.endAsync();
    },
  };
}
