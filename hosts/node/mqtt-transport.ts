/**
 * Delivery over MQTT with MQTT.js, QoS 1: a send resolves on the broker's
 * PUBACK. The endpoint URL names broker and topic:
 * mqtts://broker.vendor.example:8883/airlock/energy publishes to
 * "airlock/energy". mqtts:// verifies the broker against `ca` (PEM) when given,
 * else against the system's CAs.
 *
 * MQTT.js would keep a publish that got no PUBACK (and queue new ones while
 * offline) and resend it by itself after a reconnect, behind the forwarder's
 * back and out of its order. This transport never lets it: it refuses to
 * publish while not connected, and a publish that timed out or whose
 * connection closed is removed from MQTT.js's outgoing store and reported as
 * not delivered, so the forwarder alone decides what is sent again, in order.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  DeliveryError,
  StateListeners,
  endpointScope,
  type EndpointScope,
  type OutboundMessage,
  type SendOptions,
  type Transport,
  type TransportState,
} from '../../modules/forward/transport.js';

export interface MqttTransportOptions {
  /** mqtt://host:port/topic or mqtts://host:port/topic. */
  endpoint: string;
  /** Overrides the topic taken from the endpoint's path. */
  topic?: string;
  /** PEM CA certificate(s) that sign the broker's certificate (mqtts://). */
  ca?: string | Buffer;
  /** PEM client certificate and key, when the vendor authenticates hubs by certificate. */
  cert?: string | Buffer;
  key?: string | Buffer;
  clientId?: string;
  username?: string;
  password?: string;
  /**
   * The vendor's command topic on the same broker (modules/forward/commands.ts):
   * subscribed at every connection (QoS 1, the session is clean), its messages
   * go to `onCommand` listeners.
   */
  commandTopic?: string;
  /** Wait between reconnection attempts, ms (default 1000). */
  reconnectPeriodMs?: number;
  /** Wait for the broker's CONNACK, ms (default 5000). */
  connectTimeoutMs?: number;
  keepaliveSeconds?: number;
}

interface InFlight {
  callback: (error?: Error) => void;
  reject: (error: DeliveryError) => void;
}

export class MqttTransport implements Transport {
  readonly endpoint: string;
  readonly scope: EndpointScope;
  readonly topic: string;
  readonly #client: MqttClient;
  readonly #publisher: MqttPublisher;
  readonly #listeners = new StateListeners();
  readonly #commandListeners = new Set<(payload: Uint8Array, source: 'topic' | 'answer') => void>();
  #state: TransportState = 'connecting';
  #closed = false;

  constructor(options: MqttTransportOptions) {
    const url = new URL(options.endpoint);
    if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') {
      throw new TypeError(`mqtt transport: endpoint "${options.endpoint}" must start with mqtt:// or mqtts://`);
    }
    this.endpoint = options.endpoint;
    this.scope = endpointScope(options.endpoint);
    this.topic = options.topic ?? decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!this.topic || /[#+]/.test(this.topic)) {
      throw new TypeError(`mqtt transport: "${this.topic}" is not a topic to publish to; the contract's delivery.topic names it, or an endpoint override's path (mqtts://host:8883/airlock/energy)`);
    }
    const commandTopic = options.commandTopic;
    checkCommandTopic(commandTopic);
    this.#client = mqtt.connect({ ...mqttClientOptions(url, options), clean: true, reconnectPeriod: options.reconnectPeriodMs ?? 1000 });
    this.#publisher = new MqttPublisher(this.#client, options.endpoint);
    this.#client.on('connect', () => {
      // Clean sessions forget subscriptions: subscribe again at every connection.
      if (commandTopic) this.#client.subscribe(commandTopic, { qos: 1 }, () => undefined);
      this.#setState('connected');
    });
    this.#client.on('message', (topic, payload) => {
      if (topic !== commandTopic) return;
      const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
      for (const listener of [...this.#commandListeners]) {
        try {
          listener(bytes, 'topic');
        } catch {
          // The command checker never throws; a listener's bug must not break delivery.
        }
      }
    });
    this.#client.on('reconnect', () => this.#setState('connecting'));
    this.#client.on('close', () => {
      this.#publisher.failAll('the connection to the broker closed before the PUBACK');
      this.#setState('disconnected');
    });
    // Connection errors are reported through 'close' and the sends; without a
    // listener MQTT.js's 'error' event would crash the process.
    this.#client.on('error', () => {});
  }

  state(): TransportState {
    return this.#state;
  }

  onStateChange(listener: (state: TransportState) => void): () => void {
    return this.#listeners.add(listener);
  }

  onCommand(listener: (payload: Uint8Array, source: 'topic' | 'answer') => void): () => void {
    this.#commandListeners.add(listener);
    return () => void this.#commandListeners.delete(listener);
  }

  send(message: OutboundMessage, options: SendOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new DeliveryError('unreachable', 'the transport is closed'));
    return this.#publisher.publish(this.topic, message.body, options.timeoutMs);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#publisher.failAll('the transport was closed');
    await this.#client.endAsync(true);
    this.#setState('disconnected');
  }

  #setState(state: TransportState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#listeners.emit(state);
  }
}

/**
 * QoS 1 publishes over one MQTT.js client, each settled on its PUBACK or
 * reported as not delivered (timeout, connection closed) and then removed
 * from MQTT.js's outgoing store, so MQTT.js never resends it behind the
 * forwarder's back.
 */
export class MqttPublisher {
  readonly #client: MqttClient;
  readonly #endpoint: string;
  readonly #inFlight = new Set<InFlight>();

  constructor(client: MqttClient, endpoint: string) {
    this.#client = client;
    this.#endpoint = endpoint;
  }

  publish(topic: string, body: Uint8Array, timeoutMs: number): Promise<void> {
    if (!this.#client.connected) {
      return Promise.reject(new DeliveryError('unreachable', `not connected to ${this.#endpoint}`));
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: DeliveryError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight.delete(entry);
        if (error) reject(error);
        else resolve();
      };
      const entry: InFlight = {
        callback: (error?: Error) => finish(error ? classify(error) : undefined),
        reject: (error) => {
          finish(error); // first: forgetting calls the callback with "Message removed"
          this.#forget(entry.callback);
        },
      };
      const timer = setTimeout(() => entry.reject(new DeliveryError('timeout', `no PUBACK from ${this.#endpoint} within ${timeoutMs} ms`)), timeoutMs);
      this.#inFlight.add(entry);
      this.#client.publish(topic, Buffer.from(body.buffer, body.byteOffset, body.byteLength), { qos: 1 }, entry.callback);
    });
  }

  /** The connection closed: every publish still waiting for its PUBACK is not delivered. */
  failAll(reason: string): void {
    for (const entry of [...this.#inFlight]) entry.reject(new DeliveryError('closed', reason));
  }

  /** Removes a publish from MQTT.js's outgoing store so it is never resent behind our back. */
  #forget(callback: (error?: Error) => void): void {
    for (const [id, outgoing] of Object.entries(this.#client.outgoing)) {
      if (outgoing.cb === callback) {
        // removeOutgoingMessage calls the callback with "Message removed"; the send already settled.
        this.#client.removeOutgoingMessage(Number(id));
        return;
      }
    }
    // Not yet in `outgoing` (queued while MQTT.js replays its store): drop it from that queue.
    const queue = (this.#client as unknown as { _storeProcessingQueue?: { callback?: unknown }[] })._storeProcessingQueue;
    if (Array.isArray(queue)) {
      const at = queue.findIndex((item) => item.callback === callback);
      if (at >= 0) queue.splice(at, 1);
    }
  }
}

/** What MQTT.js needs to reach the broker of `url` (mqtt:// or mqtts://), with the hub's credentials. */
export function mqttClientOptions(url: URL, options: Pick<MqttTransportOptions, 'ca' | 'cert' | 'key' | 'clientId' | 'username' | 'password' | 'connectTimeoutMs' | 'keepaliveSeconds'>): IClientOptions {
  return {
    protocol: url.protocol === 'mqtts:' ? 'mqtts' : 'mqtt',
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'mqtts:' ? 8883 : 1883)),
    connectTimeout: options.connectTimeoutMs ?? 5000,
    keepalive: options.keepaliveSeconds ?? 30,
    queueQoSZero: false,
    rejectUnauthorized: true,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.cert ? { cert: options.cert } : {}),
    ...(options.key ? { key: options.key } : {}),
    ...(options.clientId ? { clientId: options.clientId } : {}),
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
  };
}

export function checkCommandTopic(topic: string | undefined): void {
  if (topic !== undefined && (!topic || /[#+]/.test(topic))) {
    throw new TypeError(`mqtt transport: command topic "${topic}" must be a plain topic without wildcards`);
  }
}

/** MQTT.js errors to delivery kinds. */
function classify(error: Error): DeliveryError {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' && code >= 0x80) {
    return new DeliveryError(code === 0x95 ? 'tooLarge' : 'rejected', `broker refused the publish (reason code 0x${code.toString(16)}): ${error.message}`);
  }
  if (/connection closed|client disconnecting|message removed/i.test(error.message)) return new DeliveryError('closed', error.message);
  return new DeliveryError('unreachable', error.message);
}
