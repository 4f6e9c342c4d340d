/**
 * What the hub knows about its connections, for the local web page and the
 * monitoring topics: per integration online / degraded / offline, and for the
 * hub's uplink whether only the home network works or the internet too.
 * Offline is a normal state: the rest of the hub keeps running and the log
 * keeps buffering; only delivery waits.
 */
import type { BreakerState } from './backoff.js';
import type { EndpointScope, TransportState } from './transport.js';

export type ConnectivityState = 'online' | 'degraded' | 'offline';

/**
 * Derives one integration's state from its transport, its endpoint's circuit
 * breaker and the outcome of its last delivery attempt:
 * - offline: the breaker is open, or the transport is disconnected.
 * - degraded: reachable but failing (the last attempt failed, the breaker is
 *   probing, or the transport is reconnecting).
 * - online: connected and the last attempt (if any) was acknowledged.
 */
export class IntegrationConnectivity {
  readonly integration: string;
  readonly scope: EndpointScope;
  #transport: TransportState;
  #breaker: BreakerState = 'closed';
  #lastAttemptOk: boolean | undefined;
  #state: ConnectivityState;
  readonly #listeners = new Set<(state: ConnectivityState) => void>();

  constructor(integration: string, scope: EndpointScope, transport: TransportState) {
    this.integration = integration;
    this.scope = scope;
    this.#transport = transport;
    this.#state = this.#derive();
  }

  get state(): ConnectivityState {
    return this.#state;
  }

  /** True when an attempt was acknowledged and nothing went wrong since. */
  get reachable(): boolean | undefined {
    return this.#lastAttemptOk;
  }

  /** The transport's last reported state. */
  get transport(): TransportState {
    return this.#transport;
  }

  transportState(state: TransportState): void {
    this.#transport = state;
    this.#update();
  }

  breakerState(state: BreakerState): void {
    this.#breaker = state;
    this.#update();
  }

  attempt(ok: boolean): void {
    const changed = this.#lastAttemptOk !== ok;
    this.#lastAttemptOk = ok;
    this.#update(changed);
  }

  /** Calls `listener` when the state or the reachability changes. */
  onChange(listener: (state: ConnectivityState) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #derive(): ConnectivityState {
    if (this.#breaker === 'open' || this.#transport === 'disconnected') return 'offline';
    if (this.#breaker === 'half-open' || this.#transport === 'connecting' || this.#lastAttemptOk === false) return 'degraded';
    return 'online';
  }

  /** Tells listeners when the state changed, or when `reachable` did (`force`): the uplink depends on both. */
  #update(force = false): void {
    const next = this.#derive();
    if (next === this.#state && !force) return;
    this.#state = next;
    for (const listener of [...this.#listeners]) {
      try {
        listener(next);
      } catch {
        // A listener's bug must not break state tracking.
      }
    }
  }
}

/**
 * The hub's uplink: `offline` when the network link itself is down (no Wi-Fi),
 * `internet` when an internet endpoint is reachable, `local` when the link is
 * up but every internet endpoint is offline, `unknown` before there is
 * evidence either way (no internet endpoint attempted yet).
 */
export type UplinkState = 'offline' | 'local' | 'internet' | 'unknown';

export class UplinkMonitor {
  #linkUp = true;
  readonly #integrations = new Set<IntegrationConnectivity>();
  readonly #listeners = new Set<(state: UplinkState) => void>();
  #state: UplinkState = 'unknown';

  /** The host reports its network link (Wi-Fi associated and an address). */
  setLink(up: boolean): void {
    this.#linkUp = up;
    this.#update();
  }

  track(connectivity: IntegrationConnectivity): void {
    this.#integrations.add(connectivity);
    connectivity.onChange(() => this.#update());
    this.#update();
  }

  get state(): UplinkState {
    return this.#state;
  }

  onChange(listener: (state: UplinkState) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #derive(): UplinkState {
    if (!this.#linkUp) return 'offline';
    let sawInternet = false;
    for (const c of this.#integrations) {
      if (c.scope !== 'internet') continue;
      if (c.state !== 'offline' && c.reachable === true) return 'internet';
      if (c.state === 'offline' || c.reachable === false) sawInternet = true;
    }
    return sawInternet ? 'local' : 'unknown';
  }

  #update(): void {
    const next = this.#derive();
    if (next === this.#state) return;
    this.#state = next;
    for (const listener of [...this.#listeners]) {
      try {
        listener(next);
      } catch {
        // ignore listener bugs
      }
    }
  }
}
