/**
 * What each source saw and what it refused, by reason: the compliance
 * counters report these, and the tests assert on them.
 */
import type { DeviceSource } from '../reading.js';

/** Why a message, frame or object was skipped. Each is counted per source. */
export type DropReason =
  | 'too-large'
  | 'invalid-utf8'
  | 'not-json'
  | 'too-deep'
  | 'too-many-fields'
  | 'not-object'
  | 'not-number'
  | 'bad-value'
  | 'bad-topic'
  | 'bad-mac'
  | 'bad-version'
  | 'truncated'
  | 'unknown-object-id'
  | 'no-key'
  | 'bad-mic'
  | 'replayed'
  | 'downgrade'
  | 'duplicate'
  | 'rate-limited'
  | 'too-many-devices';

export interface SourceCounts {
  /** Messages (MQTT) or frames (BLE) handed to the source. */
  received: number;
  /** Readings produced. */
  readings: number;
  /** Well-formed messages that carry no reading (bridge topics, commands, availability). */
  ignored: number;
  dropped: Partial<Record<DropReason, number>>;
}

export class SourceCounters {
  readonly #counts = new Map<DeviceSource, SourceCounts>();

  #of(source: DeviceSource): SourceCounts {
    let counts = this.#counts.get(source);
    if (!counts) {
      counts = { received: 0, readings: 0, ignored: 0, dropped: {} };
      this.#counts.set(source, counts);
    }
    return counts;
  }

  received(source: DeviceSource): void {
    this.#of(source).received++;
  }

  readings(source: DeviceSource, count: number): void {
    this.#of(source).readings += count;
  }

  ignored(source: DeviceSource): void {
    this.#of(source).ignored++;
  }

  dropped(source: DeviceSource, reason: DropReason): void {
    const dropped = this.#of(source).dropped;
    dropped[reason] = (dropped[reason] ?? 0) + 1;
  }

  /** How many were dropped for `reason` (0 when none). */
  droppedFor(source: DeviceSource, reason: DropReason): number {
    return this.#counts.get(source)?.dropped[reason] ?? 0;
  }

  /** A copy of the counts of one source. */
  of(source: DeviceSource): SourceCounts {
    const counts = this.#of(source);
    return { ...counts, dropped: { ...counts.dropped } };
  }

  /** A copy of every source's counts, for the compliance report. */
  snapshot(): Partial<Record<DeviceSource, SourceCounts>> {
    const out: Partial<Record<DeviceSource, SourceCounts>> = {};
    for (const source of this.#counts.keys()) out[source] = this.of(source);
    return out;
  }
}
