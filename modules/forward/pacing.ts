/**
 * A token bucket: records may leave at `ratePerSecond` on average, with bursts
 * of at most `capacity`. After an outage the backlog therefore drains at the
 * contract's maximum rate instead of flooding the home's uplink.
 */
import type { Clock } from '../host.js';

export class TokenBucket {
  readonly #clock: Clock;
  readonly ratePerSecond: number;
  readonly capacity: number;
  #tokens: number;
  #at: number;

  constructor(clock: Clock, ratePerSecond: number, capacity: number) {
    if (!(ratePerSecond > 0)) throw new RangeError(`pacing: ratePerSecond must be > 0 (got ${ratePerSecond})`);
    if (!(capacity >= 1)) throw new RangeError(`pacing: capacity must be >= 1 (got ${capacity})`);
    this.#clock = clock;
    this.ratePerSecond = ratePerSecond;
    this.capacity = capacity;
    this.#tokens = capacity;
    this.#at = clock.monotonic();
  }

  /** Tokens available now (fractional). */
  get available(): number {
    this.#refill();
    return this.#tokens;
  }

  /** How many ms until `count` tokens are available (0: now). `count` is capped at the capacity. */
  waitMs(count: number): number {
    this.#refill();
    const missing = Math.min(count, this.capacity) - this.#tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.ratePerSecond);
  }

  /** Takes `count` tokens; the balance may go negative, which delays whoever comes next. */
  take(count: number): void {
    this.#refill();
    this.#tokens -= count;
  }

  #refill(): void {
    const now = this.#clock.monotonic();
    if (now > this.#at) {
      this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) * this.ratePerSecond) / 1000);
      this.#at = now;
    }
  }
}
