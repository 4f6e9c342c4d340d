/**
 * When to join the home network and when to open the setup access point.
 * Pure decisions; hosts/moddable/wifi.ts carries them out with Moddable's
 * `wifi` module.
 *
 *   no credentials ─────────────────────────────▶ setup (AP on)
 *   credentials ──▶ connecting ──got IP──▶ online ──disconnected──▶ reconnecting
 *                      │  ▲                  ▲                        │
 *                      │  └──retry (backoff)─┼────────────────────────┘
 *                      │                     └──got IP (AP off)
 *                      └─ never online within fallbackAfterMs since start:
 *                         AP on beside the station (fallback), still retrying
 *   setup or fallback ──credentials from the page──▶ connecting (AP stays on until online)
 *
 * Once the hub has been online, losing Wi-Fi never opens the AP by itself:
 * a router reboot must not expose a setup network. The owner can still ask
 * for it (a button, or `setupRequested`).
 */
import type { Clock } from './host.js';

export type WifiState = 'setup' | 'connecting' | 'online' | 'reconnecting';

export interface WifiCredentials {
  ssid: string;
  password?: string;
}

export type WifiEvent =
  | { type: 'got-ip' }
  | { type: 'disconnected' }
  | { type: 'retry-timer' }
  | { type: 'credentials'; credentials: WifiCredentials }
  | { type: 'setup-requested' };

export type WifiAction =
  | { type: 'connect'; credentials: WifiCredentials }
  | { type: 'access-point'; on: boolean }
  | { type: 'schedule-retry'; ms: number };

export interface WifiPolicyOptions {
  /** Open the AP beside the station if the first connection takes longer than this. */
  fallbackAfterMs?: number;
  /** Retry delays after a failed or lost connection; the last repeats. */
  backoffMs?: readonly number[];
}

export class WifiPolicy {
  readonly #clock: Clock;
  readonly #fallbackAfter: number;
  readonly #backoff: readonly number[];
  #state: WifiState = 'setup';
  #credentials: WifiCredentials | undefined;
  #accessPoint = false;
  #everOnline = false;
  #since = 0;
  #attempt = 0;
  transitions = 0;

  constructor(clock: Clock, options: WifiPolicyOptions = {}) {
    this.#clock = clock;
    this.#fallbackAfter = options.fallbackAfterMs ?? 120_000;
    this.#backoff = options.backoffMs ?? [2_000, 5_000, 15_000, 30_000, 60_000];
  }

  get state(): WifiState {
    return this.#state;
  }

  get accessPointOn(): boolean {
    return this.#accessPoint;
  }

  start(credentials: WifiCredentials | undefined): WifiAction[] {
    this.#since = this.#clock.monotonic();
    if (!credentials || credentials.ssid === '') {
      this.#enter('setup');
      return this.#accessPointAction(true);
    }
    return this.#connect(credentials);
  }

  on(event: WifiEvent): WifiAction[] {
    switch (event.type) {
      case 'got-ip': {
        this.#everOnline = true;
        this.#attempt = 0;
        this.#enter('online');
        return this.#accessPointAction(false);
      }
      case 'disconnected':
        if (this.#state !== 'online') return []; // a failed attempt: the retry timer is already set
        this.#enter('reconnecting');
        return [{ type: 'schedule-retry', ms: this.#delay() }];
      case 'retry-timer': {
        if (this.#state === 'online' || this.#state === 'setup' || !this.#credentials) return [];
        this.#attempt++;
        const actions: WifiAction[] = [{ type: 'connect', credentials: this.#credentials }];
        if (!this.#everOnline && this.#clock.monotonic() - this.#since >= this.#fallbackAfter) actions.push(...this.#accessPointAction(true));
        actions.push({ type: 'schedule-retry', ms: this.#delay() });
        return actions;
      }
      case 'credentials':
        this.#attempt = 0;
        this.#since = this.#clock.monotonic();
        return this.#connect(event.credentials);
      case 'setup-requested':
        return this.#accessPointAction(true);
    }
  }

  #connect(credentials: WifiCredentials): WifiAction[] {
    this.#credentials = credentials;
    this.#enter('connecting');
    return [
      { type: 'connect', credentials },
      { type: 'schedule-retry', ms: this.#delay() },
    ];
  }

  #delay(): number {
    return this.#backoff[Math.min(this.#attempt, this.#backoff.length - 1)]!;
  }

  #accessPointAction(on: boolean): WifiAction[] {
    if (this.#accessPoint === on) return [];
    this.#accessPoint = on;
    return [{ type: 'access-point', on }];
  }

  #enter(state: WifiState): void {
    if (state !== this.#state) this.transitions++;
    this.#state = state;
  }
}
