/**
 * RAM first, flash on need: the queue the forwarders read.
 *
 * Each integration has a bounded RAM window (ram-window.ts) of numbered
 * records ready to send. While its vendor acknowledges in time, records go
 * from RAM to the vendor and never touch flash. They spill, oldest first and a
 * page's worth at a time, to the sealed flash log (store.ts) when:
 *  - the oldest record in RAM has waited longer than the spill delay (the
 *    vendor is offline or slow),
 *  - the window reaches its high-water mark (records or bytes),
 *  - the hub shuts down cleanly (`shutdown()`),
 *  - the contract asks for it: `durability: "flash"` seals every record on
 *    flash before it is sent (the window is bypassed).
 *
 * Promises kept: records leave in seq order (everything on flash is older
 * than everything in RAM, since spills take the oldest), at least once (a
 * record leaves RAM only when acknowledged or sealed), and seqs are never
 * reused: RAM records take seqs from blocks the log reserves with a mark on
 * flash before any is given out. A power cut loses at most the RAM window;
 * the next boot finds the reserved seqs unaccounted for (`RecordLog.gap`).
 */
import type { Clock } from '../host.js';
import type { IntegrationQueue, PendingRecord, QueueStats } from '../queue.js';
import type { Stamp } from '../reading.js';
import { RamWindow } from './ram-window.js';
import type { AppendResult, DropReason, QueueLimits, RecordLog, SeqGap } from './store.js';

export type Durability = 'flash' | 'ram-first';

export interface WindowOptions {
  /** Records one integration's window holds (default 32). */
  records?: number;
  /** Payload bytes one integration's window holds (default 2048). */
  bytes?: number;
  /** The oldest record in RAM spills once it waited this long, ms (default 5000). */
  spillDelayMs?: number;
  /** Spills start when the window is this full, in records or bytes (default 0.75). */
  highWater?: number;
  /** Payload bytes a spill writes at least, when there are that many (default 512: a couple of NOR pages with framing). */
  spillBytes?: number;
  /** Seqs reserved on flash per mark (default 64): the wear of numbering RAM records, one 27-byte mark per block. */
  reserveBlock?: number;
}

export interface BufferLimits extends QueueLimits {
  /** Default ram-first. */
  durability?: Durability;
}

export type SpillReason = 'delay' | 'high-water' | 'shutdown' | 'contract' | 'room';

export interface WriteBehindCounters {
  /** Records acknowledged straight from RAM (never on flash). */
  fromRam: number;
  /** Records spilled to flash, by reason. */
  spilled: Record<SpillReason, number>;
  /** Spill batches written. */
  spills: number;
}

interface Lane {
  durability: Durability;
  window: RamWindow | undefined;
  /** Next seq to give out and the last one reserved on flash (next > reserved: reserve more). */
  next: number;
  reserved: number;
  /** RAM records dropped by a purge (the log counts its own). */
  purged: number;
  /** Seqs reported lost at this boot (a power cut took a RAM window). */
  lost: number;
}

const DEFAULTS: Required<WindowOptions> = { records: 32, bytes: 2048, spillDelayMs: 5000, highWater: 0.75, spillBytes: 512, reserveBlock: 64 };

export class WriteBehind implements IntegrationQueue {
  readonly #log: RecordLog;
  readonly #clock: Clock;
  readonly #options: Required<WindowOptions>;
  readonly #lanes = new Map<string, Lane>();
  readonly #counters: WriteBehindCounters = { fromRam: 0, spilled: { delay: 0, 'high-water': 0, shutdown: 0, contract: 0, room: 0 }, spills: 0 };

  constructor(log: RecordLog, clock: Clock, options: WindowOptions = {}) {
    const o = { ...DEFAULTS, ...options };
    for (const key of ['records', 'bytes', 'reserveBlock'] as const) {
      if (!(Number.isInteger(o[key]) && o[key] >= 1)) throw new RangeError(`write-behind: ${key} must be a whole number >= 1, got ${o[key]}`);
    }
    if (o.records > 0xffff || o.bytes > 0x1000000) throw new RangeError('write-behind: a window holds at most 65535 records and 16 MB');
    if (!(o.spillDelayMs >= 0) || !(o.highWater > 0 && o.highWater <= 1) || !(o.spillBytes >= 0)) {
      throw new RangeError('write-behind: spillDelayMs and spillBytes must be >= 0 and highWater in (0, 1]');
    }
    this.#log = log;
    this.#clock = clock;
    this.#options = o;
  }

  get log(): RecordLog {
    return this.#log;
  }

  /** How often `tick()` should run so no record overstays the spill delay by much. */
  get tickMs(): number {
    return Math.max(100, Math.min(1000, Math.floor(this.#options.spillDelayMs / 4)));
  }

  /** The contract's buffering: the log's limits, and flash or RAM first. */
  configure(integration: string, limits: BufferLimits): void {
    const { durability = 'ram-first', ...queueLimits } = limits;
    if (durability !== 'flash' && durability !== 'ram-first') throw new RangeError(`write-behind: durability must be "flash" or "ram-first", got ${String(durability)}`);
    this.#log.configure(integration, queueLimits);
    const lane = this.#lane(integration);
    if (lane.durability !== durability) {
      this.#spill(integration, lane, Infinity, 'contract');
      // Seqs left in the reservation stay unused: flash mode numbers above the high-water mark.
      lane.next = lane.reserved + 1;
      lane.durability = durability;
    }
  }

  /** Buffers a record; `purposes` is its purpose bitmask (0: unknown). */
  append(integration: string, payload: Uint8Array, stamp: Stamp, purposes = 0): AppendResult {
    const lane = this.#lane(integration);
    const o = this.#options;
    if (lane.durability === 'flash' || payload.length === 0 || payload.length > Math.min(o.bytes / 4, this.#log.maxPayloadBytes)) {
      return this.#log.append(integration, payload, stamp, { purposes });
    }
    const now = this.#clock.monotonic();
    const window = (lane.window ??= new RamWindow(o.records, o.bytes));
    this.#spillDue(integration, lane, now);
    while (!window.fits(payload.length) && window.count > 0) this.#spill(integration, lane, o.spillBytes, 'room');
    if (lane.next > lane.reserved) {
      const first = this.#log.reserve(integration, o.reserveBlock);
      if (first === undefined) return { ok: false, reason: 'exhausted', message: `write-behind: ${integration} ran out of sequence numbers; purge it to start over` };
      lane.next = first;
      lane.reserved = first + o.reserveBlock - 1;
    }
    const seq = lane.next++;
    window.push(seq, payload, stamp, purposes, now);
    if (window.count >= o.records * o.highWater || window.payloadBytes >= o.bytes * o.highWater) this.#spill(integration, lane, o.spillBytes, 'high-water');
    return { ok: true, seq };
  }

  pending(integration: string, max: number, afterSeq?: number): PendingRecord[] {
    const out = this.#log.pending(integration, max, afterSeq);
    const window = this.#lanes.get(integration)?.window;
    if (!window || out.length >= max) return out;
    const after = out.length > 0 ? out[out.length - 1]!.seq : afterSeq ?? -1;
    for (let k = window.indexAfter(after); k < window.count && out.length < max; k++) {
      const record: PendingRecord = { integration, seq: window.seq(k), payload: window.payload(k), stamp: window.stamp(k) };
      const purposes = window.purposes(k);
      if (purposes !== 0) record.purposes = purposes;
      out.push(record);
    }
    return out;
  }

  acknowledge(integration: string, seq: number): void {
    const window = this.#lanes.get(integration)?.window;
    if (window && window.count > 0) {
      const n = window.indexAfter(seq);
      window.shift(n);
      this.#counters.fromRam += n;
    }
    // Writes a mark only when records on flash were acknowledged.
    this.#log.noteAcknowledged(integration, seq);
  }

  stats(integration: string): QueueStats {
    const onFlash = this.#log.stats(integration);
    const window = this.#lanes.get(integration)?.window;
    if (!window || window.count === 0) return onFlash;
    if (onFlash.records > 0) return { ...onFlash, records: onFlash.records + window.count, bytes: onFlash.bytes + window.payloadBytes };
    return { records: window.count, bytes: window.payloadBytes, oldestSeq: window.seq(0), oldestStamp: window.stamp(0) };
  }

  /** Spills every window whose oldest record waited past the spill delay; run every `tickMs`. */
  tick(): void {
    const now = this.#clock.monotonic();
    for (const [integration, lane] of this.#lanes) this.#spillDue(integration, lane, now);
  }

  /**
   * Clean shutdown: every RAM record goes to flash, then each integration is
   * settled (its seqs are all accounted for), so the next boot reports no loss.
   */
  shutdown(): void {
    for (const [integration, lane] of this.#lanes) {
      this.#spill(integration, lane, Infinity, 'shutdown');
      this.#log.settle(integration);
      lane.next = lane.reserved + 1;
    }
  }

  /** Drops the integration's RAM records and purges (crypto-shreds) its log. Returns how many records went. */
  purge(integration: string): number {
    const lane = this.#lane(integration);
    const n = lane.window?.count ?? 0;
    lane.window?.shift(n);
    lane.purged += n;
    // The purge's mark puts the floor at the high-water mark: the rest of the reservation is spent.
    lane.next = lane.reserved + 1;
    return n + this.#log.purge(integration);
  }

  expire(nowWall?: number): number {
    // RAM records are younger than the spill delay, far below any retention period: only the log ages out.
    return this.#log.expire(nowWall);
  }

  /**
   * Reports seqs the last boot found reserved but unaccounted for (records a
   * power cut took from RAM, at most the window; reserved seqs never given
   * out look the same, so it is an upper bound), once: the log is settled.
   */
  settleGap(integration: string): SeqGap | undefined {
    const gap = this.#log.gap(integration);
    if (!gap) return undefined;
    this.#lane(integration).lost += gap.to - gap.from + 1;
    this.#log.settle(integration);
    return gap;
  }

  /** Drops by reason since boot: the log's, plus RAM records purged and seqs lost to a power cut. */
  droppedFor(integration: string): Record<DropReason | 'lost', number> {
    const lane = this.#lanes.get(integration);
    const dropped = this.#log.droppedFor(integration);
    dropped.purged += lane?.purged ?? 0;
    return { ...dropped, lost: lane?.lost ?? 0 };
  }

  counters(): WriteBehindCounters {
    return { ...this.#counters, spilled: { ...this.#counters.spilled } };
  }

  #lane(integration: string): Lane {
    let lane = this.#lanes.get(integration);
    if (!lane) this.#lanes.set(integration, (lane = { durability: 'ram-first', window: undefined, next: 1, reserved: 0, purged: 0, lost: 0 }));
    return lane;
  }

  #spillDue(integration: string, lane: Lane, now: number): void {
    const window = lane.window;
    if (window && window.count > 0 && now - window.since(0) >= this.#options.spillDelayMs) this.#spill(integration, lane, this.#options.spillBytes, 'delay');
  }

  /**
   * Moves the oldest records to the sealed log: at least `bytes` payload bytes
   * (so flash is written in page-sized batches, not a record at a time) and
   * every record past the spill delay. A record the log refuses (quota,
   * full) is dropped there and counted by it.
   */
  #spill(integration: string, lane: Lane, bytes: number, reason: SpillReason): void {
    const window = lane.window;
    if (!window || window.count === 0) return;
    const deadline = this.#clock.monotonic() - this.#options.spillDelayMs;
    let n = 0;
    let moved = 0;
    try {
      while (n < window.count && (moved < bytes || window.since(n) <= deadline)) {
        const payload = window.payload(n);
        this.#log.append(integration, payload, window.stamp(n), { seq: window.seq(n), purposes: window.purposes(n) });
        moved += payload.length;
        n++;
      }
    } finally {
      // What reached the log leaves RAM even if the flash failed half way (pending() skips a seq seen twice).
      window.shift(n);
      this.#counters.spilled[reason] += n;
      this.#counters.spills++;
    }
  }
}
