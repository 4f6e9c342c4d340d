/**
 * The RAM index of one integration's live records in the flash log, oldest
 * (lowest seq) first: where each sealed record lies and what delivery needs
 * to know without opening it.
 *
 * Packed on purpose: there is one row per buffered record, so a backlog of a
 * few thousand records on flash must not cost an object each (an object per
 * record cost ≈ 144 B of XS heap; a row here is 28 B). A row lives in two
 * typed tables (five 32-bit fields, one 64-bit time), used as a ring that
 * grows by doubling when full and halves when mostly empty. Older copies of a
 * record (left by a compaction a power cut interrupted) are rare and kept
 * aside, by seq.
 */

/** Fields of the 32-bit table. */
const U_SEQ = 0;
/** Absolute offset in the partition of the copy in use. */
const U_AT = 1;
/** Purpose bitmask given at append (0: unknown). */
const U_PURPOSES = 2;
/** Entry bytes (≤ a sector) in the low half, key epoch in the high half. */
const U_SIZE_EPOCH = 3;
/** Stamp flags in the high half, low 16 bits of the boot counter in the low half. */
const U_FLAGS_BOOT = 4;
const U_FIELDS = 5;

const MIN_CAPACITY = 8;

/**
 * Zero-length tables of an empty index, shared (they hold nothing to change). Not frozen
 * (freezing a typed array is refused once it has elements, and these never do).
 */
const EMPTY_U32 = new Uint32Array(0);
const EMPTY_F64 = new Float64Array(0);

/** Shared by every record without older copies. */
const NO_COPIES: readonly number[] = Object.freeze([]);

export class RecordIndex {
  // Allocated with the first record and let go when the last one leaves: most integrations have
  // nothing on flash most of the time (records go from the RAM window to the vendor), and two typed
  // arrays cost ≈ 200 B of XS heap even when empty.
  #u32: Uint32Array = EMPTY_U32;
  /** The stamp's time: wall ms or monotonic ms of its boot (flags say which). */
  #time: Float64Array = EMPTY_F64;
  #first = 0;
  #count = 0;
  /** Older copies by seq, newest first; created on the first one. */
  #older: Map<number, readonly number[]> | undefined;

  get length(): number {
    return this.#count;
  }

  /** Rows allocated (what the index costs in RAM: 28 bytes each). */
  get capacity(): number {
    return this.#time.length;
  }

  push(seq: number, epoch: number, flags: number, boot: number, time: number, size: number, at: number, purposes: number): void {
    if (this.#count === this.capacity) this.#resize(Math.max(MIN_CAPACITY, this.capacity * 2));
    const r = this.#row(this.#count);
    const u = r * U_FIELDS;
    this.#u32[u + U_SEQ] = seq;
    this.#u32[u + U_AT] = at;
    this.#u32[u + U_PURPOSES] = purposes;
    this.#u32[u + U_SIZE_EPOCH] = ((epoch & 0xffff) << 16) | (size & 0xffff);
    this.#u32[u + U_FLAGS_BOOT] = ((flags & 0xffff) << 16) | (boot & 0xffff);
    this.#time[r] = time;
    this.#count++;
  }

  seq(k: number): number {
    return this.#u(k, U_SEQ);
  }

  at(k: number): number {
    return this.#u(k, U_AT);
  }

  setAt(k: number, at: number): void {
    this.#u32[this.#row(k) * U_FIELDS + U_AT] = at;
  }

  purposes(k: number): number {
    return this.#u(k, U_PURPOSES);
  }

  size(k: number): number {
    return this.#u(k, U_SIZE_EPOCH) & 0xffff;
  }

  epoch(k: number): number {
    return this.#u(k, U_SIZE_EPOCH) >>> 16;
  }

  flags(k: number): number {
    return this.#u(k, U_FLAGS_BOOT) >>> 16;
  }

  boot(k: number): number {
    return this.#u(k, U_FLAGS_BOOT) & 0xffff;
  }

  time(k: number): number {
    return this.#time[this.#row(k)]!;
  }

  setStamp(k: number, flags: number, boot: number, time: number): void {
    const r = this.#row(k);
    this.#u32[r * U_FIELDS + U_FLAGS_BOOT] = ((flags & 0xffff) << 16) | (boot & 0xffff);
    this.#time[r] = time;
  }

  /** Offsets of older copies of the k-th record, newest first (almost always none). */
  older(k: number): readonly number[] {
    return this.#older?.get(this.seq(k)) ?? NO_COPIES;
  }

  setOlder(k: number, copies: readonly number[]): void {
    const seq = this.seq(k);
    if (copies.length > 0) (this.#older ??= new Map()).set(seq, copies);
    else this.#forgetOlder(seq);
  }

  /** Whether any record has older copies (a scan of them is needed only then). */
  get hasOlder(): boolean {
    return this.#older !== undefined;
  }

  /** Removes the `n` oldest rows. */
  shift(n: number): void {
    n = Math.min(n, this.#count);
    if (this.#older) for (let k = 0; k < n; k++) this.#forgetOlder(this.seq(k));
    this.#first = this.capacity === 0 ? 0 : (this.#first + n) % this.capacity;
    this.#count -= n;
    this.#shrink();
  }

  /** Removes the k-th row (a record that failed to open; rare, so rows move one by one). */
  removeAt(k: number): void {
    if (k < 0 || k >= this.#count) return;
    this.#forgetOlder(this.seq(k));
    for (let i = k; i < this.#count - 1; i++) this.#copyRow(this.#row(i + 1), this.#row(i));
    this.#count--;
    this.#shrink();
  }

  /** Index of the first record with seq > `after` (length when none). Seqs increase: a binary search. */
  indexAfter(after: number): number {
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seq(mid) <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * For the recovery scan, which pushes rows in the order it finds them
   * (oldest sector first): orders rows by seq and merges copies of one seq
   * (the last found is the one in use, the others its older copies), keeping
   * only seqs above `floor`.
   */
  settle(floor: number): void {
    const n = this.#count;
    if (n === 0) return;
    const order = new Uint32Array(n);
    for (let k = 0; k < n; k++) order[k] = k;
    order.sort((a, b) => this.seq(a) - this.seq(b) || a - b);
    const u32 = this.#u32;
    const time = this.#time;
    // From here on `order` holds table rows (the ring's layout is about to change).
    for (let i = 0; i < n; i++) order[i] = this.#row(order[i]!);
    this.#u32 = new Uint32Array(Math.max(MIN_CAPACITY, n) * U_FIELDS);
    this.#time = new Float64Array(Math.max(MIN_CAPACITY, n));
        this.#first = 0;
    this.#count = 0;
    const older = this.#older;
    this.#older = undefined;
    for (let i = 0; i < n; i++) {
      const from = order[i]! * U_FIELDS;
      const seq = u32[from + U_SEQ]!;
      if (seq <= floor) continue;
      const last = this.#count - 1;
      if (last >= 0 && this.seq(last) === seq) {
        // Another copy of the same record, found later (a newer sector): it is used, the one before becomes an older copy.
        this.setOlder(last, [this.at(last), ...this.older(last)]);
        this.setAt(last, u32[from + U_AT]!);
        continue;
      }
      const to = this.#count * U_FIELDS;
      for (let f = 0; f < U_FIELDS; f++) this.#u32[to + f] = u32[from + f]!;
      this.#time[this.#count] = time[order[i]!]!;
      this.#count++;
      const copies = older?.get(seq);
      if (copies) this.setOlder(this.#count - 1, copies);
    }
    this.#shrink();
  }

  #forgetOlder(seq: number): void {
    if (!this.#older?.delete(seq)) return;
    if (this.#older.size === 0) this.#older = undefined;
  }

  #row(k: number): number {
    return (this.#first + k) % this.capacity;
  }

  #u(k: number, field: number): number {
    return this.#u32[this.#row(k) * U_FIELDS + field]!;
  }

  #copyRow(from: number, to: number): void {
    for (let f = 0; f < U_FIELDS; f++) this.#u32[to * U_FIELDS + f] = this.#u32[from * U_FIELDS + f]!;
    this.#time[to] = this.#time[from]!;
  }

  /** Halves the tables when a quarter full (not at half: a backlog going up and down by one must not reallocate each time). */
  #shrink(): void {
    if (this.#count === 0) {
      this.#u32 = EMPTY_U32;
      this.#time = EMPTY_F64;
      this.#first = 0;
    } else if (this.capacity > MIN_CAPACITY && this.#count <= this.capacity >> 2) this.#resize(Math.max(MIN_CAPACITY, this.capacity >> 1));
  }

  #resize(capacity: number): void {
    const u32 = new Uint32Array(capacity * U_FIELDS);
    const time = new Float64Array(capacity);
    for (let k = 0; k < this.#count; k++) {
      const r = this.#row(k);
      for (let f = 0; f < U_FIELDS; f++) u32[k * U_FIELDS + f] = this.#u32[r * U_FIELDS + f]!;
      time[k] = this.#time[r]!;
    }
    this.#u32 = u32;
    this.#time = time;
    this.#first = 0;
  }
}
