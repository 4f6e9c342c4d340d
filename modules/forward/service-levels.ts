/**
 * Holds a vendor to the service levels its contract promises: endpoint
 * uptime ratio, acknowledgement latency (p50/p95) and delivery lag (age of
 * the oldest undelivered record). Everything is measured over a rolling
 * window in fixed memory: a ring of time slots, each with up/observed time
 * and a log-scale latency histogram, so a hub that runs for months never
 * grows an array.
 *
 * Violations are edge-triggered: one event when a measure crosses its
 * promise, none while it stays over, a new one after it recovered and
 * crossed again. Each event is meant for the audit log.
 */
import type { Clock } from '../host.js';
import type { Stamp } from '../reading.js';

export interface PromisedLevels {
  /** Fraction of time the endpoint must be reachable, 0..1. */
  uptimeRatio?: number;
  latencyP50Ms?: number;
  latencyP95Ms?: number;
  /** Longest a record may wait undelivered, ms. */
  maxLagMs?: number;
}

export type ServiceLevelKind = 'uptime' | 'latency' | 'lag';

export interface ServiceLevelEvent {
  integration: string;
  kind: ServiceLevelKind;
  /** What was measured: a ratio for uptime, ms for latency and lag. */
  observed: number;
  /** What the contract promised, same unit. */
  promised: number;
  /** For latency: which quantile broke its promise. */
  quantile?: 'p50' | 'p95';
  time: Stamp;
}

export interface ServiceLevelSnapshot {
  /** Up time / observed time in the window; undefined before anything was observed. */
  uptimeRatio: number | undefined;
  observedMs: number;
  latencyP50Ms: number | undefined;
  latencyP95Ms: number | undefined;
  latencySamples: number;
  lagMs: number | undefined;
  violations: Record<ServiceLevelKind, number>;
  violating: Record<ServiceLevelKind, boolean>;
}

/** Histogram buckets: bucket i holds latencies in (2^((i-1)/4), 2^(i/4)] ms; the last one everything above ~15 min. */
const BUCKETS = 80;
const BUCKETS_PER_DOUBLING = 4;

function bucketOf(ms: number): number {
  if (!(ms > 1)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(BUCKETS_PER_DOUBLING * Math.log2(ms)));
}

function bucketUpperMs(index: number): number {
  return Math.round(Math.pow(2, index / BUCKETS_PER_DOUBLING));
}

/**
 * The ring of time slots as parallel typed arrays indexed by slot (the
 * histograms one array of slots x BUCKETS counters): a few chunks instead of
 * an object and a Uint32Array per slot, ~3 KB less XS heap per integration.
 */
class SlotRing {
  readonly length: number;
  /** Which slot-length period of the clock each slot holds (-1: none yet). */
  readonly epoch: Float64Array;
  readonly upMs: Float64Array;
  readonly observedMs: Float64Array;
  readonly samples: Float64Array;
  /** Slot i's latency histogram is latencies[i * BUCKETS .. (i + 1) * BUCKETS). */
  readonly latencies: Uint32Array;

  constructor(length: number) {
    this.length = length;
    this.epoch = new Float64Array(length).fill(-1);
    this.upMs = new Float64Array(length);
    this.observedMs = new Float64Array(length);
    this.samples = new Float64Array(length);
    this.latencies = new Uint32Array(length * BUCKETS);
  }
}

export interface ServiceLevelOptions {
  integration: string;
  promised: PromisedLevels;
  clock: Clock;
  /** Produces the stamp of a violation event. */
  now: () => Stamp;
  /** The rolling window, ms (default 24 h). */
  windowMs?: number;
  /** Slots in the window (default 12): memory is slots x 80 counters. */
  slots?: number;
  /** Uptime is judged only after this much observed time in the window (default 10 min or the window). */
  minObservedMs?: number;
  /** Latency is judged only with at least this many acknowledgements in the window (default 20). */
  minLatencySamples?: number;
  onViolation?: (event: ServiceLevelEvent) => void;
}

export class ServiceLevelMonitor {
  readonly integration: string;
  readonly promised: PromisedLevels;
  readonly #clock: Clock;
  readonly #now: () => Stamp;
  readonly #slotMs: number;
  readonly #slots: SlotRing;
  readonly #minObservedMs: number;
  readonly #minSamples: number;
  readonly #onViolation: ((event: ServiceLevelEvent) => void) | undefined;
  /** Reachability since `#since`; undefined before the first observation. */
  #up: boolean | undefined;
  #since = 0;
  #lagMs: number | undefined;
  readonly #violations: Record<ServiceLevelKind, number> = { uptime: 0, latency: 0, lag: 0 };
  readonly #violating: Record<ServiceLevelKind, boolean> = { uptime: false, latency: false, lag: false };

  constructor(options: ServiceLevelOptions) {
    const windowMs = options.windowMs ?? 24 * 3_600_000;
    const slots = options.slots ?? 12;
    if (!(windowMs > 0) || !(slots >= 1) || !Number.isInteger(slots)) {
      throw new RangeError(`service levels for ${options.integration}: windowMs must be > 0 and slots a whole number >= 1`);
    }
    this.integration = options.integration;
    this.promised = options.promised;
    this.#clock = options.clock;
    this.#now = options.now;
    this.#slotMs = windowMs / slots;
    this.#slots = new SlotRing(slots);
    this.#minObservedMs = options.minObservedMs ?? Math.min(windowMs, 10 * 60_000);
    this.#minSamples = options.minLatencySamples ?? 20;
    this.#onViolation = options.onViolation;
  }

  /** The endpoint was seen reachable (true) or not (false) from now on. */
  endpointUp(up: boolean): void {
    this.#account();
    this.#up = up;
  }

  /** An acknowledgement took `ms` from send to ack. */
  ackLatency(ms: number): void {
    const i = this.#slot(this.#clock.monotonic());
    this.#slots.latencies[i * BUCKETS + bucketOf(ms)]!++;
    this.#slots.samples[i]!++;
  }

  /**
   * Compares the window with the promises, given the age of the oldest
   * undelivered record (undefined: nothing waiting). Returns the new violations
   * (also passed to `onViolation`).
   */
  evaluate(oldestUndeliveredAgeMs: number | undefined): ServiceLevelEvent[] {
    this.#account();
    this.#lagMs = oldestUndeliveredAgeMs;
    const events: ServiceLevelEvent[] = [];
    const snap = this.snapshot();
    const p = this.promised;

    let uptimeBreach: [number, number] | undefined;
    if (p.uptimeRatio !== undefined && snap.uptimeRatio !== undefined && snap.observedMs >= this.#minObservedMs && snap.uptimeRatio < p.uptimeRatio) {
      uptimeBreach = [snap.uptimeRatio, p.uptimeRatio];
    }
    this.#edge('uptime', uptimeBreach, undefined, events);

    let latencyBreach: [number, number] | undefined;
    let quantile: 'p50' | 'p95' | undefined;
    if (snap.latencySamples >= this.#minSamples) {
      if (p.latencyP95Ms !== undefined && snap.latencyP95Ms! > p.latencyP95Ms) {
        latencyBreach = [snap.latencyP95Ms!, p.latencyP95Ms];
        quantile = 'p95';
      } else if (p.latencyP50Ms !== undefined && snap.latencyP50Ms! > p.latencyP50Ms) {
        latencyBreach = [snap.latencyP50Ms!, p.latencyP50Ms];
        quantile = 'p50';
      }
    }
    this.#edge('latency', latencyBreach, quantile, events);

    const lagBreach: [number, number] | undefined =
      p.maxLagMs !== undefined && oldestUndeliveredAgeMs !== undefined && oldestUndeliveredAgeMs > p.maxLagMs ? [oldestUndeliveredAgeMs, p.maxLagMs] : undefined;
    this.#edge('lag', lagBreach, undefined, events);
    return events;
  }

  snapshot(): ServiceLevelSnapshot {
    this.#account();
    const current = Math.floor(this.#clock.monotonic() / this.#slotMs);
    let upMs = 0;
    let observedMs = 0;
    let samples = 0;
    const merged = new Uint32Array(BUCKETS);
    const ring = this.#slots;
    for (let s = 0; s < ring.length; s++) {
      const epoch = ring.epoch[s]!;
      if (epoch <= current - ring.length || epoch > current) continue;
      upMs += ring.upMs[s]!;
      observedMs += ring.observedMs[s]!;
      samples += ring.samples[s]!;
      for (let i = 0; i < BUCKETS; i++) merged[i]! += ring.latencies[s * BUCKETS + i]!;
    }
    return {
      uptimeRatio: observedMs > 0 ? upMs / observedMs : undefined,
      observedMs,
      latencyP50Ms: quantileOf(merged, samples, 0.5),
      latencyP95Ms: quantileOf(merged, samples, 0.95),
      latencySamples: samples,
      lagMs: this.#lagMs,
      violations: { ...this.#violations },
      violating: { ...this.#violating },
    };
  }

  #edge(kind: ServiceLevelKind, breach: [number, number] | undefined, quantile: 'p50' | 'p95' | undefined, events: ServiceLevelEvent[]): void {
    if (!breach) {
      this.#violating[kind] = false;
      return;
    }
    if (this.#violating[kind]) return;
    this.#violating[kind] = true;
    this.#violations[kind]++;
    const event: ServiceLevelEvent = { integration: this.integration, kind, observed: breach[0], promised: breach[1], time: this.#now() };
    if (quantile) event.quantile = quantile;
    events.push(event);
    try {
      this.#onViolation?.(event);
    } catch {
      // The audit sink's failure must not stop measuring.
    }
  }

  /** Adds the time since the last accounting to the slots it spans. */
  #account(): void {
    const now = this.#clock.monotonic();
    if (this.#up === undefined) {
      this.#since = now;
      return;
    }
    let at = Math.max(this.#since, now - this.#slotMs * this.#slots.length);
    while (at < now) {
      const slotEnd = (Math.floor(at / this.#slotMs) + 1) * this.#slotMs;
      const end = Math.min(now, slotEnd);
      const slot = this.#slot(at);
      this.#slots.observedMs[slot]! += end - at;
      if (this.#up) this.#slots.upMs[slot]! += end - at;
      at = end;
    }
    this.#since = now;
  }

  /** The index of the slot for `time`, emptied first if it held an older period. */
  #slot(time: number): number {
    const epoch = Math.floor(time / this.#slotMs);
    const ring = this.#slots;
    const slot = epoch % ring.length;
    if (ring.epoch[slot] !== epoch) {
      ring.epoch[slot] = epoch;
      ring.upMs[slot] = 0;
      ring.observedMs[slot] = 0;
      ring.samples[slot] = 0;
      ring.latencies.fill(0, slot * BUCKETS, (slot + 1) * BUCKETS);
    }
    return slot;
  }
}

/** The upper bound of the bucket holding the q-quantile: never understates latency. */
function quantileOf(histogram: Uint32Array, samples: number, q: number): number | undefined {
  if (samples === 0) return undefined;
  const rank = Math.ceil(q * samples);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += histogram[i]!;
    if (seen >= rank) return bucketUpperMs(i);
  }
  return bucketUpperMs(BUCKETS - 1);
}
