/**
 * MQTT for the ESP32 over the SDK's ECMA-419 client
 * (`embedded:network/mqtt/client`, examples/io/tcp/mqttclient): QoS 1 with
 * PUBACK, a retained last will, TLS through `embedded:io/socket/tcp/tls`.
 * The classic `mqtt` module is QoS 0 only, so it cannot give at-least-once
 * delivery.
 *
 * One connection per broker. `publish()` resolves on PUBACK (QoS 1) or once
 * written (QoS 0), and rejects when the connection drops first: the
 * forwarder then keeps the records and retries (at-least-once). Messages
 * wait in a small queue while the socket is full; a payload larger than the
 * socket can take at once goes out in fragments (`byteLength` + follow-up
 * writes, as the client supports). The connection reopens with backoff.
 */
import TCP from 'embedded:io/socket/tcp';
import TLSSocket from 'embedded:io/socket/tcp/tls';
import UDP from 'embedded:io/socket/udp';
import Resolver from 'embedded:network/dns/resolver/udp';
import MQTTClient, { type ControlMessage, type ReadableOptions } from 'embedded:network/mqtt/client';
import { utf8 } from '../../modules/bytes.js';
import type { Logger, TimerHandle, Timers } from '../../modules/host.js';
import { DeliveryError, endpointScope, StateListeners, type EndpointScope, type OutboundMessage, type SendOptions, type Transport, type TransportState } from '../../modules/forward/transport.js';
import type { Publish } from '../../modules/monitor/publisher.js';
import type { Claim, SessionLink } from '../../modules/forward/sessions.js';

export interface MqttEndpoint {
  host: string;
  port?: number;
  tls?: boolean;
  clientId: string;
  username?: string;
  password?: string;
  keepAliveMs?: number;
  will?: { topic: string; message: string; retain: boolean };
  dnsServers?: string[];
  /** How long a QoS 1 publish may wait for its PUBACK before the connection is considered dead. */
  ackTimeoutMs?: number;
  /**
   * CleanSession 0: the broker keeps the subscriptions and queues QoS 1 messages while the hub
   * is away (a restart, a power cut), and hands them over at the next connect. The SDK's client
   * queues the PUBACK as it hands a message to onReadable; the hub takes it in that same turn.
   */
  persistentSession?: boolean;
  /** Reopen by itself after a drop (default true). An on-demand session (MqttSessionLink) is reopened by the session pool instead. */
  reconnect?: boolean;
}

interface Outgoing {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

const HEADER_ROOM = 8; // fixed header + remaining length + packet id
/**
 * Messages waiting for the socket. The monitor hands over one state document per integration at
 * once (33 with the esp32s3 profile's 32 integrations), which 32 could not hold; entries hold only
 * references to payloads their callers already made.
 */
const MAX_QUEUE = 48;
const BACKOFF_MS = [2_000, 5_000, 15_000, 30_000, 60_000];

export class MqttConnection {
  readonly #endpoint: MqttEndpoint;
  readonly #timers: Timers;
  readonly #log: Logger;
  readonly #queue: Outgoing[] = [];
  readonly #inflight = new Map<number, { message: Outgoing; timer: TimerHandle }>();
  readonly #subscriptions = new Map<string, 0 | 1>();
  /** Per-topic receivers: the command topics of the integrations sharing this connection. */
  readonly #receivers = new Map<string, (payload: Uint8Array) => void>();
  #client: MQTTClient | undefined;
  #connected = false;
  #writable = 0;
  #nextId = 1;
  #attempt = 0;
  #reopen: TimerHandle | undefined;
  #partial: { message: Outgoing; sent: number } | undefined;
  #incoming: { topic: string; parts: Uint8Array[] } | undefined;
  #closed = false;
  #opening = false;
  /** Every connect and disconnect, for transports that report their state. */
  readonly states = new StateListeners();
  onConnected: () => void = () => {};
  onDisconnected: () => void = () => {};
  /** An attempt to connect failed before CONNACK (refused credentials, no route): the reason, then the backoff. */
  onFailed: (reason: string) => void = () => {};
  onMessage: (topic: string, payload: Uint8Array) => void = () => {};

  /** The broker's host, for messages. */
  get host(): string {
    return this.#endpoint.host;
  }

  constructor(endpoint: MqttEndpoint, powers: { timers: Timers; log: Logger }) {
    this.#endpoint = endpoint;
    this.#timers = powers.timers;
    this.#log = powers.log;
  }

  get connected(): boolean {
    return this.#connected;
  }

  get state(): TransportState {
    return this.#connected ? 'connected' : this.#opening || this.#reopen !== undefined ? 'connecting' : 'disconnected';
  }

  open(): void {
    this.#closed = false;
    this.#opening = true;
    this.states.emit('connecting');
    const e = this.#endpoint;
    const dns = { io: Resolver, servers: e.dnsServers ?? ['1.1.1.1', '8.8.8.8'], socket: { io: UDP } };
    // nodelay: the client writes a PUBLISH as a header and a payload; with Nagle's algorithm the
    // payload waited for the broker's delayed ACK (about 40 ms a message, measured on the simulator).
    const socket = e.tls ? { io: TLSSocket, TCP: { io: TCP, nodelay: true }, secure: { serverName: e.host } } : { io: TCP, nodelay: true };
    const self = this;
    try {
      this.#client = new MQTTClient({
        host: e.host,
        port: e.port ?? (e.tls ? 8883 : 1883),
        id: e.clientId,
        clean: e.persistentSession !== true,
        keepAlive: e.keepAliveMs ?? 60_000,
        ...(e.username ? { user: e.username } : {}),
        ...(e.password ? { password: e.password } : {}),
        ...(e.will ? { will: { topic: e.will.topic, message: e.will.message, QoS: 1, retain: e.will.retain } } : {}),
        dns,
        socket,
        onControl(message: ControlMessage) {
          self.#control(message);
        },
        onWritable(count: number) {
          self.#writable = count;
          self.#flush();
        },
        onReadable(count: number, options: ReadableOptions) {
          self.#readable(this, count, options);
        },
        onError() {
          self.#lost('connection error');
        },
        onClose() {
          self.#lost('connection closed');
        },
      });
    } catch (error) {
      this.#lost(`cannot start: ${(error as Error).message}`);
    }
  }

  publish(topic: string, payload: Uint8Array | string, options: { qos: 0 | 1; retain: boolean }): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.#connected) return reject(new DeliveryError('unreachable', `mqtt: not connected to ${this.#endpoint.host}`));
      if (this.#queue.length >= MAX_QUEUE) return reject(new DeliveryError('unreachable', 'mqtt: send queue full; try again after the next acknowledgement'));
      this.#queue.push({ topic, payload: typeof payload === 'string' ? utf8(payload) : payload, qos: options.qos, retain: options.retain, resolve, reject });
      this.#flush();
    });
  }

  /** Subscribes `topic` and hands what arrives there to `handler` (other topics go to onMessage). */
  listen(topic: string, qos: 0 | 1, handler: (payload: Uint8Array) => void): void {
    this.#receivers.set(topic, handler);
    this.subscribe(topic, qos);
  }

  subscribe(topic: string, qos: 0 | 1 = 0): void {
    this.#subscriptions.set(topic, qos);
    if (this.#connected) this.#client?.write(null, { operation: MQTTClient.SUBSCRIBE, items: [{ topic, QoS: qos }] });
  }

  close(): void {
    this.#closed = true;
    this.#timers.clear(this.#reopen);
    try {
      if (this.#connected) this.#client?.write(null, { operation: MQTTClient.DISCONNECT });
    } catch {
      // closing anyway
    }
    this.#client?.close();
    this.#lost('closed by the hub');
  }

  #control(message: ControlMessage): void {
    if (message.operation === MQTTClient.CONNACK) {
      this.#connected = true;
      this.#opening = false;
      this.#attempt = 0;
      this.states.emit('connected');
      this.#log.info('mqtt: connected', { host: this.#endpoint.host });
      for (const [topic, qos] of this.#subscriptions) this.#client?.write(null, { operation: MQTTClient.SUBSCRIBE, items: [{ topic, QoS: qos }] });
      this.onConnected();
    } else if (message.operation === MQTTClient.PUBACK && message.id !== undefined) {
      const entry = this.#inflight.get(message.id);
      if (!entry) return; // a duplicate or late PUBACK
      this.#inflight.delete(message.id);
      this.#timers.clear(entry.timer);
      entry.message.resolve();
    }
  }

  #flush(): void {
    const client = this.#client;
    if (!client || !this.#connected) return;
    try {
      if (this.#partial) {
        const { message, sent } = this.#partial;
        const part = message.payload.subarray(sent, sent + this.#writable);
        if (part.length === 0) return;
        this.#writable = client.write(part);
        this.#partial.sent += part.length;
        if (this.#partial.sent < message.payload.length) return;
        this.#partial = undefined;
        this.#sent(message);
      }
      while (this.#queue.length > 0) {
        const message = this.#queue[0]!;
        const overhead = HEADER_ROOM + utf8(message.topic).length;
        const room = this.#writable - overhead;
        if (room <= 0 || (room < message.payload.length && room < 256)) return; // wait for onWritable
        this.#queue.shift();
        const id = message.qos === 1 ? this.#packetId() : undefined;
        const first = message.payload.subarray(0, room);
        this.#writable = client.write(first, {
          topic: message.topic,
          QoS: message.qos,
          retain: message.retain,
          byteLength: message.payload.length,
          ...(id === undefined ? {} : { id }),
        });
        if (id !== undefined) this.#await(id, message);
        if (first.length < message.payload.length) {
          this.#partial = { message, sent: first.length };
          return;
        }
        if (id === undefined) message.resolve();
      }
    } catch (error) {
      this.#lost(`write failed: ${(error as Error).message}`);
    }
  }

  #sent(message: Outgoing): void {
    if (message.qos === 0) message.resolve();
  }

  #await(id: number, message: Outgoing): void {
    const timer = this.#timers.set(() => this.#lost(`no PUBACK for packet ${id}`), this.#endpoint.ackTimeoutMs ?? 30_000);
    this.#inflight.set(id, { message, timer });
  }

  #packetId(): number {
    // 1..65535, skipping ids still waiting for their PUBACK.
    for (let tries = 0; tries < 65535; tries++) {
      const id = this.#nextId;
      this.#nextId = id === 65535 ? 1 : id + 1;
      if (!this.#inflight.has(id)) return id;
    }
    throw new Error('mqtt: no free packet id');
  }

  #readable(client: MQTTClient, count: number, options: ReadableOptions): void {
    if (options.topic !== undefined) this.#incoming = { topic: options.topic, parts: [] };
    const data = client.read(count);
    if (this.#incoming && data) this.#incoming.parts.push(new Uint8Array(data));
    if (!options.more && this.#incoming) {
      const { topic, parts } = this.#incoming;
      this.#incoming = undefined;
      const length = parts.reduce((sum, p) => sum + p.length, 0);
      const payload = new Uint8Array(length);
      let at = 0;
      for (const p of parts) {
        payload.set(p, at);
        at += p.length;
      }
      const receiver = this.#receivers.get(topic);
      if (receiver) receiver(payload);
      else this.onMessage(topic, payload);
    }
  }

  #lost(reason: string): void {
    const wasConnected = this.#connected;
    this.#connected = false;
    this.#opening = false;
    this.#writable = 0;
    this.#partial = undefined;
    this.#client = undefined;
    const error = new DeliveryError('closed', `mqtt: ${reason} (${this.#endpoint.host}); unacknowledged messages will be sent again`);
    for (const { message, timer } of this.#inflight.values()) {
      this.#timers.clear(timer);
      message.reject(error);
    }
    this.#inflight.clear();
    for (const message of this.#queue.splice(0)) message.reject(error);
    if (wasConnected) {
      this.#log.warn('mqtt: disconnected', { host: this.#endpoint.host, reason });
      this.onDisconnected();
    } else if (!this.#closed) this.onFailed(reason);
    if (this.#closed || this.#endpoint.reconnect === false) {
      this.states.emit('disconnected');
      return;
    }
    this.#timers.clear(this.#reopen);
    const delay = BACKOFF_MS[Math.min(this.#attempt++, BACKOFF_MS.length - 1)]!;
    this.#reopen = this.#timers.set(() => {
      this.#reopen = undefined;
      this.open();
    }, delay);
    if (wasConnected) this.states.emit('connecting');
  }
}

/**
 * An MQTT connection opened on demand by the session pool
 * (modules/forward/sessions.ts) and shared by the integrations that deliver
 * to the same broker with the same credentials. Its connection does not
 * reconnect by itself and keeps a persistent session, so the broker holds the
 * vendor's QoS 1 commands while it is closed and hands them over at the next
 * open.
 */
export class MqttSessionLink implements SessionLink {
  readonly connection: MqttConnection;
  #closing = false;

  constructor(connection: MqttConnection) {
    this.connection = connection;
  }

  open(lost: (reason: string) => void): Promise<void> {
    this.#closing = false;
    return new Promise((resolve, reject) => {
      let opened = false;
      const stop = this.connection.states.add((state) => {
        if (state === 'connected') {
          opened = true;
          resolve();
        } else if (state === 'disconnected') {
          stop();
          // The SDK's client reports a refused CONNACK as a bare error, like a connection that failed.
          if (!opened) reject(new DeliveryError('unreachable', `mqtt: ${this.connection.host} did not accept the connection: it refused the credentials or no broker answers there; check the integration's token and endpoint`));
          else if (!this.#closing) lost('connection lost');
        }
      });
      this.connection.open();
    });
  }

  close(): Promise<void> {
    this.#closing = true;
    this.connection.close();
    return Promise.resolve();
  }
}

/**
 * The forwarder's Transport over one MQTT connection of its own: QoS 1,
 * resolved on PUBACK. A publish without PUBACK within the forwarder's
 * timeout rejects `timeout` (the connection's own PUBACK watchdog then
 * reconnects); a dropped connection rejects `closed`, no connection
 * `unreachable`. The connection never resends by itself: the forwarder alone
 * decides what goes again, in order.
 */
export class MqttTransport implements Transport {
  readonly endpoint: string;
  readonly scope: EndpointScope;
  readonly #connection: MqttConnection;
  readonly #topic: string;
  readonly #timers: Timers;
  readonly #commandListeners = new Set<(payload: Uint8Array, source: 'topic' | 'answer') => void>();
  readonly #hasCommands: boolean;
  /** Present when the connection opens on demand (MqttSessionLink): state and close go through it. */
  readonly session?: Claim;

  /**
   * `commandTopic`: the vendor's command topic on the same broker (modules/forward/commands.ts),
   * subscribed at QoS 1 on this integration's own connection; what arrives there goes to the
   * `onCommand` listeners, which authenticate it (modules/audit/vendor-commands.ts).
   */
  constructor(endpoint: string, topic: string, connection: MqttConnection, timers: Timers, commandTopic?: string, session?: Claim) {
    this.endpoint = endpoint;
    this.scope = endpointScope(endpoint);
    this.#topic = topic;
    this.#connection = connection;
    this.#timers = timers;
    this.#hasCommands = commandTopic !== undefined;
    if (session) this.session = session;
    if (commandTopic !== undefined) {
      connection.listen(commandTopic, 1, (payload) => {
        for (const listener of [...this.#commandListeners]) listener(payload, 'topic');
      });
    }
  }

  /** On demand, listening opens the session once: the subscription is made and what the broker kept arrives. */
  onCommand(listener: (payload: Uint8Array, source: 'topic' | 'answer') => void): () => void {
    this.#commandListeners.add(listener);
    if (this.#hasCommands) this.session?.visit();
    return () => void this.#commandListeners.delete(listener);
  }

  send(message: OutboundMessage, options: SendOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = this.#timers.set(() => {
        if (settled) return;
        settled = true;
        reject(new DeliveryError('timeout', `mqtt: no PUBACK from ${this.endpoint} within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        this.#timers.clear(timer);
        if (error === undefined) resolve();
        else reject(error instanceof DeliveryError ? error : new DeliveryError('unreachable', String((error as Error)?.message ?? error)));
      };
      this.#connection.publish(this.#topic, message.body, { qos: 1, retain: false }).then(() => finish(), finish);
    });
  }

  state(): TransportState {
    return this.session ? this.session.state() : this.#connection.state;
  }

  onStateChange(listener: (state: TransportState) => void): () => void {
    return this.session ? this.session.onStateChange(listener) : this.#connection.states.add(listener);
  }

  close(): Promise<void> {
    if (this.session) return this.session.detach(); // the shared connection closes with its last lane
    this.#connection.close();
    return Promise.resolve();
  }
}

/** The monitor's Publish over the monitoring connection; while disconnected it drops (the monitor resends all on reconnect). */
export function monitorPublish(connection: MqttConnection, log: Logger): Publish {
  return (topic, payload, options) => {
    if (!connection.connected) return;
    connection.publish(topic, payload, options).catch((error: Error) => log.debug('monitor publish not acknowledged', { topic, error: error.message }));
  };
}
