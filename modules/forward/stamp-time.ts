/**
 * Time for a hub that may boot with no wall clock. Records are stamped with
 * boot counter + monotonic ms (and wall time when known); once SNTP answers,
 * the offset between wall and monotonic time of this boot is learned and kept,
 * so records stamped earlier in the boot get their wall time at delivery.
 * Offsets of recent boots are kept in the key-value store (written once per
 * boot: NVS wears), so records from a previous boot that learned its time
 * are corrected too.
 */
import type { Clock, KeyValueStore } from '../host.js';
import type { Stamp } from '../reading.js';

const DOMAIN = 'boottime';
/** Boots remembered in the store (keys b0..b7). */
const REMEMBERED_BOOTS = 8;

export class StampTime {
  readonly #clock: Clock;
  readonly #store: KeyValueStore | undefined;
  /** boot -> wall minus monotonic, ms. */
  readonly #offsets = new Map<number, number>();

  constructor(clock: Clock, store?: KeyValueStore) {
    this.#clock = clock;
    this.#store = store;
    if (store) {
      for (const key of store.keys(DOMAIN)) {
        const value = store.get(DOMAIN, key);
        const match = typeof value === 'string' ? /^(\d+):(-?\d+)$/.exec(value) : null;
        if (match) this.#offsets.set(Number(match[1]), Number(match[2]));
      }
    }
    this.learn();
  }

  /** A stamp for now. */
  now(): Stamp {
    this.learn();
    const wall = this.#clock.wallTime();
    const stamp: Stamp = { boot: this.#clock.bootCount, mono: this.#clock.monotonic() };
    if (wall !== undefined) stamp.wall = wall;
    return stamp;
  }

  /** Learns this boot's offset once wall time is known. Cheap to call often. */
  learn(): void {
    const boot = this.#clock.bootCount;
    if (this.#offsets.has(boot)) return;
    const wall = this.#clock.wallTime();
    if (wall === undefined) return;
    const offset = Math.round(wall - this.#clock.monotonic());
    this.#offsets.set(boot, offset);
    this.#store?.set(DOMAIN, `b${boot % REMEMBERED_BOOTS}`, `${boot}:${offset}`);
  }

  /** The stamp's wall time: its own, or derived from its boot's learned offset; undefined when unknowable. */
  wallOf(stamp: Stamp): number | undefined {
    if (stamp.wall !== undefined) return stamp.wall;
    this.learn();
    const offset = this.#offsets.get(stamp.boot);
    return offset === undefined ? undefined : offset + stamp.mono;
  }

  /**
   * How old the stamp is, ms. Exact within this boot or when both wall times
   * are known; for an earlier boot of unknown time, a lower bound (at least
   * this boot's uptime), so lag is never overstated.
   */
  ageMs(stamp: Stamp): number {
    const mono = this.#clock.monotonic();
    if (stamp.boot === this.#clock.bootCount) return Math.max(0, mono - stamp.mono);
    const then = this.wallOf(stamp);
    const now = this.#clock.wallTime();
    if (then !== undefined && now !== undefined) return Math.max(mono, now - then);
    return mono;
  }
}
