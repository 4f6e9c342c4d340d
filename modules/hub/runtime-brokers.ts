/**
 * The runtime's MQTT, host-neutral: a host lends one factory that opens (and
 * keeps reopening) a connection to a configured broker; the runtime says what
 * to subscribe to and what happens on connect and on each message. Monitoring
 * is wired here once for both hosts, so they cannot drift: a last will of
 * `offline`, on every connect availability + discovery + state (the Monitor)
 * and the retained version, and Home Assistant's birth message `online`
 * (homeassistant/status) answered with discovery and state again.
 */
import { fromUtf8 } from '../bytes.js';
import type { Monitor, Publish } from '../monitor/publisher.js';
import { monitorTopics } from '../monitor/topics.js';
import type { TimerHandle, Timers } from '../host.js';
import type { BrokerConfig } from './runtime-config.js';

export interface BrokerRequest {
  /** `home`: device messages in; `monitor`: compliance state out. */
  role: 'home' | 'monitor';
  broker: BrokerConfig;
  clientId: string;
  /** Published by the broker if the connection dies. */
  will?: { topic: string; payload: string; retain: boolean };
  /** Subscribed on every (re)connect, before `connected` is called. */
  subscriptions: readonly string[];
  /**
   * Readings across a restart (the home broker): a persistent session
   * (clean: false) under the stable `clientId`, subscriptions at QoS 1, and
   * each message acknowledged (PUBACK) only after `handlers.message`
   * returned, so the broker keeps what devices publish at QoS 1 while the hub
   * is down and redelivers a message the hub had not taken (docs/sources.md,
   * "Readings across a hub restart"). A host that cannot keep a session
   * subscribes as before.
   */
  persistentSession?: boolean;
}

export interface BrokerHandlers {
  /** The connection (re)opened and the subscriptions are in place. */
  connected(): void;
  /** Returns once the hub has taken the message (buffered or counted); a persistent session acknowledges it then. */
  message(topic: string, payload: Uint8Array): void;
  /** A connection attempt failed, with the broker's or the network's reason ("Not authorized"); the host retries. */
  failed?(reason: string): void;
}

export interface BrokerConnection {
  /** Publishes while connected, drops while not (monitoring resends everything on the next connect). */
  publish: Publish;
  close(): Promise<void>;
}

/** The host's power: MQTT.js on the desktop, the ECMA-419 client on the board. */
export type ConnectBroker = (request: BrokerRequest, handlers: BrokerHandlers) => BrokerConnection;

/** The home broker's client id: stable across restarts, so the broker keeps the hub's session. */
export function sourceClientId(hubId: string): string {
  return `airlock-${hubId}-sources`;
}

/**
 * Opens the monitoring connection. `monitor` is read late: the hub that owns
 * the Monitor is composed with this connection's `publish`.
 */
export function connectMonitoring(
  connect: ConnectBroker,
  broker: BrokerConfig,
  options: { hubId: string; versions: () => unknown },
  monitor: () => Monitor | undefined,
): BrokerConnection {
  const topics = monitorTopics(options.hubId);
  const connection: BrokerConnection = connect(
    {
      role: 'monitor',
      broker,
      clientId: `airlock-${options.hubId}-monitor`,
      will: { topic: topics.status, payload: 'offline', retain: true },
      subscriptions: [topics.haStatus],
    },
    {
      connected() {
        monitor()?.connected(); // `online` (once), discovery and every state document
        connection.publish(topics.version, JSON.stringify(options.versions()), { retain: true, qos: 1 });
      },
      message(topic, payload) {
        monitor()?.message(topic, fromUtf8(payload));
      },
    },
  );
  return connection;
}

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/**
 * Whether a broker takes a configuration (address, credentials, CA) before
 * the hub saves it: one connection through the host's own power, closed at
 * the first answer, refused after `timeoutMs` without one.
 */
export function probeBroker(
  connect: ConnectBroker,
  broker: BrokerConfig,
  options: { role: BrokerRequest['role']; hubId: string; timers: Timers; timeoutMs: number },
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let done = false;
    let timer: TimerHandle | undefined;
    let connection: BrokerConnection | undefined;
    const finish = (result: ProbeResult) => {
      if (done) return;
      done = true;
      options.timers.clear(timer);
      // Closed once it exists: a host may answer from inside connect().
      options.timers.set(() => void connection?.close().catch(() => undefined), 0);
      resolve(result);
    };
    timer = options.timers.set(() => finish({ ok: false, reason: `no answer within ${Math.round(options.timeoutMs / 1000)} s` }), options.timeoutMs);
    connection = connect(
      { role: options.role, broker, clientId: `airlock-${options.hubId}-check`, subscriptions: [] },
      { connected: () => finish({ ok: true }), message: () => undefined, failed: (reason) => finish({ ok: false, reason }) },
    );
  });
}

/**
 * One role's connection that the settings page can replace while the hub
 * runs: the old connection is closed before the new one opens (both may use
 * the same client id on the same broker, and a broker drops the older
 * session), and replacements queue behind each other.
 */
export class BrokerSlot {
  #connection: BrokerConnection | undefined;
  #switching: Promise<void> = Promise.resolve();
  readonly #open: (broker: BrokerConfig) => BrokerConnection;

  constructor(open: (broker: BrokerConfig) => BrokerConnection, broker: BrokerConfig | undefined) {
    this.#open = open;
    this.#connection = broker ? open(broker) : undefined;
  }

  /** Publishes through whichever connection is current (dropped while none). */
  readonly publish: Publish = (topic, payload, options) => this.#connection?.publish(topic, payload, options);

  replace(broker: BrokerConfig | undefined): Promise<void> {
    this.#switching = this.#switching.then(async () => {
      const old = this.#connection;
      this.#connection = undefined;
      await old?.close().catch(() => undefined);
      if (broker) this.#connection = this.#open(broker);
    });
    return this.#switching;
  }

  async close(): Promise<void> {
    await this.#switching;
    await this.#connection?.close().catch(() => undefined);
    this.#connection = undefined;
  }
}
