/**
 * One integration's RAM window: numbered records that are ready to send and
 * not yet on flash, oldest first, in a fixed amount of memory.
 *
 * Packed on purpose: a board keeps up to eight of these in a ~96 KB XS
 * budget, so there is no object per record. Payload bytes live in one byte
 * ring (`bytes`); everything else is one slot of a few typed arrays (42 bytes
 * a record). Both are allocated once, at the sizes given, and never grow.
 */
import type { Stamp } from '../reading.js';

export class RamWindow {
  /** Records the window holds at most. */
  readonly capacity: number;
  readonly #bytes: Uint8Array;
  readonly #seq: Uint32Array;
  readonly #purposes: Uint32Array;
  readonly #boot: Uint32Array;
  readonly #offset: Uint32Array;
  readonly #length: Uint16Array;
  /** Wall ms of the stamp, NaN when the hub did not know the time. */
  readonly #wall: Float64Array;
  readonly #mono: Float64Array;
  /** Monotonic ms when the record entered the window (what the spill delay is measured from). */
  readonly #since: Float64Array;
  #first = 0;
  #count = 0;
  #payloadBytes = 0;

  constructor(records: number, bytes: number) {
    this.capacity = records;
    this.#bytes = new Uint8Array(bytes);
    this.#seq = new Uint32Array(records);
    this.#purposes = new Uint32Array(records);
    this.#boot = new Uint32Array(records);
    this.#offset = new Uint32Array(records);
    this.#length = new Uint16Array(records);
    this.#wall = new Float64Array(records);
    this.#mono = new Float64Array(records);
    this.#since = new Float64Array(records);
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
    const i = (this.#first + this.#count) % this.capacity;
    this.#bytes.set(payload, at);
    this.#seq[i] = seq;
    this.#purposes[i] = purposes;
    this.#boot[i] = stamp.boot;
    this.#offset[i] = at;
    this.#length[i] = payload.length;
    this.#wall[i] = stamp.wall ?? NaN;
    this.#mono[i] = stamp.mono;
    this.#since[i] = since;
    this.#count++;
    this.#payloadBytes += payload.length;
  }

  /** Drops the `n` oldest records. */
  shift(n: number): void {
    for (let k = 0; k < n && this.#count > 0; k++) {
      this.#payloadBytes -= this.#length[this.#first]!;
      this.#first = (this.#first + 1) % this.capacity;
      this.#count--;
    }
  }

  /** Seq of the k-th oldest record. */
  seq(k: number): number {
    return this.#seq[this.#slot(k)]!;
  }

  purposes(k: number): number {
    return this.#purposes[this.#slot(k)]!;
  }

  since(k: number): number {
    return this.#since[this.#slot(k)]!;
  }

  /**
   * The k-th oldest record's payload: a view into the ring, valid until the
   * window next changes. Delivery encodes it at once; keep a copy otherwise.
   */
  payload(k: number): Uint8Array {
    const i = this.#slot(k);
    const at = this.#offset[i]!;
    return this.#bytes.subarray(at, at + this.#length[i]!);
  }

  stamp(k: number): Stamp {
    const i = this.#slot(k);
    const wall = this.#wall[i]!;
    const stamp: Stamp = { boot: this.#boot[i]!, mono: this.#mono[i]! };
    if (wall === wall) stamp.wall = wall; // NaN: the time was unknown
    return stamp;
  }

  /** Index of the oldest record with seq > `after` (count when none). Seqs increase, so a binary search. */
  indexAfter(after: number): number {
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#seq[this.#slot(mid)]! <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #slot(k: number): number {
    return (this.#first + k) % this.capacity;
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
    const oldest = this.#offset[this.#first]!;
    const newest = this.#slot(this.#count - 1);
    const end = this.#offset[newest]! + this.#length[newest]!;
    const wrapped = this.#offset[newest]! < oldest;
    if (wrapped) return oldest - end >= size ? end : -1;
    if (length - end >= size) return end;
    return oldest >= size ? 0 : -1;
  }
}
