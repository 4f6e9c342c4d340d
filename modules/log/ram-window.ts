/**
 * One integration's RAM window: numbered records that are ready to send and
 * not yet on flash, oldest first, in a fixed amount of memory.
 *
 * Packed on purpose: a board keeps up to eight of these in a ~96 KB XS
 * budget, so there is no object per record. Payload bytes live in one byte
 * ring; everything else is a row of two typed tables (44 bytes a record).
 * All three are allocated once, at the sizes given, and never grow.
 */
import type { Stamp } from '../reading.js';

/** Per-record fields of the 32-bit table (U_*) and of the 64-bit table (F_*). */
const U_SEQ = 0;
const U_PURPOSES = 1;
const U_BOOT = 2;
const U_OFFSET = 3;
const U_LENGTH = 4;
const U_FIELDS = 5;
/** Wall ms of the stamp, NaN when the hub did not know the time. */
const F_WALL = 0;
const F_MONO = 1;
/** Monotonic ms when the record entered the window (what the spill delay is measured from). */
const F_SINCE = 2;
const F_FIELDS = 3;

export class RamWindow {
  /** Records the window holds at most. */
  readonly capacity: number;
  // Three typed arrays in all (each is an object of several XS slots): payload bytes, and one table
  // of 32-bit and one of 64-bit fields, a row per record slot.
  readonly #bytes: Uint8Array;
  readonly #u32: Uint32Array;
  readonly #f64: Float64Array;
  #first = 0;
  #count = 0;
  #payloadBytes = 0;

  constructor(records: number, bytes: number) {
    this.capacity = records;
    this.#bytes = new Uint8Array(bytes);
    this.#u32 = new Uint32Array(records * U_FIELDS);
    this.#f64 = new Float64Array(records * F_FIELDS);
  }

  get count(): number {
    return this.#count;
  }

  /** Payload bytes held (what the buffer statistics report). */
  get payloadBytes(): number {
    return this.#payloadBytes;
  }

  get byteCapacity(): number {
    return this.#bytes.length;
  }

  /** Whether a payload of `size` bytes fits now (a slot and contiguous room in the byte ring). */
  fits(size: number): boolean {
    return this.#count < this.capacity && this.#place(size) >= 0;
  }

  /** Appends a record; the caller checked `fits`. */
  push(seq: number, payload: Uint8Array, stamp: Stamp, purposes: number, since: number): void {
    const at = this.#place(payload.length);
    if (this.#count >= this.capacity || at < 0) throw new RangeError('ram window: no room (call fits() first)');
    const slot = (this.#first + this.#count) % this.capacity;
    this.#bytes.set(payload, at);
    const u = slot * U_FIELDS;
    this.#u32[u + U_SEQ] = seq;
    this.#u32[u + U_PURPOSES] = purposes;
    this.#u32[u + U_BOOT] = stamp.boot;
    this.#u32[u + U_OFFSET] = at;
    this.#u32[u + U_LENGTH] = payload.length;
    const f = slot * F_FIELDS;
    this.#f64[f + F_WALL] = stamp.wall ?? NaN;
    this.#f64[f + F_MONO] = stamp.mono;
    this.#f64[f + F_SINCE] = since;
    this.#count++;
    this.#payloadBytes += payload.length;
  }

  /** Drops the `n` oldest records. */
  shift(n: number): void {
    for (let k = 0; k < n && this.#count > 0; k++) {
      this.#payloadBytes -= this.#u32[this.#first * U_FIELDS + U_LENGTH]!;
      this.#first = (this.#first + 1) % this.capacity;
      this.#count--;
    }
  }

  /** Seq of the k-th oldest record. */
  seq(k: number): number {
    return this.#u(k, U_SEQ);
  }

  purposes(k: number): number {
    return this.#u(k, U_PURPOSES);
  }

  since(k: number): number {
    return this.#f64[this.#slot(k) * F_FIELDS + F_SINCE]!;
  }

  /**
   * The k-th oldest record's payload: a view into the ring, valid until the
   * window next changes. Delivery encodes it at once; keep a copy otherwise.
   */
  payload(k: number): Uint8Array {
    const at = this.#u(k, U_OFFSET);
    return this.#bytes.subarray(at, at + this.#u(k, U_LENGTH));
  }

  stamp(k: number): Stamp {
    const f = this.#slot(k) * F_FIELDS;
    const wall = this.#f64[f + F_WALL]!;
    const stamp: Stamp = { boot: this.#u(k, U_BOOT), mono: this.#f64[f + F_MONO]! };
    if (wall === wall) stamp.wall = wall; // NaN: the time was unknown
    return stamp;
  }

  /** Index of the oldest record with seq > `after` (count when none). Seqs increase, so a binary search. */
  indexAfter(after: number): number {
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#u(mid, U_SEQ) <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #slot(k: number): number {
    return (this.#first + k) % this.capacity;
  }

  #u(k: number, field: number): number {
    return this.#u32[this.#slot(k) * U_FIELDS + field]!;
  }

  /**
   * Where `size` bytes go in the byte ring, or -1. Payloads are contiguous:
   * after the newest one, or from the start when the tail is too short and
   * the oldest one leaves room before it (the tail is then left unused).
   */
  #place(size: number): number {
    const length = this.#bytes.length;
    if (size > length) return -1;
    if (this.#count === 0) return 0;
    const oldest = this.#u(0, U_OFFSET);
    const newest = this.#u(this.#count - 1, U_OFFSET);
    const end = newest + this.#u(this.#count - 1, U_LENGTH);
    if (newest < oldest) return oldest - end >= size ? end : -1; // wrapped
    if (length - end >= size) return end;
    return oldest >= size ? 0 : -1;
  }
}
