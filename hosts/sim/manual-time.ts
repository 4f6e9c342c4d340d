/**
 * A clock and timers that move only when a test says so, so time-dependent
 * behaviour (retention, backoff, windows) is tested deterministically.
 */
import type { Clock, TimerHandle, Timers } from '../../modules/host.js';

export class ManualClock implements Clock {
  #wall: number | undefined;
  #mono = 0;
  bootCount: number;

  constructor(options: { wallTime?: number | undefined; bootCount?: number } = {}) {
    this.#wall = 'wallTime' in options ? options.wallTime : Date.UTC(2026, 0, 1);
    this.bootCount = options.bootCount ?? 1;
  }

  wallTime(): number | undefined {
    return this.#wall;
  }

  monotonic(): number {
    return this.#mono;
  }

  /** Moves both clocks forward. */
  advance(ms: number): void {
    this.#mono += ms;
    if (this.#wall !== undefined) this.#wall += ms;
  }

  /** Sets (or forgets) wall time, as SNTP would. */
  setWallTime(ms: number | undefined): void {
    this.#wall = ms;
  }

  /** Simulates a reboot: monotonic time restarts and the boot counter grows. */
  reboot(options: { wallTime?: number | undefined } = {}): void {
    this.#mono = 0;
    this.bootCount++;
    this.#wall = options.wallTime;
  }
}

interface Pending {
  due: number;
  every: number;
  callback: () => void;
  id: number;
}

export class ManualTimers implements Timers {
  readonly #clock: ManualClock;
  readonly #pending = new Map<object, Pending>();
  #nextId = 0;

  constructor(clock: ManualClock) {
    this.#clock = clock;
  }

  set(callback: () => void, ms: number): TimerHandle {
    return this.#add(callback, ms, 0);
  }

  repeat(callback: () => void, ms: number): TimerHandle {
    return this.#add(callback, ms, Math.max(1, ms));
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle) this.#pending.delete(handle);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Advances the clock by `ms`, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.#clock.monotonic() + ms;
    for (;;) {
      let next: [object, Pending] | undefined;
      for (const entry of this.#pending) {
        if (entry[1].due <= end && (!next || entry[1].due < next[1].due || (entry[1].due === next[1].due && entry[1].id < next[1].id))) {
          next = entry;
        }
      }
      if (!next) break;
      const [handle, timer] = next;
      this.#clock.advance(Math.max(0, timer.due - this.#clock.monotonic()));
      if (timer.every > 0) timer.due += timer.every;
      else this.#pending.delete(handle);
      timer.callback();
    }
    this.#clock.advance(end - this.#clock.monotonic());
  }

  #add(callback: () => void, ms: number, every: number): TimerHandle {
    const handle = {};
    this.#pending.set(handle, { due: this.#clock.monotonic() + Math.max(0, ms), every, callback, id: this.#nextId++ });
    return handle;
  }
}
