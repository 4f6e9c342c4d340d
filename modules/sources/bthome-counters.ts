/**
 * BTHome encryption counters kept across reboots, so replay protection
 * survives a power cut (modules/sources/bthome.ts refuses a counter that does
 * not grow; without this, every reboot would accept any recorded frame once
 * more).
 *
 * One store entry (`bthome/ctr`, "<12 hex MAC>:<counter>,..."), at most
 * MAX_KEPT_DEVICES devices (NVS on the board is 16 KB in all); a device beyond
 * that is counted as `notKept` and its counter lives in RAM only.
 *
 * NVS wears, and a device advertises every few seconds, so counters are not
 * written on every frame. They are written:
 * - at once when a device is new to the table, or when its counter moved
 *   JUMP or more past the saved value (a long-silent device, or a burst);
 * - otherwise on a cadence, `flush()` from the hub's housekeeping, at most
 *   every PERSIST_EVERY_MS; and on a clean stop.
 *
 * The replay window this leaves: after an unclean reboot (power cut, crash)
 * the hub restores the last saved counter, so frames whose counters lie
 * between that value and the last one accepted before the cut (at most JUMP
 * - 1 counter values, and at most PERSIST_EVERY_MS worth of advertisements)
 * are accepted once more if someone recorded and replays them. They are old
 * readings of the same device, and each can be replayed only once, since the
 * counter moves past it again. A clean stop leaves no window.
 */
import type { Clock, KeyValueStore, Logger } from '../host.js';
import { normalizeMac } from './bthome.js';

export const MAX_KEPT_DEVICES = 32;
/** A counter this far past the saved value is written at once. */
export const JUMP = 256;
/** Otherwise counters that moved are written at most this often. */
export const PERSIST_EVERY_MS = 10 * 60_000;
const DOMAIN = 'bthome';
const KEY = 'ctr';

export interface BthomeCounterPowers {
  store: KeyValueStore;
  clock: Clock;
  log?: Logger;
}

export class BthomeCounterStore {
  readonly #p: BthomeCounterPowers;
  /** Saved value per MAC ("a4:c1:..."). */
  readonly #saved = new Map<string, number>();
  /** Accepted values not yet written. */
  readonly #pending = new Map<string, number>();
  #lastWrite: number | undefined;
  readonly #counts = { kept: 0, notKept: 0, writes: 0 };

  constructor(powers: BthomeCounterPowers) {
    this.#p = powers;
    const raw = powers.store.get(DOMAIN, KEY);
    if (typeof raw !== 'string') return;
    for (const item of raw.split(',')) {
      const match = /^([0-9a-f]{12}):(\d{1,10})$/.exec(item);
      const mac = match && normalizeMac(match[1]!);
      const counter = match ? Number(match[2]) : NaN;
      if (mac && counter <= 0xffffffff && this.#saved.size < MAX_KEPT_DEVICES) this.#saved.set(mac, counter);
    }
  }

  /** The saved counters, to pass to createBthome as `encryptionCounters`. */
  load(): Record<string, number> {
    return Object.fromEntries(this.#saved);
  }

  /** A counter the decoder accepted (its `onCounter`). */
  note(address: string, counter: number): void {
    const saved = this.#saved.get(address);
    if (saved === undefined && !this.#pending.has(address) && this.#saved.size + this.#pending.size >= MAX_KEPT_DEVICES) {
      this.#counts.notKept++;
      return;
    }
    this.#pending.set(address, counter);
    if (saved === undefined || counter - saved >= JUMP) this.#write();
  }

  /** Writes counters that moved, when the cadence allows (or `force`, on a clean stop). */
  flush(force = false): void {
    if (this.#pending.size === 0) return;
    const now = this.#p.clock.monotonic();
    if (!force && this.#lastWrite !== undefined && now - this.#lastWrite < PERSIST_EVERY_MS) return;
    this.#write();
  }

  counters(): { kept: number; notKept: number; writes: number } {
    return { ...this.#counts, kept: new Set([...this.#saved.keys(), ...this.#pending.keys()]).size };
  }

  #write(): void {
    for (const [mac, counter] of this.#pending) this.#saved.set(mac, counter);
    this.#pending.clear();
    const text = [...this.#saved].map(([mac, counter]) => `${mac.replace(/:/g, '')}:${counter}`).join(',');
    try {
      this.#p.store.set(DOMAIN, KEY, text);
      this.#counts.writes++;
    } catch (error) {
      this.#p.log?.error(`bthome: encryption counters not saved (${(error as Error).message}); replay protection holds until the next reboot`);
    }
    this.#lastWrite = this.#p.clock.monotonic();
  }
}
