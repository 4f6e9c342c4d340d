/**
 * The runtime's broker power on the ESP32 (modules/hub/runtime-brokers.ts)
 * over MqttConnection (the SDK's ECMA-419 client): subscriptions are kept by
 * the connection and renewed on every CONNACK, before the runtime hears of
 * the connect. Connections open once Wi-Fi is up (`connections`, opened by
 * main.ts) and reopen with backoff.
 */
import type { BootSupervisor } from '../../modules/boot.js';
import type { Logger, Timers } from '../../modules/host.js';
import type { ConnectBroker } from '../../modules/hub/runtime-brokers.js';
import { brokerAddress } from '../../modules/hub/runtime-config.js';
import { MqttConnection, monitorPublish } from './mqtt.js';

export interface BoardBrokerContext {
  timers: Timers;
  log: Logger;
  supervisor: Pick<BootSupervisor, 'problem'>;
  secret(name: string): string | undefined;
  /** Connections to open once Wi-Fi is up (and again after it returns). */
  connections: MqttConnection[];
  online(): boolean;
}

export function boardBrokers(ctx: BoardBrokerContext): ConnectBroker {
  return (request, handlers) => {
    const broker = request.broker;
    if (!('url' in broker)) {
      ctx.supervisor.problem({
        component: 'mqtt',
        code: 'broker-unsupported',
        message: `the ${request.role} broker is configured as embedded, which only a computer can run`,
        action: 'point localBroker/monitorBroker at the home\'s broker ({"url": "mqtt://..."})',
      });
      return { publish: () => undefined, close: () => Promise.resolve() };
    }
    const password = broker.password ? ctx.secret(broker.password.secret) : undefined;
    const connection = new MqttConnection(
      {
        ...brokerAddress(broker.url),
        clientId: request.clientId,
        ...(broker.username ? { username: broker.username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(request.will ? { will: { topic: request.will.topic, message: request.will.payload, retain: request.will.retain } } : {}),
        ...(request.persistentSession ? { persistentSession: true } : {}),
      },
      { timers: ctx.timers, log: ctx.log },
    );
    // QoS 1 for every subscription: device readings published at QoS 1 wait at the broker for a hub
    // that is restarting (with the persistent session above), and Home Assistant's birth message is not lost.
    for (const topic of request.subscriptions) connection.subscribe(topic, 1);
    connection.onConnected = () => handlers.connected();
    connection.onMessage = (topic, payload) => handlers.message(topic, payload);
    connection.onFailed = (reason) => handlers.failed?.(reason);
    ctx.connections.push(connection);
    if (ctx.online()) connection.open();
    return {
      publish: monitorPublish(connection, ctx.log),
      close: () => {
        // Out of the list main.ts reopens on Wi-Fi's return: a replaced or probing connection stays closed.
        const at = ctx.connections.indexOf(connection);
        if (at >= 0) ctx.connections.splice(at, 1);
        return Promise.resolve(connection.close());
      },
    };
  };
}
