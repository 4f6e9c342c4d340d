/**
 * The audit log: append-only, hash-chained, MACed entries on an AuditStorage.
 *
 * `AuditLog.open` recovers the chain head from storage (after a power cut the
 * torn tail is simply absent). When storage is full the log rotates: it
 * writes a MACed checkpoint naming the last entry about to be removed, then
 * frees the oldest unit, so an export still verifies from that checkpoint.
 */
import type { Clock, Crypto } from '../host.js';
import { CanonicalError, toJsonValue, type JsonValue } from './canonical.js';
import {
  GENESIS,
  headMac,
  makeCheckpoint,
  sealEntry,
  verifyChain,
  type AuditAction,
  type AuditEvent,
  type ChainHead,
  type ChainReport,
  type Checkpoint,
  type SealedEntry,
} from './chain.js';
import { makeRecordCodec, type RecordCodec } from './record-codec.js';
import { AuditStorageError, type AuditRecord, type AuditStorage } from './storage.js';
import { stampNow } from './time.js';
import type { Stamp } from '../reading.js';

export const AUDIT_EXPORT_FORMAT = 'airlock-audit/1';

/** The document `airlock audit verify` reads (see docs/audit.md, "For auditors"). */
export interface AuditExport {
  format: typeof AUDIT_EXPORT_FORMAT;
  exportedAt: Stamp;
  /** When set, `entries` is a selection (e.g. one integration's): each entry is checked alone, not the links. */
  selection?: string;
  /** Where the entries continue from; null when they start at seq 1. */
  checkpoint: Checkpoint | null;
  /** The hub's newest entry when exported, MACed (`headMac`): cutting entries off the end is detected. */
  head: ChainHead & { mac: string };
  entries: SealedEntry[];
}

export interface AuditLogCounters {
  entries: number;
  rotations: number;
  /** Records the storage found torn or damaged when it was opened. */
  skippedAtRecovery: number;
  /** Records that passed framing but could not be decoded. */
  undecodable: number;
  /** Appends refused because the event could not be written as JSON. */
  refused: number;
}

export interface AuditLogPowers {
  storage: AuditStorage;
  crypto: Crypto;
  /** The hub's audit MAC key: `keyring.hubKey('audit')`. */
  key: Uint8Array;
  clock: Clock;
  /** Called after each append (e.g. to publish the chain head over MQTT). */
  onAppend?: (entry: SealedEntry) => void;
}

export class AuditError extends Error {
  override name = 'AuditError';
}

export class AuditLog {
  readonly #storage: AuditStorage;
  readonly #crypto: Crypto;
  readonly #key: Uint8Array;
  readonly #clock: Clock;
  readonly #codec: RecordCodec;
  readonly #onAppend: ((entry: SealedEntry) => void) | undefined;
  #head: ChainHead = { seq: 0, hash: GENESIS };
  #checkpoint: Checkpoint | null = null;
  readonly #counters: AuditLogCounters = { entries: 0, rotations: 0, skippedAtRecovery: 0, undecodable: 0, refused: 0 };

  private constructor(powers: AuditLogPowers) {
    this.#storage = powers.storage;
    this.#crypto = powers.crypto;
    this.#key = powers.key;
    this.#clock = powers.clock;
    this.#onAppend = powers.onAppend;
    this.#codec = makeRecordCodec();
  }

  /** Opens the log on its storage, recovering the chain head and the latest checkpoint. */
  static open(powers: AuditLogPowers): AuditLog {
    const log = new AuditLog(powers);
    log.#recover();
    return log;
  }

  /** The newest entry's seq and hash (seq 0 and GENESIS when empty): what MQTT and the page show. */
  head(): ChainHead {
    return { ...this.#head };
  }

  checkpoint(): Checkpoint | null {
    return this.#checkpoint ? { ...this.#checkpoint } : null;
  }

  counters(): AuditLogCounters {
    return { ...this.#counters, skippedAtRecovery: this.#storage.stats().skipped };
  }

  /**
   * Appends one entry. `details` must be JSON (finite numbers, no byte arrays):
   * otherwise an AuditError names the offending path and nothing is written.
   */
  append(event: AuditEvent): SealedEntry {
    let details: { [key: string]: JsonValue };
    try {
      details = toJsonValue(event.details, 'details') as { [key: string]: JsonValue };
    } catch (error) {
      this.#counters.refused++;
      throw new AuditError(`audit: ${event.action} was not recorded: ${(error as CanonicalError).message}`);
    }
    const entry = sealEntry(this.#crypto, this.#key, {
      seq: this.#head.seq + 1,
      time: stampNow(this.#clock),
      actor: event.actor,
      action: event.action,
      subject: event.subject,
      details,
      prev: this.#head.hash,
    });
    const record = { kind: 'entry' as const, seq: entry.seq, bytes: this.#codec.encodeEntry(entry) };
    if (!this.#storage.append(record)) {
      this.#rotate();
      if (!this.#storage.append(record)) {
        throw new AuditStorageError(`audit: no room for entry ${entry.seq} even after rotating; the audit partition is too small`);
      }
    }
    this.#head = { seq: entry.seq, hash: entry.hash };
    this.#counters.entries++;
    this.#onAppend?.(entry);
    return entry;
  }

  /** Shorthand for `append`. */
  record(actor: string, action: AuditAction, subject: string, details: { [key: string]: unknown } = {}): SealedEntry {
    return this.append({ actor, action, subject, details: details as { [key: string]: JsonValue } });
  }

  /** Every retained entry after the checkpoint, oldest first, optionally filtered. */
  entries(filter?: (entry: SealedEntry) => boolean): SealedEntry[] {
    const floor = this.#checkpoint?.seq ?? 0;
    const out: SealedEntry[] = [];
    for (const record of this.#storage.readAll()) {
      if (record.kind !== 'entry' || record.seq <= floor) continue;
      const entry = this.#decode(record.bytes);
      if (entry && (!filter || filter(entry))) out.push(entry);
    }
    return out;
  }

  /** The whole retained chain, or a selection of it, as the documented export. */
  exportChain(selection?: { name: string; filter: (entry: SealedEntry) => boolean }): AuditExport {
    const doc: AuditExport = {
      format: AUDIT_EXPORT_FORMAT,
      exportedAt: stampNow(this.#clock),
      checkpoint: this.checkpoint(),
      head: { ...this.#head, mac: headMac(this.#crypto, this.#key, this.#head) },
      entries: this.entries(selection?.filter),
    };
    if (selection) doc.selection = selection.name;
    return doc;
  }

  /** Verifies the retained chain with the hub's key (e.g. at boot or on request). */
  verify(): ChainReport {
    return verifyChain(this.#crypto, this.entries(), this.#checkpoint, this.#key);
  }

  #decode(bytes: Uint8Array): SealedEntry | undefined {
    try {
      return this.#codec.decodeEntry(bytes);
    } catch {
      this.#counters.undecodable++;
      return undefined;
    }
  }

  #recover(): void {
    const entryRecords: AuditRecord[] = [];
    for (const record of this.#storage.readAll()) {
      if (record.kind === 'entry') {
        entryRecords.push(record);
        continue;
      }
      try {
        const cp = this.#codec.decodeCheckpoint(record.bytes);
        if (!this.#checkpoint || cp.seq > this.#checkpoint.seq) this.#checkpoint = cp;
      } catch {
        this.#counters.undecodable++;
      }
    }
    // Only the newest decodable entry matters for the head.
    entryRecords.sort((a, b) => b.seq - a.seq);
    let last: SealedEntry | undefined;
    for (const record of entryRecords) if ((last = this.#decode(record.bytes))) break;
    if (last && last.seq > (this.#checkpoint?.seq ?? 0)) this.#head = { seq: last.seq, hash: last.hash };
    else if (this.#checkpoint) this.#head = { seq: this.#checkpoint.seq, hash: this.#checkpoint.hash };
  }

  /**
   * Frees the oldest storage unit. The checkpoint is written before the erase
   * when it fits; only when the newest unit has no room left even for it (a
   * torn write used its reserve) is it written just after, into the freed space.
   */
  #rotate(): void {
    const boundary = this.#storage.nextRotationBoundary();
    let pending: Checkpoint | undefined;
    if (boundary) {
      const removed = this.#decode(boundary.bytes);
      if (!removed) throw new AuditStorageError(`audit: entry ${boundary.seq} cannot be decoded, so no checkpoint can be written for it; the audit partition is damaged`);
      if (!this.#checkpoint || removed.seq > this.#checkpoint.seq) {
        const cp = makeCheckpoint(this.#crypto, this.#key, { seq: removed.seq, hash: removed.hash });
        if (this.#storage.append({ kind: 'checkpoint', seq: cp.seq, bytes: this.#codec.encodeCheckpoint(cp) })) this.#checkpoint = cp;
        else pending = cp;
      }
    }
    this.#storage.truncateBefore(Math.max(boundary?.seq ?? 0, this.#checkpoint?.seq ?? 0, pending?.seq ?? 0) + 1);
    if (pending) {
      if (!this.#storage.append({ kind: 'checkpoint', seq: pending.seq, bytes: this.#codec.encodeCheckpoint(pending) })) {
        throw new AuditStorageError('audit: rotation freed no room for its checkpoint; the audit partition is too small');
      }
      this.#checkpoint = pending;
    }
    this.#counters.rotations++;
  }
}
