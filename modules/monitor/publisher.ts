/**
 * Publishes the hub's monitoring over MQTT: availability, retained state per
 * integration and for the hub, Home Assistant discovery, and alerts.
 *
 * State goes out when it changed, at most once per `minIntervalMs` (a busy
 * hub must not flood the installer's broker), and only the documents that
 * changed. Discovery is re-sent when Home Assistant announces `online`, and
 * when the set of integrations changes.
 */
import type { Clock, Timers, TimerHandle } from '../host.js';
import { discoveryDocument, type DiscoveryOptions } from './discovery.js';
import { hubStateJson, integrationStateJson, type MonitorSnapshot } from './status.js';
import { monitorTopics } from './topics.js';

export interface PublishOptions {
  retain: boolean;
  qos: 0 | 1;
}

/** The MQTT power the monitor needs: publish only. The connection (and its last will) belongs to the host. */
export type Publish = (topic: string, payload: string, options: PublishOptions) => void;

export interface MonitorPowers {
  publish: Publish;
  timers: Timers;
  clock: Clock;
  /** Reads the current state; called when publishing, never on a hot path. */
  read: () => MonitorSnapshot;
}

export interface MonitorOptions extends DiscoveryOptions {
  minIntervalMs?: number;
}

export interface Alert {
  kind: string;
  integration?: string;
  message: string;
  details?: Record<string, unknown>;
}

export class Monitor {
  readonly topics;
  readonly #powers: MonitorPowers;
  readonly #options: MonitorOptions;
  readonly #minInterval: number;
  /** Topic → last payload sent: availability, the hub's state and one per current integration (ended ones are forgotten). */
  readonly #lastSent = new Map<string, string>();
  #lastPublishAt = -Infinity;
  #pending: TimerHandle | undefined;
  #integrationIds = '';
  published = 0;

  constructor(options: MonitorOptions, powers: MonitorPowers) {
    this.#options = options;
    this.#powers = powers;
    this.#minInterval = options.minIntervalMs ?? 5000;
    this.topics = monitorTopics(options.hubId, options.discoveryPrefix);
  }

  /** Call when the MQTT connection (re)opens: availability, discovery and every state document. */
  connected(): void {
    this.#lastSent.clear();
    this.#send(this.topics.status, 'online', true);
    this.#publishDiscovery(this.#powers.read());
    this.#publishState();
  }

  /** Call for every message on subscribed topics (the host subscribes to `topics.haStatus`). */
  message(topic: string, payload: string): void {
    if (topic === this.topics.haStatus && payload.trim() === 'online') {
      this.#publishDiscovery(this.#powers.read());
      this.#lastSent.clear(); // HA restarted: give it every state again
      this.#publishState();
    }
  }

  /** Something changed: publish soon, respecting the minimum interval. */
  changed(): void {
    if (this.#pending) return;
    const wait = this.#lastPublishAt + this.#minInterval - this.#powers.clock.monotonic();
    if (wait <= 0) {
      this.#publishState();
      return;
    }
    this.#pending = this.#powers.timers.set(() => {
      this.#pending = undefined;
      this.#publishState();
    }, wait);
  }

  alert(alert: Alert): void {
    const time = this.#powers.clock.wallTime();
    this.#powers.publish(
      this.topics.alerts,
      JSON.stringify({ ...alert, hub: this.#options.hubId, time: time === undefined ? null : new Date(time).toISOString() }),
      { retain: false, qos: 1 },
    );
  }

  /** A graceful stop says `offline` itself; a crash leaves it to the last will. */
  stopping(): void {
    this.#powers.timers.clear(this.#pending);
    this.#pending = undefined;
    this.#send(this.topics.status, 'offline', true);
  }

  #publishDiscovery(snapshot: MonitorSnapshot): void {
    const { topic, payload } = discoveryDocument(this.#options, snapshot);
    this.#integrationIds = snapshot.integrations.map((i) => i.id).join('\n');
    this.#forgetEnded(snapshot);
    this.#powers.publish(topic, JSON.stringify(payload), { retain: true, qos: 1 });
    this.published++;
  }

  /** Drops what was sent for integrations no longer in the snapshot, so the map stays within the integrations. */
  #forgetEnded(snapshot: MonitorSnapshot): void {
    const keep = [this.topics.status, this.topics.hubState, ...snapshot.integrations.map((i) => this.topics.integrationState(i.id))];
    for (const topic of [...this.#lastSent.keys()]) if (!keep.includes(topic)) this.#lastSent.delete(topic);
  }

  /** Topics remembered (for the bounded-state tests). */
  get remembered(): number {
    return this.#lastSent.size;
  }

  #publishState(): void {
    const snapshot = this.#powers.read();
    if (snapshot.integrations.map((i) => i.id).join('\n') !== this.#integrationIds) this.#publishDiscovery(snapshot);
    this.#lastPublishAt = this.#powers.clock.monotonic();
    this.#send(this.topics.hubState, JSON.stringify(hubStateJson(snapshot.hub)), true);
    for (const integration of snapshot.integrations) {
      this.#send(this.topics.integrationState(integration.id), JSON.stringify(integrationStateJson(integration)), true);
    }
  }

  #send(topic: string, payload: string, retain: boolean): void {
    if (this.#lastSent.get(topic) === payload) return;
    this.#lastSent.set(topic, payload);
    this.#powers.publish(topic, payload, { retain, qos: 1 });
    this.published++;
  }
}
