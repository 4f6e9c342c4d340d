/**
 * The record log: sealed records of every integration, on NOR flash, in
 * sectors used as a circle.
 *
 * - Appending seals the payload with AES-256-GCM under the integration's data
 *   key of the current epoch; nothing unsealed reaches flash and no key does.
 * - Acknowledgements, drops and purges are "marks": small entries saying
 *   "everything of this integration up to seq N is gone; the highest seq ever
 *   given out is H". Flash writes are cheap, NVS writes wear: acks never touch NVS.
 * - When the head sector fills, the next sector of the circle is opened and
 *   the one after it (the oldest) is compacted: its live records are copied
 *   verbatim into the new head, a mark is rewritten if the sector held the last
 *   proof of an integration's floor or high-water mark, then it is erased.
 *   Every sector is erased once per lap: wear is even by construction.
 * - `recover()` rebuilds everything from a scan (see scan.ts and docs/flash-log.md).
 *
 * Implements IntegrationQueue for the forwarder.
 */
import { asBytes, utf8 } from '../bytes.js';
import type { Clock, Crypto, Flash, Logger } from '../host.js';
import type { Keyring } from '../keyring.js';
import type { IntegrationQueue, PendingRecord, QueueStats } from '../queue.js';
import type { Stamp } from '../reading.js';
import {
  decodeEntryHeader,
  decodeSectorHeader,
  decodeStamp,
  encodeEntry,
  encodeStamp,
  encodeSectorHeader,
  ENTRY_HEADER_BYTES,
  FLAG_SETTLED,
  FLAG_WALL,
  GCM_TAG_BYTES,
  integrationTag,
  KIND_MARK,
  KIND_RECORD,
  MARK_BODY_BYTES,
  MARK_ENTRY_BYTES,
  recordAad,
  recordNonce,
  RECORD_OVERHEAD,
  SECTOR_HEADER_BYTES,
  STAMP_BYTES,
  UNCOMMITTED,
  WALL_EPOCH,
  MAX_TIME,
} from './format.js';
import { RecordIndex } from './record-index.js';
import { scanSector, type ScannedEntry } from './scan.js';

export type WhenFull = 'drop-oldest' | 'drop-newest';

/** Per-integration buffering limits (from the contract's hub-buffering section). */
export interface QueueLimits {
  /** Payload bytes (the sealed records' plaintext size) the integration may keep buffered. */
  maxBytes?: number;
  maxRecords?: number;
  /** Records older than this are dropped by `expire()` (reason `retention`). */
  maxAgeMs?: number;
  /** What gives way when a limit or the flash is full: the oldest buffered record or the new one. Default drop-newest. */
  whenFull?: WhenFull;
}

export type DropReason = 'quota' | 'full' | 'retention' | 'corrupt' | 'purged';
export type AppendRefusal = 'quota' | 'full' | 'too-large' | 'invalid' | 'exhausted';
export type AppendResult = { ok: true; seq: number } | { ok: false; reason: AppendRefusal; message: string };

export interface AppendOptions {
  /**
   * A seq reserved earlier with `reserve()` (the RAM window spilling a record
   * it already numbered). It must be above every seq that may have ciphertext
   * on flash and above the floor; default: the next seq after the high-water mark.
   */
  seq?: number;
  /** The record's purposes as a bitmask (kept in the RAM index, never on flash); 0 = unknown. */
  purposes?: number;
}

/** Seqs a reboot found reserved but neither on flash nor acknowledged: records a power cut may have taken from RAM. */
export interface SeqGap {
  /** First and last seq of the gap, inclusive. */
  from: number;
  to: number;
}

export interface RecordLogPowers {
  flash: Flash;
  keyring: Keyring;
  crypto: Crypto;
  clock: Clock;
  log?: Logger;
}

export interface RecoveryReport {
  /** blank: never written; ok: a log was found (or partly); foreign: only another master key's log; unformatted: only non-log data. */
  state: 'blank' | 'ok' | 'foreign' | 'unformatted';
  sectors: number;
  logSectors: number;
  /** Live (undelivered) records found. */
  records: number;
  /** Entries whose commit marker was never programmed (power cut mid-append or mid-move). */
  torn: number;
  /** Byte runs where no valid entry header was found (bit flips, torn headers). */
  damagedRegions: number;
  foreignSectors: number;
  /** Sectors that are neither blank nor a readable log sector (half-erased, damaged header, other data). */
  unusableSectors: number;
  /** Integrations with reserved seqs found unaccounted for (see `gap()`). */
  seqGaps: number;
  error?: string;
}

export interface LogCounters {
  appended: number;
  acknowledged: number;
  dropped: Record<DropReason, number>;
  /** Calls refused as malformed (bad integration name, payload, stamp or seq). */
  rejected: number;
  compactions: number;
  erases: number;
  /** Bytes of live records copied by compaction. */
  movedBytes: number;
  /** Every byte programmed into flash (entries, commit markers, sector headers, marks, moves). */
  bytesWritten: number;
  /** Bytes of record entries appended (header + sealed payload), the denominator of write amplification. */
  recordBytesAppended: number;
  torn: number;
  damagedRegions: number;
  liveRecords: number;
  liveBytes: number;
  capacityBytes: number;
}

export class LogError extends Error {
  override name = 'LogError';
}

/**
 * In the index's stamp flags only (never on flash): found by recovery, stamp not read yet (it is
 * sealed inside the record; read when the record is first opened).
 */
const STAMP_UNKNOWN = 0x80;

interface Stream {
  tag: number;
  name: string | undefined;
  /** Highest seq ever given out. */
  high: number;
  /** Everything <= floor is acknowledged or dropped. */
  floor: number;
  /** Highest seq that may have ciphertext on flash (committed or torn records): a nonce never to reuse. */
  sealed: number;
  /** Every seq <= settled is accounted for (delivered, on flash, dropped or already reported lost): a settled mark proves it. */
  settled: number;
  /** Sectors holding the newest entry that proves `high` / `floor` / `settled` (-1: none needed). */
  highSector: number;
  floorSector: number;
  settledSector: number;
  /** Seqs the last recovery found unaccounted for (0, 0: none), until `settle()`. */
  gapFrom: number;
  gapTo: number;
  /**
   * Its live records, by seq: packed rows (record-index.ts), not an object per record. The log's
   * shared empty index while it has none (most integrations, most of the time: records go from the
   * RAM window to the vendor); `#rowsOf` gives it its own before a row is added.
   */
  index: RecordIndex;
  payloadBytes: number;
  limits: QueueLimits;
  /** This integration's drops since boot, by reason (the monitoring counters are per integration). */
  dropped: Record<DropReason, number>;
}

/**
 * What the log knows about every sector, one typed array per attribute
 * indexed by sector number. An object per sector with Sets of its records
 * cost ~250 B of XS heap per 4 KB sector (22 KB for the board's partition);
 * these arrays are a few chunks. Which records live in a sector is not kept:
 * compaction and erase (once per sector filled) find them in the streams'
 * indexes, and the counts answer "anything live here?" at once.
 */
class SectorTable {
  /** STATUS_FREE, STATUS_UNUSABLE or STATUS_LOG. */
  readonly status: Uint8Array;
  /** 1: free and known to be all 0xFF (no erase needed before use). */
  readonly clean: Uint8Array;
  /** The sector header's generation (a double: the counter is only truncated on flash). */
  readonly generation: Float64Array;
  /** Bytes programmed from the sector's start. */
  readonly used: Uint32Array;
  /** Live records whose copy in use is here. */
  readonly records: Uint32Array;
  /** Entry bytes of those records: what compacting the sector copies (the room planner reads it). */
  readonly live: Uint32Array;
  /** Older copies of live records here (left by an interrupted compaction). */
  readonly copies: Uint32Array;

  constructor(count: number) {
    this.status = new Uint8Array(count);
    this.clean = new Uint8Array(count);
    this.generation = new Float64Array(count);
    this.used = new Uint32Array(count);
    this.records = new Uint32Array(count);
    this.live = new Uint32Array(count);
    this.copies = new Uint32Array(count);
  }

  /** Sector `s` holds nothing known: free, clean or not. */
  reset(s: number, clean: boolean): void {
    this.status[s] = STATUS_FREE;
    this.clean[s] = clean ? 1 : 0;
    this.generation[s] = 0;
    this.used[s] = 0;
    this.records[s] = 0;
    this.live[s] = 0;
    this.copies[s] = 0;
  }
}

const STATUS_FREE = 0;
const STATUS_UNUSABLE = 1;
const STATUS_LOG = 2;

const MAX_SEQ = 0xffffffff;
const MAX_EPOCH = 0xffff;

/**
 * Bytes a record append leaves free at the head beyond its own entry and drop marks: room for the
 * marks that follow without a record (a seq reservation, an acknowledgement), so a full log does
 * not need a lap of compaction for each of them.
 */
const HEADROOM = 2 * MARK_ENTRY_BYTES;

/** Front records of one integration a full log will drop (a plan, applied only if it makes room). */
interface Eviction {
  stream: Stream;
  /** Records taken from the front of its index, quota drops of the appending integration included. */
  count: number;
  payload: number;
}

/** The plan of an append that needs no eviction (shared, never mutated). */
const NO_EVICTIONS: readonly Eviction[] = Object.freeze([]);

export class RecordLog implements IntegrationQueue {
  readonly #flash: Flash;
  readonly #keyring: Keyring;
  readonly #crypto: Crypto;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #sectorCount: number;
  readonly #blockSize: number;
  readonly #streams = new Map<number, Stream>();
  /** The index of every stream without records (never given a row). */
  readonly #noRecords = new RecordIndex();
  readonly #sectors: SectorTable;
  /** Keys the integration tags in entry headers (format.ts integrationTag). */
  readonly #tagKey: Uint8Array;
  readonly #tags = new Map<string, number>();
  /** Scratch of the room planner: live entry bytes a planned eviction frees, per sector. */
  readonly #freed: Int32Array;
  #head = -1;
  #generation = 0;
  #fingerprint = 0;
  #recovered = false;
  #liveBytes = 0;
  readonly #counters = {
    appended: 0,
    acknowledged: 0,
    rejected: 0,
    compactions: 0,
    erases: 0,
    movedBytes: 0,
    bytesWritten: 0,
    recordBytesAppended: 0,
    torn: 0,
    damagedRegions: 0,
  };
  readonly #dropped: Record<DropReason, number> = { quota: 0, full: 0, retention: 0, corrupt: 0, purged: 0 };

  constructor({ flash, keyring, crypto, clock, log }: RecordLogPowers) {
    const sectors = flash.byteLength / flash.blockSize;
    if (!Number.isInteger(sectors) || sectors < 4) {
      throw new LogError(`flash log: the partition has ${sectors} sectors of ${flash.blockSize} bytes; it needs at least 4 (a head, a spare for compaction, and room)`);
    }
    if (flash.blockSize < 256 || flash.blockSize > 8192) {
      throw new LogError(`flash log: blockSize ${flash.blockSize} must be 256..8192 bytes (entry lengths are 13-bit)`);
    }
    this.#flash = flash;
    this.#keyring = keyring;
    this.#crypto = crypto;
    this.#clock = clock;
    this.#log = log;
    this.#sectorCount = sectors;
    this.#blockSize = flash.blockSize;
    this.#sectors = new SectorTable(sectors);
    this.#freed = new Int32Array(sectors);
    this.#tagKey = keyring.hubKey('log-tag');
  }

  /** Creates a log and recovers it from flash. */
  static open(powers: RecordLogPowers): { log: RecordLog; report: RecoveryReport } {
    const log = new RecordLog(powers);
    return { log, report: log.recover() };
  }

  /** Bytes of live record entries the log accepts before policy-when-full applies. */
  get capacityBytes(): number {
    return (this.#sectorCount - 2) * (this.#blockSize - SECTOR_HEADER_BYTES);
  }

  /** The largest payload one record may have. */
  get maxPayloadBytes(): number {
    return Math.floor((this.#blockSize - SECTOR_HEADER_BYTES) / 4) - RECORD_OVERHEAD;
  }

  // ---------------------------------------------------------------- recovery

  /**
   * Rebuilds the log from flash: finds live records, the floor and high-water
   * mark of every integration, and where to append. Torn and damaged entries
   * are skipped and counted. Never throws for what it finds on flash: a blank,
   * foreign or unformatted region gives an empty log and a report that says so.
   */
  recover(): RecoveryReport {
    this.#fingerprint = this.#computeFingerprint();
    this.#streams.clear();
    this.#head = -1;
    this.#generation = 0;
    this.#liveBytes = 0;
    const report: RecoveryReport = {
      state: 'blank',
      sectors: this.#sectorCount,
      logSectors: 0,
      records: 0,
      torn: 0,
      damagedRegions: 0,
      foreignSectors: 0,
      unusableSectors: 0,
      seqGaps: 0,
    };
    // Pass 1, sector headers: which sectors are ours and their generations. Only the others are read whole here
    // (blank, or what else they hold).
    const logSectors: number[] = [];
    let otherData = 0;
    const sectors = this.#sectors;
    for (let s = 0; s < this.#sectorCount; s++) {
      sectors.reset(s, false);
      const header = decodeSectorHeader(asBytes(this.#flash.read(s * this.#blockSize, SECTOR_HEADER_BYTES)));
      if (header.ok && header.header.fingerprint === this.#fingerprint) {
        sectors.status[s] = STATUS_LOG;
        sectors.generation[s] = header.header.generation;
        logSectors.push(s);
        continue;
      }
      const finding = scanSector(asBytes(this.#flash.read(s * this.#blockSize, this.#blockSize)), s * this.#blockSize, this.#fingerprint);
      sectors.reset(s, finding.state === 'blank');
      if (finding.state === 'unusable') {
        sectors.status[s] = STATUS_UNUSABLE;
        report.unusableSectors++;
        if (finding.why === 'foreign') report.foreignSectors++;
        else if (finding.why === 'not-a-log' || finding.why === 'version') otherData++;
      }
    }
    // Pass 2, the log's sectors oldest first, each entry indexed as the scan finds it (no list of every entry).
    logSectors.sort((a, b) => sectors.generation[a]! - sectors.generation[b]!);
    const tailDamage = new Map<number, number>();
    /** Per tag, the highest committed record seq: a torn record's seq is sealed but its record is lost (inside the gap). */
    const committed = new Map<number, number>();
    for (const index of logSectors) {
      const visit = (e: ScannedEntry): void => {
        const h = e.header;
        const stream = this.#streamByTag(h.tag);
        if (!h.committed) {
          // A torn record may have left ciphertext under its nonce: never give its seq out again.
          report.torn++;
          if (h.kind === KIND_RECORD) {
            this.#proveHigh(stream, h.seq, index);
            if (h.seq > stream.sealed) stream.sealed = h.seq;
          }
          return;
        }
        if (h.kind === KIND_MARK) {
          this.#proveHigh(stream, e.high, index);
          if (h.flags & FLAG_SETTLED) {
            // A settled mark's seq field is "accounted through", not a floor.
            if (h.seq >= stream.settled) {
              stream.settled = h.seq;
              stream.settledSector = index;
            }
            return;
          }
          if (h.seq >= stream.floor) {
            stream.floor = h.seq;
            stream.floorSector = index;
          }
          return;
        }
        this.#proveHigh(stream, h.seq, index);
        if (h.seq > stream.sealed) stream.sealed = h.seq;
        if (h.seq > (committed.get(h.tag) ?? 0)) committed.set(h.tag, h.seq);
        // In the order found; settle() below sorts by seq and merges the copies a compaction whose erase never
        // finished left (the newer sector's is used). The stamp is sealed: read when the record is first opened.
        this.#rowsOf(stream).push(h.seq, h.epoch, STAMP_UNKNOWN, 0, 0, e.size, e.at, 0);
      };
      const finding = scanSector(asBytes(this.#flash.read(index * this.#blockSize, this.#blockSize)), index * this.#blockSize, this.#fingerprint, visit);
      if (finding.state !== 'log') {
        // Not possible with a flash that reads the same twice; counted rather than thrown (recovery never throws).
        sectors.status[index] = STATUS_UNUSABLE;
        report.unusableSectors++;
        continue;
      }
      sectors.used[index] = finding.used;
      if (finding.tailDamageAt >= 0) tailDamage.set(index, finding.tailDamageAt);
      report.damagedRegions += finding.damagedRegions;
      report.logSectors++;
      if (this.#sectors.generation[index]! >= this.#generation) {
        this.#generation = this.#sectors.generation[index]!;
        this.#head = index;
      }
    }
    for (const stream of this.#streams.values()) {
      const index = stream.index;
      index.settle(stream.floor);
      if (index.length === 0) stream.index = this.#noRecords;
      for (let k = 0; k < index.length; k++) {
        const size = index.size(k);
        stream.payloadBytes += size - RECORD_OVERHEAD;
        this.#liveBytes += size;
        this.#sectors.records[this.#sectorOf(index.at(k))]!++;
        this.#sectors.live[this.#sectorOf(index.at(k))]! += size;
        for (const old of index.older(k)) this.#sectors.copies[this.#sectorOf(old)]!++;
      }
      report.records += index.length;
    }
    for (const stream of this.#streams.values()) {
      // Reserved seqs above everything accounted for: a RAM window's records that the power cut took
      // (and reserved seqs never given out: the gap is an upper bound).
      const accounted = Math.max(stream.floor, committed.get(stream.tag) ?? 0, stream.settled);
      if (stream.high > accounted) {
        stream.gapFrom = accounted + 1;
        stream.gapTo = stream.high;
        report.seqGaps++;
      }
    }
    this.#counters.torn += report.torn;
    this.#counters.damagedRegions += report.damagedRegions;
    this.#recovered = true;
    report.state = this.#recoveryState(report, otherData);
    if (report.state === 'foreign') {
      report.error =
        `flash log: ${report.foreignSectors} sector(s) were written under another master key; their records cannot be opened, ` +
        'the log starts empty and that space will be erased when reused. If the key store was replaced by mistake, restore it before appending.';
    } else if (report.state === 'unformatted') {
      report.error =
        `flash log: ${report.unusableSectors} sector(s) hold data that is not an Airlock log; ` +
        'the log starts empty and that space will be erased when reused. Check the partition table if this is unexpected.';
    }
    if (report.error) this.#log?.warn(report.error);
    if (report.torn || report.damagedRegions) {
      this.#log?.warn('flash log: skipped torn or damaged entries', { torn: report.torn, damagedRegions: report.damagedRegions });
    }
    // A power cut between opening a head and erasing the sector after it leaves that compaction unfinished.
    if (this.#head >= 0) {
      const after = (this.#head + 1) % this.#sectorCount;
      const unfinished = this.#sectors.status[after] === STATUS_LOG;
      const damageAt = tailDamage.get(this.#head);
      if (damageAt !== undefined) this.#stepOverTornHeader(damageAt, unfinished ? after : -1);
      if (unfinished) this.#compact(after);
    }
    return report;
  }

  /**
   * The head ends in a torn header at `at`: new entries start past its header's
   * bytes, so no byte they program can complete it into a header that parses
   * (found by the spill-path power-cut sweep: a commit byte landed on a torn
   * header's missing checksum byte). A compaction to finish (`compacting`)
   * needs its room first; without room enough the head is used as found.
   */
  #stepOverTornHeader(at: number, compacting: number): void {
    const head = this.#head;
    const past = Math.max(this.#sectors.used[head]!, at + ENTRY_HEADER_BYTES);
    let need = 0;
    if (compacting >= 0) {
      for (const stream of this.#streams.values()) {
        const index = stream.index;
        for (let k = 0; k < index.length; k++) if (this.#sectorOf(index.at(k)) === compacting) need += index.size(k);
        if (stream.highSector === compacting || stream.floorSector === compacting || stream.settledSector === compacting) need += 2 * (ENTRY_HEADER_BYTES + MARK_BODY_BYTES);
      }
    }
    if (compacting < 0 || past + need <= this.#blockSize) this.#sectors.used[head] = Math.min(this.#blockSize, past);
  }

  #recoveryState(report: RecoveryReport, otherData: number): RecoveryReport['state'] {
    if (report.logSectors > 0) return 'ok';
    if (report.foreignSectors > 0) return 'foreign';
    if (otherData > 0) return 'unformatted';
    return report.unusableSectors > 0 ? 'ok' : 'blank';
  }

  // ---------------------------------------------------------------- writing

  /** Sets an integration's buffering limits (kept in memory: the contract is the source of truth at each boot). */
  configure(integration: string, limits: QueueLimits): void {
    if (!this.#validName(integration)) throw new LogError(`flash log: integration must be a non-empty string, got ${String(integration)}`);
    for (const key of ['maxBytes', 'maxRecords', 'maxAgeMs'] as const) {
      const v = limits[key];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new LogError(`flash log: ${key} for ${integration} must be a whole number >= 0, got ${v}`);
    }
    if (limits.whenFull !== undefined && limits.whenFull !== 'drop-oldest' && limits.whenFull !== 'drop-newest') {
      throw new LogError(`flash log: whenFull for ${integration} must be "drop-oldest" or "drop-newest", got ${String(limits.whenFull)}`);
    }
    this.#named(integration).limits = { ...limits };
  }

  /** Seals and appends a record; returns its seq, or why it was refused (and counted). */
  append(integration: string, payload: Uint8Array, stamp: Stamp, options?: AppendOptions): AppendResult {
    this.#requireRecovered();
    const invalid = this.#checkAppend(integration, payload, stamp);
    if (invalid) {
      this.#counters.rejected++;
      return { ok: false, reason: 'invalid', message: invalid };
    }
    if (payload.length > this.maxPayloadBytes) {
      this.#counters.rejected++;
      return { ok: false, reason: 'too-large', message: `flash log: payload of ${payload.length} bytes exceeds ${this.maxPayloadBytes} (a quarter sector)` };
    }
    const stream = this.#named(integration);
    if (stream.name !== integration) {
      this.#counters.rejected++;
      return { ok: false, reason: 'invalid', message: `flash log: "${integration}" shares its 32-bit tag with "${stream.name}"; rename one of them` };
    }
    const epoch = this.#keyring.currentEpoch(integration);
    const given = options?.seq;
    if (given !== undefined && !(Number.isInteger(given) && given > Math.max(stream.sealed, stream.floor) && given <= MAX_SEQ)) {
      this.#counters.rejected++;
      return { ok: false, reason: 'invalid', message: `flash log: seq ${given} for ${integration} is not above every seq already sealed or acknowledged` };
    }
    if ((given === undefined && stream.high >= MAX_SEQ) || epoch > MAX_EPOCH) {
      this.#counters.rejected++;
      return { ok: false, reason: 'exhausted', message: `flash log: ${integration} ran out of sequence numbers or key epochs; purge it to start over` };
    }
    const size = RECORD_OVERHEAD + payload.length;
    const limits = stream.limits;
    const dropOldest = limits.whenFull === 'drop-oldest';
    let drop = 0;
    let dropBytes = 0;
    const fitsQuota = () =>
      (limits.maxRecords === undefined || stream.index.length - drop + 1 <= limits.maxRecords) &&
      (limits.maxBytes === undefined || stream.payloadBytes - dropBytes + payload.length <= limits.maxBytes);
    while (!fitsQuota()) {
      if (!dropOldest || drop >= stream.index.length) {
        this.#dropped.quota++;
        stream.dropped.quota++;
        return { ok: false, reason: 'quota', message: `flash log: ${integration} is at its buffer quota (policy ${limits.whenFull ?? 'drop-newest'})` };
      }
      dropBytes += this.#payloadOf(stream, drop);
      drop++;
    }
    // The partition: room is planned where compaction will actually make it (see #planRoom), so a full log drops by
    // policy here instead of finding no room after a lap of compaction.
    const evictions = this.#planRoom(stream, size, drop, HEADROOM);
    if (!evictions) {
      this.#dropped.full++;
      stream.dropped.full++;
      const why = dropOldest ? 'nothing is left that it may drop (docs/flash-log.md, "When the partition is full")' : `${integration} keeps its buffered records`;
      return { ok: false, reason: 'full', message: `flash log: the log is full (${this.capacityBytes} bytes of records); ${why} (policy ${limits.whenFull ?? 'drop-newest'})` };
    }
    this.#evict(stream, evictions, drop);

    const seq = given ?? stream.high + 1;
    const key = this.#keyring.key('data', integration, epoch);
    if (!key) throw new LogError(`flash log: no data key for ${integration} epoch ${epoch}`);
    // Wall time outside 2020..2054 is not trusted (a clock that never synced): the record keeps boot + monotonic time.
    const wall = stamp.wall !== undefined && stamp.wall >= WALL_EPOCH && stamp.wall - WALL_EPOCH <= MAX_TIME ? Math.floor(stamp.wall) : undefined;
    const flags = wall === undefined ? 0 : FLAG_WALL;
    const time = wall === undefined ? Math.floor(stamp.mono) : wall;
    const body = new Uint8Array(STAMP_BYTES + payload.length + GCM_TAG_BYTES);
    const boot = stamp.boot & 0xffff;
    const entry = encodeEntry({ kind: KIND_RECORD, tag: stream.tag, seq, epoch }, body);
    const plain = new Uint8Array(STAMP_BYTES + payload.length);
    plain.set(encodeStamp({ flags, boot, time: wall === undefined ? time : time - WALL_EPOCH }));
    plain.set(payload, STAMP_BYTES);
    const sealed = this.#crypto.aesGcmSeal(key, recordNonce(epoch, seq), plain, recordAad(entry, 0, integration));
    entry.set(sealed, ENTRY_HEADER_BYTES);
    this.#ensureRoom(entry.length);
    const at = this.#program(entry, KIND_RECORD);
    stream.sealed = seq;
    // A reserved seq is proven by its reservation mark; only a seq above it raises the high-water mark.
    if (seq >= stream.high) {
      stream.high = seq;
      stream.highSector = this.#head;
    }
    this.#rowsOf(stream).push(seq, epoch, flags, boot, time, entry.length, at, options?.purposes ?? 0);
    stream.payloadBytes += payload.length;
    this.#liveBytes += entry.length;
    this.#sectors.records[this.#head]!++;
    this.#sectors.live[this.#head]! += entry.length;
    this.#counters.appended++;
    this.#counters.recordBytesAppended += entry.length;
    return { ok: true, seq };
  }

  /** The vendor acknowledged everything up to `seq` (clamped to the highest seq given out). Writes one mark, never NVS. */
  acknowledge(integration: string, seq: number): void {
    this.#requireRecovered();
    if (!this.#validName(integration) || !Number.isInteger(seq) || seq < 0) {
      this.#counters.rejected++;
      return;
    }
    const stream = this.#streams.get(this.#tagOf(integration));
    if (!stream) return;
    const through = Math.min(seq, stream.high);
    if (through <= stream.floor) return;
    const n = stream.index.indexAfter(through);
    this.#removeFront(stream, n);
    this.#counters.acknowledged += n;
    stream.floor = through;
    this.#writeMark(stream);
  }

  /**
   * The vendor acknowledged records that never reached flash (a RAM window's):
   * raises the floor in memory only. The next mark written for the
   * integration (a reservation, an ack of spilled records) carries it, so a
   * reboot counts fewer seqs as possibly lost; writing a mark per ack would
   * wear the flash for records that were never on it.
   */
  noteAcknowledged(integration: string, seq: number): void {
    this.#requireRecovered();
    const stream = this.#validName(integration) && Number.isInteger(seq) ? this.#streams.get(this.#tagOf(integration)) : undefined;
    if (!stream) return;
    if (stream.index.length > 0 && stream.index.seq(0) <= seq) return this.acknowledge(integration, seq);
    const through = Math.min(seq, stream.high);
    if (through > stream.floor) stream.floor = through;
  }

  /**
   * Reserves the next `count` seqs of an integration for records held in RAM
   * and proves the reservation on flash (one mark) before any is given out,
   * so a reboot never reuses a seq, even of a record the power cut took.
   * Returns the first seq of the block, or undefined when seqs ran out.
   */
  reserve(integration: string, count: number): number | undefined {
    this.#requireRecovered();
    if (!this.#validName(integration) || !(Number.isInteger(count) && count > 0)) throw new LogError(`flash log: reserve needs an integration and a count >= 1`);
    const stream = this.#named(integration);
    if (stream.high + count > MAX_SEQ) return undefined;
    // On a full partition the mark needs room like a record: the integration's policy makes it (drop-oldest evicts).
    const plan = this.#planRoom(stream, 0, 0, 0);
    if (plan) this.#evict(stream, plan, 0);
    const first = stream.high + 1;
    stream.high += count;
    this.#writeMark(stream);
    return first;
  }

  /** Seqs the last recovery found reserved but unaccounted for (see SeqGap), until `settle()`. */
  gap(integration: string): SeqGap | undefined {
    const stream = this.#validName(integration) ? this.#streams.get(this.#tagOf(integration)) : undefined;
    return stream && stream.gapTo > 0 ? { from: stream.gapFrom, to: stream.gapTo } : undefined;
  }

  /**
   * Everything of the integration up to its high-water mark is accounted for
   * (a clean shutdown after spilling its RAM window, or a gap the hub
   * reported): writes a settled mark so the next recovery reports no gap for it.
   */
  settle(integration: string): void {
    this.#requireRecovered();
    const stream = this.#validName(integration) ? this.#streams.get(this.#tagOf(integration)) : undefined;
    if (!stream) return;
    stream.gapFrom = stream.gapTo = 0;
    if (stream.settled >= stream.high || stream.floor >= stream.high) return;
    stream.settled = stream.high;
    this.#ensureRoom(ENTRY_HEADER_BYTES + MARK_BODY_BYTES);
    this.#programSettled(stream);
  }

  /**
   * Consent withdrawn or the integration ended: destroys its data keys first
   * (its records are unreadable from that instant), then drops them from the
   * index and erases every sector that no longer holds anything live.
   * Returns how many undelivered records were purged.
   */
  purge(integration: string): number {
    this.#requireRecovered();
    if (!this.#validName(integration)) throw new LogError(`flash log: purge needs an integration name, got ${String(integration)}`);
    this.#keyring.shred(integration);
    const stream = this.#streams.get(this.#tagOf(integration));
    if (!stream) return 0;
    const n = stream.index.length;
    this.#dropFront(stream, n, 'purged');
    if (stream.floor < stream.high) {
      stream.floor = stream.high;
      this.#writeMark(stream);
    }
    this.reclaim();
    return n;
  }

  /**
   * Drops records older than their integration's `maxAgeMs` (reason
   * `retention`). Ages are lower bounds: a record stamped without wall time in
   * an earlier boot is at least as old as the start of this boot, and at least
   * as old as any later record of its integration that has wall time.
   * Does nothing while the wall clock is unknown. Returns how many were dropped.
   */
  expire(nowWall: number | undefined = this.#clock.wallTime()): number {
    this.#requireRecovered();
    if (nowWall === undefined || !Number.isFinite(nowWall)) return 0;
    const bootStart = nowWall - this.#clock.monotonic();
    const thisBoot = this.#clock.bootCount & 0xffff;
    let total = 0;
    for (const stream of this.#streams.values()) {
      const maxAge = stream.limits.maxAgeMs;
      const q = stream.index;
      if (maxAge === undefined || q.length === 0) continue;
      // Records found at boot are aged by their sealed stamps: open each once (configure() named the stream).
      // One that does not open is dropped: the next one moves to index k.
      for (let k = 0; k < q.length; ) if (!(q.flags(k) & STAMP_UNKNOWN) || this.#open(stream.name!, stream, k)) k++;
      if (q.length === 0) continue;
      // A record without wall time from an earlier boot happened before this boot and before every later record with
      // wall time: it is old enough when this boot started long enough ago, or when a later record with wall time is.
      const tooOld = (happened: number) => nowWall - happened > maxAge;
      let lastOldWall = -1;
      for (let i = q.length - 1; i >= 0 && lastOldWall < 0; i--) if (q.flags(i) & FLAG_WALL && tooOld(q.time(i))) lastOldWall = i;
      let n = 0;
      while (n < q.length) {
        const flags = q.flags(n);
        const expired = flags & FLAG_WALL ? tooOld(q.time(n)) : q.boot(n) === thisBoot ? tooOld(bootStart + q.time(n)) : tooOld(bootStart) || n < lastOldWall;
        if (!expired) break;
        n++;
      }
      if (n > 0) {
        this.#dropFront(stream, n, 'retention');
        this.#writeMark(stream);
        total += n;
      }
    }
    return total;
  }

  /** Erases log sectors that hold nothing live and no needed mark (they are reused, clean, when the circle reaches them). */
  reclaim(): number {
    let erased = 0;
    for (let s = 0; s < this.#sectorCount; s++) {
      if (s === this.#head || this.#sectors.status[s] !== STATUS_LOG || this.#sectors.records[s]! > 0) continue;
      if (this.#holdsProof(s)) continue;
      this.#erase(s);
      erased++;
    }
    return erased;
  }

  // ---------------------------------------------------------------- reading

  pending(integration: string, max: number, afterSeq?: number): PendingRecord[] {
    this.#requireRecovered();
    if (!this.#validName(integration) || !(max > 0)) return [];
    const stream = this.#streams.get(this.#tagOf(integration));
    if (!stream) return [];
    const out: PendingRecord[] = [];
    const after = afterSeq ?? -1;
    const q = stream.index;
    // Seqs increase along the index: the first after `after` by bisection.
    for (let k = q.indexAfter(after); k < q.length && out.length < max; ) {
      const payload = this.#open(integration, stream, k);
      // A record that does not open is dropped from the index: the next one moved to index k.
      if (!payload) continue;
      const record: PendingRecord = { integration, seq: q.seq(k), payload, stamp: this.#stampOf(q, k) };
      if (q.purposes(k) !== 0) record.purposes = q.purposes(k);
      out.push(record);
      k++;
    }
    return out;
  }

  stats(integration: string): QueueStats {
    const stream = this.#validName(integration) ? this.#streams.get(this.#tagOf(integration)) : undefined;
    // The oldest record's stamp is sealed: open it once (one that does not open is dropped and counted).
    while (stream && stream.index.length > 0 && stream.index.flags(0) & STAMP_UNKNOWN) this.#open(integration, stream, 0);
    if (!stream || stream.index.length === 0) return { records: 0, bytes: 0 };
    const q = stream.index;
    return { records: q.length, bytes: stream.payloadBytes, oldestSeq: q.seq(0), oldestStamp: this.#stampOf(q, 0) };
  }

  /** A JSON-safe snapshot of the counters. */
  /** Drops of one integration since boot, by reason. */
  droppedFor(integration: string): Record<DropReason, number> {
    const stream = this.#validName(integration) ? this.#streams.get(this.#tagOf(integration)) : undefined;
    return stream ? { ...stream.dropped } : { quota: 0, full: 0, retention: 0, corrupt: 0, purged: 0 };
  }

  counters(): LogCounters {
    let liveRecords = 0;
    for (const s of this.#streams.values()) liveRecords += s.index.length;
    return {
      ...this.#counters,
      dropped: { ...this.#dropped },
      liveRecords,
      liveBytes: this.#liveBytes,
      capacityBytes: this.capacityBytes,
    };
  }

  // ---------------------------------------------------------------- internals

  /** Opens the k-th record of the stream; one that does not open is dropped (and counted). */
  #open(integration: string, stream: Stream, k: number): Uint8Array | undefined {
    const q = stream.index;
    const seq = q.seq(k);
    const epoch = q.epoch(k);
    const size = q.size(k);
    const key = epoch === this.#keyring.currentEpoch(integration) || this.#keyring.hasEpoch(integration, epoch)
      ? this.#keyring.key('data', integration, epoch)
      : undefined;
    if (!key) {
      this.#dropAt(stream, k, 'purged');
      return undefined;
    }
    const older = q.older(k);
    for (let c = -1; c < older.length; c++) {
      const entry = asBytes(this.#flash.read(c < 0 ? q.at(k) : older[c]!, size));
      const h = decodeEntryHeader(entry, 0, entry.length);
      if (!h || !h.committed || h.kind !== KIND_RECORD || h.tag !== stream.tag || h.seq !== seq || h.epoch !== epoch) continue;
      const plain = this.#crypto.aesGcmOpen(key, recordNonce(epoch, seq), entry.subarray(ENTRY_HEADER_BYTES), recordAad(entry, 0, integration));
      if (!plain || plain.length < STAMP_BYTES) continue;
      if (q.flags(k) & STAMP_UNKNOWN) {
        const stamp = decodeStamp(plain);
        q.setStamp(k, stamp.flags, stamp.boot, stamp.flags & FLAG_WALL ? stamp.time + WALL_EPOCH : stamp.time);
      }
      // A copy, not a view: a transport that sends `payload.buffer` must not send the stamp with it.
      return plain.slice(STAMP_BYTES);
    }
    this.#dropAt(stream, k, 'corrupt');
    this.#log?.warn('flash log: a record failed authentication and was dropped', { integration, seq });
    return undefined;
  }

  #stampOf(q: RecordIndex, k: number): Stamp {
    const now = this.#clock.bootCount;
    let boot = now - (now & 0xffff) + q.boot(k);
    if (boot > now) boot -= 0x10000;
    boot = Math.max(0, boot);
    // With wall time known only wall time is kept (monotonic time is then 0): it is what ages and reports use.
    return q.flags(k) & FLAG_WALL ? { wall: q.time(k), boot, mono: 0 } : { boot, mono: q.time(k) };
  }

  /** Payload bytes of the stream's k-th record. */
  #payloadOf(stream: Stream, k: number): number {
    return stream.index.size(k) - RECORD_OVERHEAD;
  }

  #dropFront(stream: Stream, n: number, reason: DropReason): void {
    if (n <= 0) return;
    const last = stream.index.seq(n - 1);
    this.#removeFront(stream, n);
    this.#dropped[reason] += n;
    stream.dropped[reason] += n;
    if (last > stream.floor) stream.floor = last;
  }

  #removeFront(stream: Stream, n: number): void {
    for (let k = 0; k < n; k++) this.#forget(stream, k);
    stream.index.shift(n);
    if (stream.index.length === 0) stream.index = this.#noRecords;
  }

  #dropAt(stream: Stream, k: number, reason: DropReason): void {
    this.#forget(stream, k);
    stream.index.removeAt(k);
    if (stream.index.length === 0) stream.index = this.#noRecords;
    this.#dropped[reason]++;
    stream.dropped[reason]++;
  }

  /** Takes the k-th record out of the counts (the caller then removes its row). */
  #forget(stream: Stream, k: number): void {
    const q = stream.index;
    const size = q.size(k);
    const sector = this.#sectorOf(q.at(k));
    stream.payloadBytes -= size - RECORD_OVERHEAD;
    this.#liveBytes -= size;
    this.#sectors.records[sector]!--;
    this.#sectors.live[sector]! -= size;
    for (const old of q.older(k)) this.#sectors.copies[this.#sectorOf(old)]!--;
  }

  /**
   * Plans room for an entry of `entryBytes` (0: only a mark) from `requester`, after `quotaDrop`
   * quota drops of its oldest records. Room counts twice: the live record bytes against
   * `capacityBytes`, and where the bytes can physically go. Compaction does not merge sectors: it
   * copies the oldest sector's live records into a fresh head, so the room an append finds is the
   * room of one sector after some advances of the head (`#roomAt`); dead space scattered over the
   * circle is no room. Returns the front records to drop, by integration (none: the entry fits as
   * is), or undefined when the requester's policy refuses the entry (drop-newest, or nothing left
   * that drop-oldest may take).
   *
   * drop-oldest (docs/flash-log.md, "When the partition is full") first looks for room that costs
   * at most one sector of copying, dropping oldest records: the requester's own first (except
   * those in the head: dropping them frees nothing a lap would reach before the head), then, when
   * it has none left, the oldest of the drop-oldest integration with the most payload buffered
   * whose oldest record lies where its going makes such room. If none does (records it
   * may not take fill the oldest sectors, or the oldest were copied ahead by a compaction), room
   * anywhere within a lap, taking oldest records in the same order (but none in the head, which a
   * lap compacts last: dropping them would make no room now); with nothing left to take, an advance
   * need not free half a sector.
   * A drop-newest integration's records are never taken for another's. An advance must then
   * free at least half a sector (else a full log would copy most of a sector for each record).
   * Once room is found, each victim's next oldest records that lie in the sectors the advances
   * will compact go too, so compaction copies none of them ahead of their eviction and the log
   * gives way a sector at a time, like a ring.
   */
  #planRoom(requester: Stream, entryBytes: number, quotaDrop: number, headroom: number): readonly Eviction[] | undefined {
    const head = this.#head;
    const n = this.#sectorCount;
    const marks = (count: number) => (entryBytes === 0 ? count + 1 : count) * MARK_ENTRY_BYTES;
    if (quotaDrop === 0 && this.#liveBytes + entryBytes <= this.capacityBytes && head >= 0 && this.#blockSize - this.#sectors.used[head]! >= entryBytes + marks(0) + headroom) {
      return NO_EVICTIONS;
    }
    const freed = this.#freed;
    freed.fill(0);
    const plan: Eviction[] = [];
    let live = this.#liveBytes;
    const entryOf = (stream: Stream) => plan.find((p) => p.stream === stream);
    /** The sector of the stream's oldest record the plan leaves, or -1 when it leaves none. */
    const frontSector = (stream: Stream) => {
      const k = entryOf(stream)?.count ?? 0;
      return k < stream.index.length ? this.#sectorOf(stream.index.at(k)) : -1;
    };
    const take = (victim: Stream) => {
      let e = entryOf(victim);
      if (!e) plan.push((e = { stream: victim, count: 0, payload: 0 }));
      const k = e.count++;
      const size = victim.index.size(k);
      e.payload += size - RECORD_OVERHEAD;
      live -= size;
      freed[this.#sectorOf(victim.index.at(k))]! += size;
    };
    for (let i = 0; i < quotaDrop; i++) take(requester);
    const fitsLive = () => live + entryBytes <= this.capacityBytes;
    const cheap = this.#blockSize - SECTOR_HEADER_BYTES;
    const dropOldest = requester.limits.whenFull === 'drop-oldest';
    let worth = dropOldest ? cheap >> 1 : 0;
    const advances = (budget: number) => (fitsLive() ? this.#roomAt(entryBytes + marks(plan.length) + headroom, freed, budget, worth) : -1);
    let k = advances(dropOldest ? cheap : Infinity);
    if (k < 0 && !dropOldest) return undefined;
    // Dropping a record in the head makes no room now (a lap compacts it last).
    const outsideHead = (stream: Stream) => {
      const sector = frontSector(stream);
      return sector >= 0 && sector !== head;
    };
    // Room within a sector of copying: the requester's oldest records first, then those of others whose going makes it.
    while (k < 0) {
      const reach = fitsLive() ? this.#reach(freed, cheap) : n;
      const helps = (stream: Stream) => {
        const sector = frontSector(stream);
        if (sector < 0) return false;
        const d = (sector - head - 1 + 2 * n) % n;
        return reach === n || (d >= 1 && d <= reach);
      };
      const victim = outsideHead(requester) ? requester : this.#victim(requester, plan, helps);
      if (!victim) break;
      take(victim);
      k = advances(cheap);
    }
    // None does (records it may not take fill the oldest sectors, or its oldest were copied ahead): room anywhere within
    // a lap, taking oldest records that lie outside the head (the head is compacted last).
    for (k = advances(Infinity); k < 0; k = advances(Infinity)) {
      const victim = outsideHead(requester) ? requester : this.#victim(requester, plan, outsideHead);
      if (victim) take(victim);
      else if (worth > 0) worth = 0; // what is left is in the head: any room will do
      else return undefined;
    }
    // Sector at a time: a victim's next oldest records in the sectors about to be compacted would only be copied ahead.
    for (const e of plan) {
      while (k > 0 && e.count < e.stream.index.length) {
        const d = (this.#sectorOf(e.stream.index.at(e.count)) - head - 1 + 2 * n) % n;
        if (d < 1 || d > k) break;
        take(e.stream);
        k = advances(Infinity);
      }
    }
    return plan;
  }

  /**
   * How many advances of the head until a sector has `need` bytes free (0: the head has them; after
   * an advance, at least `worth` too), with
   * the live bytes of `freed` already dropped, or -1 if none within a lap or within `budget` bytes
   * copied by the advances before it. Advance i opens the sector compacted by advance i-1 (the
   * spare for i = 1) and copies into it the live records of the sector after, plus a mark for each
   * integration whose proof that sector alone holds. The lap stops before compacting the current
   * head (its contents change as the plan is carried out).
   */
  #roomAt(need: number, freed: Int32Array, budget: number, worth: number): number {
    const head = this.#head;
    const n = this.#sectorCount;
    const sectors = this.#sectors;
    if (head >= 0 && this.#blockSize - sectors.used[head]! >= need) return 0;
    let copied = 0;
    for (let i = 1; i <= n - 2 && copied <= budget; i++) {
      const c = (head + i + 1 + n) % n;
      let room = this.#blockSize - SECTOR_HEADER_BYTES;
      if (sectors.status[c] === STATUS_LOG) {
        const moving = sectors.live[c]! - freed[c]!;
        room -= moving;
        copied += moving;
        if (room >= need) room -= this.#proofBytes(c);
      }
      if (room >= need && room >= worth) return i;
    }
    return -1;
  }

  /** How many advances stay within `budget` bytes copied before the last of them. */
  #reach(freed: Int32Array, budget: number): number {
    const head = this.#head;
    const n = this.#sectorCount;
    let copied = 0;
    let i = 1;
    for (; i < n - 2; i++) {
      const c = (head + i + 1 + n) % n;
      if (this.#sectors.status[c] === STATUS_LOG) copied += this.#sectors.live[c]! - freed[c]!;
      if (copied > budget) break;
    }
    return i;
  }

  /** Bytes of the marks compacting sector `s` rewrites (at most: a proof carried by a moved record needs none). */
  #proofBytes(s: number): number {
    let n = 0;
    for (const stream of this.#streams.values()) {
      if (stream.highSector === s || stream.floorSector === s) n++;
      if (stream.settledSector === s && this.#settledNeeded(stream)) n++;
    }
    return n * MARK_ENTRY_BYTES;
  }

  /** The drop-oldest integration other than the requester with the most payload left whose oldest record `eligible` accepts. */
  #victim(requester: Stream, plan: readonly Eviction[], eligible: (stream: Stream) => boolean): Stream | undefined {
    let best: Stream | undefined;
    let most = 0;
    for (const stream of this.#streams.values()) {
      if (stream === requester || stream.limits.whenFull !== 'drop-oldest' || !eligible(stream)) continue;
      const left = stream.payloadBytes - (plan.find((p) => p.stream === stream)?.payload ?? 0);
      if (!best || left > most) {
        best = stream;
        most = left;
      }
    }
    return best;
  }

  /** Carries out a plan of #planRoom: drops (the requester's first `quotaDrop` for its quota, the rest as 'full') and one mark per integration. */
  #evict(requester: Stream, plan: readonly Eviction[], quotaDrop: number): void {
    for (const { stream, count } of plan) {
      const quota = stream === requester ? quotaDrop : 0;
      this.#dropFront(stream, quota, 'quota');
      this.#dropFront(stream, count - quota, 'full');
      this.#writeMark(stream);
    }
  }

  /** Writes "floor F, high H" for the stream at the head. */
  #writeMark(stream: Stream): void {
    this.#ensureRoom(ENTRY_HEADER_BYTES + MARK_BODY_BYTES);
    this.#programMark(stream);
  }

  #programMark(stream: Stream): void {
    const body = new Uint8Array(MARK_BODY_BYTES);
    new DataView(body.buffer).setUint32(0, stream.high);
    const entry = encodeEntry({ kind: KIND_MARK, tag: stream.tag, seq: stream.floor, epoch: 0 }, body);
    this.#program(entry, KIND_MARK);
    stream.floorSector = this.#head;
    stream.highSector = this.#head;
  }

  /** "Every seq up to `settled` is accounted for; the next seq is above `high`." */
  #programSettled(stream: Stream): void {
    const body = new Uint8Array(MARK_BODY_BYTES);
    new DataView(body.buffer).setUint32(0, stream.high);
    const entry = encodeEntry({ kind: KIND_MARK, flags: FLAG_SETTLED, tag: stream.tag, seq: stream.settled, epoch: 0 }, body);
    this.#program(entry, KIND_MARK);
    stream.settledSector = this.#head;
    stream.highSector = this.#head;
  }

  /** Programs an entry at the head, then its kind byte: the commit marker, last. */
  #program(entry: Uint8Array, kind: number): number {
    const used = this.#sectors.used[this.#head]!;
    if (this.#blockSize - used < entry.length) {
      throw new LogError(`flash log: internal: ${entry.length} bytes do not fit in sector ${this.#head} (used ${used})`);
    }
    const at = this.#head * this.#blockSize + used;
    entry[0] = UNCOMMITTED;
    this.#flash.write(at, entry.length, entry);
    this.#sectors.used[this.#head] = used + entry.length;
    this.#flash.write(at, 1, Uint8Array.of(kind));
    entry[0] = kind;
    this.#counters.bytesWritten += entry.length + 1;
    return at;
  }

  #ensureRoom(size: number): void {
    for (let tries = 0; tries <= this.#sectorCount; tries++) {
      if (this.#head >= 0 && this.#blockSize - this.#sectors.used[this.#head]! >= size) return;
      this.#advance();
    }
    throw new LogError(`flash log: found no room for ${size} bytes after a full lap of compaction`);
  }

  /** Opens the next sector of the circle as head, then compacts the one after it so a spare always waits. */
  #advance(): void {
    const next = (this.#head + 1) % this.#sectorCount;
    if (this.#sectors.status[next] === STATUS_LOG) {
      throw new LogError(`flash log: sector ${next} is still in use ahead of the head; the log lost its spare sector`);
    }
    if (!this.#sectors.clean[next]) this.#eraseRaw(next);
    const header = encodeSectorHeader({ generation: this.#generation + 1, fingerprint: this.#fingerprint });
    this.#flash.write(next * this.#blockSize, header.length, header);
    this.#generation++;
    this.#counters.bytesWritten += header.length;
    this.#sectors.reset(next, false);
    this.#sectors.status[next] = STATUS_LOG;
    this.#sectors.generation[next] = this.#generation;
    this.#sectors.used[next] = SECTOR_HEADER_BYTES;
    this.#head = next;
    const after = (next + 1) % this.#sectorCount;
    if (this.#sectors.status[after] === STATUS_LOG) this.#compact(after);
  }

  /** Copies live records out of sector `s` into the head, rewrites marks it alone proves, erases it. */
  #compact(s: number): void {
    // The records to move, in the order they lie in the sector: [offset, stream, index] (one sector's worth at most).
    const moving: [number, Stream, number][] = [];
    if (this.#sectors.records[s]! > 0) {
      for (const stream of this.#streams.values()) {
        const q = stream.index;
        for (let k = 0; k < q.length; k++) if (this.#sectorOf(q.at(k)) === s) moving.push([q.at(k), stream, k]);
      }
      moving.sort((a, b) => a[0] - b[0]);
    }
    for (const [from, stream, k] of moving) {
      const size = stream.index.size(k);
      const entry = asBytes(this.#flash.read(from, size)).slice();
      const at = this.#program(entry, KIND_RECORD);
      this.#sectors.records[s]!--;
      this.#sectors.live[s]! -= size;
      stream.index.setAt(k, at);
      this.#sectors.records[this.#head]!++;
      this.#sectors.live[this.#head]! += size;
      this.#counters.movedBytes += size;
      if (stream.high === stream.index.seq(k)) stream.highSector = this.#head;
    }
    for (const stream of this.#streams.values()) {
      if (stream.highSector === s || stream.floorSector === s) this.#programMark(stream);
      if (stream.settledSector === s) {
        if (this.#settledNeeded(stream)) this.#programSettled(stream);
        else stream.settledSector = -1;
      }
    }
    this.#counters.compactions++;
    this.#erase(s);
  }

  #holdsProof(s: number): boolean {
    for (const stream of this.#streams.values()) {
      if (stream.highSector === s || stream.floorSector === s) return true;
      if (stream.settledSector === s && this.#settledNeeded(stream)) return true;
    }
    return false;
  }

  /**
   * A settled proof matters until the floor passes it. (A record above it does
   * not retire it: a torn one is no proof, and a live one may yet be dropped
   * by a flipped bit.)
   */
  #settledNeeded(stream: Stream): boolean {
    return stream.settled > stream.floor;
  }

  #erase(s: number): void {
    if (this.#sectors.copies[s]! > 0) {
      const here = (at: number) => this.#sectorOf(at) === s;
      for (const stream of this.#streams.values()) {
        const q = stream.index;
        if (!q.hasOlder) continue;
        for (let k = 0; k < q.length; k++) {
          const older = q.older(k);
          if (older.some(here)) q.setOlder(k, older.filter((at) => !here(at)));
        }
      }
    }
    this.#eraseRaw(s);
    this.#sectors.reset(s, true);
  }

  #eraseRaw(s: number): void {
    this.#flash.erase(s);
    this.#counters.erases++;
    this.#sectors.clean[s] = 1;
  }

  /** The sector number holding absolute offset `at`. */
  #sectorOf(at: number): number {
    return Math.floor(at / this.#blockSize);
  }


  #proveHigh(stream: Stream, seq: number, sector: number): void {
    if (seq >= stream.high) {
      stream.high = seq;
      stream.highSector = sector;
    }
  }

  /** The stream's own index, to add a row to (never the shared empty one). */
  #rowsOf(stream: Stream): RecordIndex {
    if (stream.index === this.#noRecords) stream.index = new RecordIndex();
    return stream.index;
  }

  #streamByTag(tag: number): Stream {
    let stream = this.#streams.get(tag);
    if (!stream) {
      stream = {
        tag,
        name: undefined,
        high: 0,
        floor: 0,
        sealed: 0,
        settled: 0,
        highSector: -1,
        floorSector: -1,
        settledSector: -1,
        gapFrom: 0,
        gapTo: 0,
        index: this.#noRecords,
        payloadBytes: 0,
        limits: {},
        dropped: { quota: 0, full: 0, retention: 0, corrupt: 0, purged: 0 },
      };
      this.#streams.set(tag, stream);
    }
    return stream;
  }

  #named(integration: string): Stream {
    const stream = this.#streamByTag(this.#tagOf(integration));
    stream.name ??= integration;
    return stream;
  }

  /** Tags are an HMAC each: kept per name (a handful of integrations; cleared if callers invent many). */
  #tagOf(integration: string): number {
    let tag = this.#tags.get(integration);
    if (tag === undefined) {
      if (this.#tags.size >= 64) this.#tags.clear();
      tag = integrationTag(this.#crypto, this.#tagKey, integration);
      this.#tags.set(integration, tag);
    }
    return tag;
  }

  #computeFingerprint(): number {
    const mac = this.#crypto.hmacSha256(this.#keyring.hubKey('flash-log'), utf8('airlock-log/fingerprint'));
    return new DataView(mac.buffer, mac.byteOffset, 4).getUint32(0);
  }

  #validName(integration: unknown): integration is string {
    return typeof integration === 'string' && integration.length > 0;
  }

  #checkAppend(integration: unknown, payload: unknown, stamp: unknown): string | undefined {
    if (!this.#validName(integration)) return 'flash log: integration must be a non-empty string';
    if (!(payload instanceof Uint8Array)) return 'flash log: payload must be a Uint8Array (the encoded record)';
    const s = stamp as Partial<Stamp> | undefined;
    if (!s || !Number.isInteger(s.boot) || s.boot! < 0) return 'flash log: stamp.boot must be a whole number >= 0';
    if (typeof s.mono !== 'number' || !(s.mono >= 0) || s.mono > MAX_TIME) return 'flash log: stamp.mono must be ms >= 0 and < 2^40 (34 years)';
    if (s.wall !== undefined && (typeof s.wall !== 'number' || !(s.wall >= 0))) return 'flash log: stamp.wall must be ms since the Unix epoch (>= 0) or absent';
    return undefined;
  }

  #requireRecovered(): void {
    if (!this.#recovered) throw new LogError('flash log: call recover() (or RecordLog.open) before using the log');
  }
}
