/**
 * What the sources accept, and flood control. Device traffic arrives from a
 * broker anyone on the home network can publish to, and from the air: every
 * limit here bounds memory or time before the payload is looked at closely.
 */
import { fromUtf8 } from '../bytes.js';
import type { Clock } from '../host.js';
import type { DropReason } from './counters.js';

export interface SourceLimits {
  /** Largest MQTT payload decoded (bytes); larger ones are dropped as "too-large". */
  maxPayloadBytes: number;
  /** Largest zigbee2mqtt `bridge/devices` payload (it lists every device's definition, so it is big). */
  maxRegistryPayloadBytes: number;
  /** Deepest JSON nesting accepted in a device message ("too-deep" beyond). */
  maxDepth: number;
  /** Deepest JSON nesting accepted in `bridge/devices` (definitions nest features in features). */
  maxRegistryDepth: number;
  /** Most fields one message may flatten to ("too-many-fields" beyond). */
  maxFields: number;
  /** Per-device token bucket: sustained messages per second... */
  ratePerSecond: number;
  /** ...and the burst a device may send at once. */
  burst: number;
  /** Most devices the registry holds; new ones beyond are refused ("too-many-devices"). */
  maxDevices: number;
}

export const DEFAULT_SOURCE_LIMITS: Readonly<SourceLimits> = Object.freeze({
  maxPayloadBytes: 64 * 1024,
  maxRegistryPayloadBytes: 1024 * 1024,
  maxDepth: 8,
  maxRegistryDepth: 32,
  maxFields: 64,
  ratePerSecond: 5,
  burst: 20,
  maxDevices: 256,
});

export function resolveLimits(overrides: Partial<SourceLimits> = {}): SourceLimits {
  const limits = { ...DEFAULT_SOURCE_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(`source limits: "${name}" must be a positive number, got ${String(value)}`);
    }
  }
  return limits;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per device, so one chatty or hostile device cannot starve
 * the others: each device may burst `burst` messages, then `ratePerSecond`.
 * Buckets of devices not heard from for longest are forgotten first when
 * more than `maxTracked` are held (a forgotten device starts with a full bucket).
 */
export class FloodGate {
  readonly #clock: Clock;
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxTracked: number;
  readonly #buckets = new Map<string, Bucket>();
  #evicted = 0;

  constructor(clock: Clock, options: { ratePerSecond: number; burst: number; maxTracked?: number }) {
    this.#clock = clock;
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#maxTracked = options.maxTracked ?? 1024;
  }

  /** Devices held now (at most `maxTracked`). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Buckets forgotten to make room: many means more devices (or spoofed addresses) than `maxTracked`. */
  get evicted(): number {
    return this.#evicted;
  }

  /** True when `key` may send one more message now. */
  admit(key: string): boolean {
    const now = this.#clock.monotonic();
    let bucket = this.#buckets.get(key);
    if (bucket) {
      this.#buckets.delete(key); // re-inserted below: the map stays in least-recently-heard order
      // A reboot restarts monotonic time: treat a step back as no time passed.
      const elapsed = Math.max(0, now - bucket.at);
      bucket.tokens = Math.min(this.#burst, bucket.tokens + (elapsed * this.#rate) / 1000);
      bucket.at = now;
    } else {
      bucket = { tokens: this.#burst, at: now };
      if (this.#buckets.size >= this.#maxTracked) {
        const oldest = this.#buckets.keys().next();
        if (!oldest.done) this.#buckets.delete(oldest.value);
        this.#evicted++;
      }
    }
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DropReason };

/** UTF-8 text of a payload within `maxBytes`, or why not. */
export function decodeText(payload: Uint8Array, maxBytes: number): Decoded<string> {
  if (payload.length > maxBytes) return { ok: false, reason: 'too-large' };
  try {
    return { ok: true, value: fromUtf8(payload) };
  } catch {
    return { ok: false, reason: 'invalid-utf8' };
  }
}

/**
 * Nesting depth of JSON text, scanned before parsing so a hostile
 * "[[[[..." cannot exhaust the native stack of the parser on the hub.
 * Returns the depth, stopping early once it exceeds `limit`.
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

/** Parses a JSON payload within the size and depth limits, or says why not. */
export function decodeJson(payload: Uint8Array, maxBytes: number, maxDepth: number): Decoded<unknown> {
  const text = decodeText(payload, maxBytes);
  if (!text.ok) return text;
  if (jsonDepth(text.value, maxDepth) > maxDepth) return { ok: false, reason: 'too-deep' };
  try {
    return { ok: true, value: JSON.parse(text.value) as unknown };
  } catch {
    return { ok: false, reason: 'not-json' };
  }
}
