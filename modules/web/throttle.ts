/**
 * Growing delays and lockout after failed logins (ETSI EN 303 645 provision
 * 5.1-5: brute force over the network must be impracticable). Keyed by what
 * the attempt targets (an account name, or "setup" for the setup code), so
 * one household member's typos do not slow another's login.
 *
 * After the n-th consecutive failure the next attempt must wait
 * min(2^(n-1), 60) seconds; at `lockoutAfter` failures the key is locked for
 * `lockoutMs`. A success clears the key. Time is the monotonic clock, so
 * changing the wall clock does not unlock anything.
 */
import type { Clock } from '../host.js';

export interface ThrottlePolicy {
  /** First delay after a failure, doubled each further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  lockoutAfter: number;
  lockoutMs: number;
  /** Keys remembered at once; the oldest is forgotten beyond this (bounded memory on the ESP32). */
  maxKeys: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = Object.freeze({
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  lockoutAfter: 10,
  lockoutMs: 15 * 60_000,
  maxKeys: 64,
});

interface Failures {
  count: number;
  /** Monotonic ms before which attempts are refused without being checked. */
  notBefore: number;
  locked: boolean;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterMs: number; locked: boolean };

export class LoginThrottle {
  readonly #clock: Clock;
  readonly #policy: ThrottlePolicy;
  readonly #failures = new Map<string, Failures>();
  #forgotten = 0;

  constructor(clock: Clock, policy: ThrottlePolicy = DEFAULT_THROTTLE) {
    this.#clock = clock;
    this.#policy = policy;
  }

  /** Whether an attempt on `key` may be checked now. A refused attempt does not count as a failure. */
  check(key: string): ThrottleVerdict {
    const entry = this.#failures.get(key);
    if (!entry) return { allowed: true };
    const wait = entry.notBefore - this.#clock.monotonic();
    if (wait <= 0) {
      if (entry.locked) {
        // The lockout has run out: start over with a clean slate.
        this.#failures.delete(key);
      }
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: wait, locked: entry.locked };
  }

  /** Records a failed attempt; returns whether the key is now locked. */
  fail(key: string): { count: number; locked: boolean; retryAfterMs: number } {
    const entry = this.#failures.get(key) ?? { count: 0, notBefore: 0, locked: false };
    entry.count++;
    const now = this.#clock.monotonic();
    if (entry.count >= this.#policy.lockoutAfter) {
      entry.locked = true;
      entry.notBefore = now + this.#policy.lockoutMs;
    } else {
      entry.notBefore = now + Math.min(this.#policy.baseDelayMs * 2 ** (entry.count - 1), this.#policy.maxDelayMs);
    }
    this.#failures.delete(key); // re-insert so the map's order is least recently failed first
    this.#failures.set(key, entry);
    while (this.#failures.size > this.#policy.maxKeys) {
      const oldest = this.#failures.keys().next().value as string;
      this.#failures.delete(oldest);
      this.#forgotten++;
    }
    return { count: entry.count, locked: entry.locked, retryAfterMs: entry.notBefore - now };
  }

  /** Keys remembered now (at most `maxKeys`). */
  get size(): number {
    return this.#failures.size;
  }

  /** Failure records dropped to stay within `maxKeys` (the least recently failed first): many hints at a guessing run. */
  get forgotten(): number {
    return this.#forgotten;
  }

  succeed(key: string): void {
    this.#failures.delete(key);
  }
}
