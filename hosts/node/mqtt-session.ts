/**
 * MQTT delivery with connections on demand (modules/forward/sessions.ts):
 * one MqttLink per broker and credentials, shared by the integrations that
 * deliver there, opened by the session pool when one of them has something
 * to send and closed when idle. Each integration's SessionMqttTransport
 * publishes to its own topic over the shared link.
 *
 * The vendor's command channel (modules/forward/commands.ts) rides on the
 * same link. The link connects with a persistent session (CleanSession 0,
 * a stable client id) and subscribes every command topic at QoS 1, so the
 * broker keeps commands that arrive while the link is closed and hands them
 * over when it next opens: at the integration's next delivery, and once at
 * start (the transport visits its session when the hub listens for commands).
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Claim, SessionLink } from '../../modules/forward/sessions.js';
import { DeliveryError, endpointScope, type EndpointScope, type OutboundMessage, type SendOptions, type Transport, type TransportState } from '../../modules/forward/transport.js';
import { checkCommandTopic, MqttPublisher, mqttClientOptions, type MqttTransportOptions } from './mqtt-transport.js';

/** How long a graceful close may take before the connection is cut. */
const CLOSE_GRACE_MS = 2_000;

export type MqttLinkOptions = Pick<MqttTransportOptions, 'ca' | 'cert' | 'key' | 'clientId' | 'username' | 'password' | 'connectTimeoutMs' | 'keepaliveSeconds'>;

export class MqttLink implements SessionLink {
  /** The broker, for messages: mqtt(s)://host:port. */
  readonly broker: string;
  readonly #url: URL;
  readonly #options: MqttLinkOptions;
  /** Command topic → the integration's handler; one entry per integration sharing the link. */
  readonly #commands = new Map<string, (payload: Uint8Array) => void>();
  #client: MqttClient | undefined;
  #publisher: MqttPublisher | undefined;

  constructor(broker: string, options: MqttLinkOptions) {
    this.#url = new URL(broker);
    this.broker = `${this.#url.protocol}//${this.#url.host}`;
    this.#options = options;
  }

  /** Receives what arrives on `topic`; subscribed at every open (and now, if open). */
  listen(topic: string, handler: (payload: Uint8Array) => void): void {
    checkCommandTopic(topic);
    this.#commands.set(topic, handler);
    if (this.#client?.connected) this.#client.subscribe(topic, { qos: 1 }, () => undefined);
  }

  open(lost: (reason: string) => void): Promise<void> {
    // Persistent session: the broker keeps QoS 1 commands while the link is closed. MQTT.js never
    // reconnects by itself: the pool opens the link again when a lane has something to send.
    const client = mqtt.connect({ ...mqttClientOptions(this.#url, this.#options), clean: false, reconnectPeriod: 0 });
    const publisher = new MqttPublisher(client, this.broker);
    this.#client = client;
    this.#publisher = publisher;
    client.on('error', () => {}); // reported through 'close' and the sends
    client.on('message', (topic, payload) => {
      const handler = this.#commands.get(topic);
      if (!handler) return;
      try {
        handler(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
      } catch {
        // The command checker never throws; a listener's bug must not break delivery.
      }
    });
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      client.once('connect', () => {
        const topics = [...this.#commands.keys()];
        if (topics.length === 0) {
          opened = true;
          return resolve();
        }
        client.subscribe(topics, { qos: 1 }, (error) => {
          if (error) return reject(new DeliveryError('rejected', `${this.broker} refused the command subscription: ${error.message}`));
          opened = true;
          resolve();
        });
      });
      client.on('close', () => {
        publisher.failAll(`the connection to ${this.broker} closed before the PUBACK`);
        const ours = this.#client === client; // not closed by close(): the network or the broker ended it
        if (ours) {
          this.#client = undefined;
          this.#publisher = undefined;
        }
        if (opened) {
          if (ours) lost('closed');
        } else {
          void client.endAsync(true);
          reject(new DeliveryError('unreachable', `cannot connect to ${this.broker}`));
        }
      });
    });
  }

  publish(topic: string, body: Uint8Array, timeoutMs: number): Promise<void> {
    if (!this.#publisher) return Promise.reject(new DeliveryError('unreachable', `no session open with ${this.broker}`));
    return this.#publisher.publish(topic, body, timeoutMs);
  }

  /**
   * A graceful DISCONNECT (the broker keeps the persistent session and sends
   * no will), resolved once the broker closed its side too, so the slot is
   * free only when the connection is gone; forced after `CLOSE_GRACE_MS`.
   */
  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#publisher?.failAll('the session was closed');
    this.#publisher = undefined;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => void client.endAsync(true).then(resolve, resolve), CLOSE_GRACE_MS);
    });
    const graceful = client.connected ? client.endAsync(false).catch(() => client.endAsync(true)) : client.endAsync(true);
    await Promise.race([graceful, forced]);
    clearTimeout(timer);
  }
}

/** One integration's transport over its endpoint's shared, on-demand link. */
export class SessionMqttTransport implements Transport {
  readonly endpoint: string;
  readonly scope: EndpointScope;
  readonly topic: string;
  readonly session: Claim;
  readonly #link: MqttLink;
  readonly #commandTopic: string | undefined;
  readonly #commandListeners = new Set<(payload: Uint8Array, source: 'topic' | 'answer') => void>();

  constructor(options: { endpoint: string; topic: string; commandTopic?: string; link: MqttLink; session: Claim }) {
    this.endpoint = options.endpoint;
    this.scope = endpointScope(options.endpoint);
    this.topic = options.topic;
    this.session = options.session;
    this.#link = options.link;
    this.#commandTopic = options.commandTopic;
    if (options.commandTopic) {
      options.link.listen(options.commandTopic, (payload) => {
        for (const listener of [...this.#commandListeners]) listener(payload, 'topic');
      });
    }
  }

  send(message: OutboundMessage, options: SendOptions): Promise<void> {
    return this.#link.publish(this.topic, message.body, options.timeoutMs);
  }

  state(): TransportState {
    return this.session.state();
  }

  onStateChange(listener: (state: TransportState) => void): () => void {
    return this.session.onStateChange(listener);
  }

  /** The hub listens for commands: the session opens once so the subscription exists and kept commands arrive. */
  onCommand(listener: (payload: Uint8Array, source: 'topic' | 'answer') => void): () => void {
    this.#commandListeners.add(listener);
    if (this.#commandTopic) this.session.visit();
    return () => void this.#commandListeners.delete(listener);
  }

  close(): Promise<void> {
    return this.session.detach();
  }
}
