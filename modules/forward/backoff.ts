/**
 * How long to wait before trying an endpoint again. Exponential backoff with
 * jitter spreads retries so that hubs which lost the same vendor at the same
 * moment do not all come back at once; the circuit breaker stops hammering an
 * endpoint that keeps failing and probes it with a single message.
 */
import type { Clock, Random } from '../host.js';

/** A uniformly distributed number in [0, 1) from the platform's random source. */
export function randomUnit(random: Random): number {
  const b = random.bytes(4);
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 0x1_0000_0000;
}

export interface BackoffOptions {
  /** First delay, ms. */
  baseMs?: number;
  /** Longest delay, ms. */
  maxMs?: number;
  /** Growth per consecutive failure. */
  factor?: number;
}

/**
 * "Equal jitter": the n-th delay is uniform in [d/2, d] with
 * d = min(max, base * factor^n). Half of the delay is guaranteed, so a retry
 * never comes immediately; the other half is random.
 */
export class Backoff {
  readonly #random: Random;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  #failures = 0;

  constructor(random: Random, options: BackoffOptions = {}) {
    this.#random = random;
    this.#baseMs = options.baseMs ?? 500;
    this.#maxMs = options.maxMs ?? 5 * 60_000;
    this.#factor = options.factor ?? 2;
    if (!(this.#baseMs > 0) || !(this.#maxMs >= this.#baseMs) || !(this.#factor >= 1)) {
      throw new RangeError(`backoff: need baseMs > 0, maxMs >= baseMs and factor >= 1 (got ${this.#baseMs}, ${this.#maxMs}, ${this.#factor})`);
    }
  }

  /** Consecutive failures since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#baseMs * Math.pow(this.#factor, this.#failures));
    this.#failures++;
    return Math.round(ceiling / 2 + randomUnit(this.#random) * (ceiling / 2));
  }

  reset(): void {
    this.#failures = 0;
  }
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold?: number;
  /** How long the breaker stays open before letting one probe through, ms; doubles on each failed probe. */
  openMs?: number;
  /** Upper bound of the open period, ms. */
  maxOpenMs?: number;
}

/**
 * Closed: everything passes. After `failureThreshold` consecutive failures it
 * opens: nothing passes for `openMs`. Then half-open: exactly one attempt (the
 * probe) passes; its success closes the breaker, its failure opens it again
 * for twice as long (up to `maxOpenMs`).
 */
export class CircuitBreaker {
  readonly endpoint: string;
  readonly #clock: Clock;
  readonly #threshold: number;
  readonly #openMs: number;
  readonly #maxOpenMs: number;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #currentOpenMs: number;
  #probeOut = false;
  #opens = 0;
  readonly #listeners = new Set<(state: BreakerState) => void>();

  constructor(endpoint: string, clock: Clock, options: BreakerOptions = {}) {
    this.endpoint = endpoint;
    this.#clock = clock;
    this.#threshold = options.failureThreshold ?? 5;
    this.#openMs = options.openMs ?? 10_000;
    this.#maxOpenMs = options.maxOpenMs ?? 10 * 60_000;
    this.#currentOpenMs = this.#openMs;
    if (!(this.#threshold >= 1) || !(this.#openMs > 0) || !(this.#maxOpenMs >= this.#openMs)) {
      throw new RangeError(`circuit breaker for ${endpoint}: need failureThreshold >= 1, openMs > 0 and maxOpenMs >= openMs`);
    }
  }

  /** The state now (an open breaker whose time is up reads as half-open). */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#clock.monotonic() - this.#openedAt >= this.#currentOpenMs) this.#set('half-open');
    return this.#state;
  }

  /** How many times the breaker opened. */
  get opens(): number {
    return this.#opens;
  }

  /** 0 when an attempt may go now, else ms until the breaker lets a probe through. */
  waitMs(): number {
    const state = this.state;
    if (state === 'closed') return 0;
    if (state === 'half-open') return this.#probeOut ? this.#currentOpenMs : 0;
    return Math.max(1, this.#openedAt + this.#currentOpenMs - this.#clock.monotonic());
  }

  /**
   * Asks to make an attempt now; true when it may go. In half-open state only
   * one caller gets true until that attempt is reported.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'half-open' && !this.#probeOut) {
      this.#probeOut = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.#failures = 0;
    this.#probeOut = false;
    this.#currentOpenMs = this.#openMs;
    if (this.#state !== 'closed') this.#set('closed');
  }

  failure(): void {
    this.#failures++;
    const state = this.state;
    if (state === 'half-open') {
      this.#probeOut = false;
      this.#currentOpenMs = Math.min(this.#maxOpenMs, this.#currentOpenMs * 2);
      this.#open();
    } else if (state === 'closed' && this.#failures >= this.#threshold) {
      this.#open();
    }
  }

  /** Calls `listener` on each state change; returns the unsubscribe function. */
  onStateChange(listener: (state: BreakerState) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #open(): void {
    this.#openedAt = this.#clock.monotonic();
    this.#opens++;
    this.#set('open');
  }

  #set(state: BreakerState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of [...this.#listeners]) listener(state);
  }
}

/** One breaker per endpoint, shared by every forwarder that delivers there. */
export class BreakerRegistry {
  readonly #clock: Clock;
  readonly #options: BreakerOptions;
  readonly #breakers = new Map<string, CircuitBreaker>();

  constructor(clock: Clock, options: BreakerOptions = {}) {
    this.#clock = clock;
    this.#options = options;
  }

  for(endpoint: string): CircuitBreaker {
    let breaker = this.#breakers.get(endpoint);
    if (!breaker) {
      breaker = new CircuitBreaker(endpoint, this.#clock, this.#options);
      this.#breakers.set(endpoint, breaker);
    }
    return breaker;
  }
}
