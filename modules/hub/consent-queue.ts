/**
 * The record log as the forwarder sees it, minus what lost consent since it
 * was buffered. Withdrawing one purpose must not send what was gathered for
 * it: a record that also serves a purpose still consented to leaves without
 * the withdrawn purpose's fields (re-encoded); a record that served only
 * withdrawn purposes is skipped, acknowledged with the batch around it
 * (sequence numbers stay in order) and counted as purged. Withdrawing the last
 * purpose goes further: the hub purges and crypto-shreds the whole log of that
 * integration.
 *
 * Checking consent does not open records: each carries its purposes as a
 * bitmask (assigned here, `purposeMask`, kept beside the record in the RAM
 * window and the log index), and only a record with a withdrawn purpose is
 * decoded, to narrow or skip it. A record whose mask is unknown (found on
 * flash by a reboot) is decoded to check, as before.
 */
import { decode } from 'cbor-x/decode';
import { createRecordEncoder, type MinimizedRecord, type PlainCbor, type RecordEncoder } from '../pipeline/encode.js';
import type { IntegrationQueue, PendingRecord, QueueStats } from '../queue.js';
import { setOwn } from '../own.js';

export interface PurposeCheck {
  /** Whether records serving `purpose` may still leave for `integration`. */
  allowed(integration: string, purpose: string): boolean;
  /** The purpose a field of a stream is sent for under the enforced contract. */
  fieldPurpose(integration: string, stream: string, field: string): string | undefined;
  /** Called after the receiver acknowledged records (the monitoring counters changed). */
  onAcknowledged?(integration: string): void;
}

export class ConsentFilteredQueue implements IntegrationQueue {
  readonly #inner: IntegrationQueue;
  readonly #check: PurposeCheck;
  readonly #skippedUpTo = new Map<string, number>();
  readonly #skipped = new Map<string, number>();
  readonly #encoder: RecordEncoder;
  /** Per integration, the purpose of each mask bit (bit i = list[i]); only grows, so a mask never changes meaning. */
  readonly #bits = new Map<string, string[]>();
  #decoded = 0;

  /** `codec`: the hub's shared CBOR codec (see createPlainCbor); default a private one. */
  constructor(inner: IntegrationQueue, check: PurposeCheck, codec?: PlainCbor) {
    this.#inner = inner;
    this.#check = check;
    this.#encoder = createRecordEncoder(codec);
  }

  /**
   * The bitmask of `purposes` for records of `integration`, or 0 (unknown:
   * such records are decoded to check) past 31 distinct purposes.
   */
  purposeMask(integration: string, purposes: readonly string[]): number {
    let list = this.#bits.get(integration);
    if (!list) this.#bits.set(integration, (list = []));
    let mask = 0;
    for (const purpose of purposes) {
      let bit = list.indexOf(purpose);
      if (bit < 0) {
        if (list.length >= 31) return 0;
        bit = list.push(purpose) - 1;
      }
      mask |= 1 << bit;
    }
    return mask >>> 0;
  }

  /** Records decoded to check consent (a mask was unknown or had a withdrawn purpose). */
  get decoded(): number {
    return this.#decoded;
  }

  pending(integration: string, max: number, afterSeq?: number): PendingRecord[] {
    const out: PendingRecord[] = [];
    const allowed = this.#allowedMask(integration);
    let after = afterSeq;
    let lastSkipped: number | undefined;
    // Keep reading past skipped records so a batch is not starved by them.
    for (let round = 0; round < 8 && out.length < max; round++) {
      const batch = this.#inner.pending(integration, max - out.length, after);
      if (batch.length === 0) break;
      for (const record of batch) {
        const mask = record.purposes;
        const wanted = mask !== undefined && (mask & ~allowed) === 0 ? record : this.#wanted(record);
        if (wanted) out.push(wanted);
        else {
          this.#countSkip(integration, record.seq);
          lastSkipped = record.seq;
        }
      }
      after = batch[batch.length - 1]!.seq;
    }
    // Only skipped records left and nothing in flight: remove them now rather than keep them buffered.
    if (out.length === 0 && afterSeq === undefined && lastSkipped !== undefined) this.#inner.acknowledge(integration, lastSkipped);
    return out;
  }

  acknowledge(integration: string, seq: number): void {
    this.#inner.acknowledge(integration, seq);
    this.#check.onAcknowledged?.(integration);
  }

  stats(integration: string): QueueStats {
    return this.#inner.stats(integration);
  }

  /** Records skipped for lost consent (counted once each). */
  skipped(integration: string): number {
    return this.#skipped.get(integration) ?? 0;
  }

  /** Mask bits of the purposes that may still leave, asked once per read rather than per record. */
  #allowedMask(integration: string): number {
    const list = this.#bits.get(integration);
    let mask = 0;
    if (list) for (let bit = 0; bit < list.length; bit++) if (this.#check.allowed(integration, list[bit]!)) mask |= 1 << bit;
    return mask;
  }

  /** The record as it may still leave, or undefined when nothing of it may. */
  #wanted(record: PendingRecord): PendingRecord | undefined {
    this.#decoded++;
    let decoded: Partial<MinimizedRecord>;
    try {
      decoded = decode(record.payload) as Partial<MinimizedRecord>;
    } catch {
      return record; // not ours to judge: the forwarder sends undecodable payloads raw and counts them
    }
    const purposes = decoded?.p;
    if (!Array.isArray(purposes) || purposes.length === 0) return record;
    const allowed = purposes.filter((p) => typeof p === 'string' && this.#check.allowed(record.integration, p));
    if (allowed.length === purposes.length) return record;
    if (allowed.length === 0) return undefined;
    // Some purposes lost consent: keep only the fields of the others.
    const fields: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(decoded.f ?? {})) {
      const purpose = this.#check.fieldPurpose(record.integration, String(decoded.s), name);
      if (purpose !== undefined && allowed.includes(purpose)) setOwn(fields, name, value);
    }
    if (Object.keys(fields).length === 0) return undefined;
    const narrowed = { ...decoded, f: fields, p: allowed } as MinimizedRecord;
    return { ...record, payload: this.#encoder.encode(narrowed) };
  }

  #countSkip(integration: string, seq: number): void {
    if (seq <= (this.#skippedUpTo.get(integration) ?? -1)) return;
    this.#skippedUpTo.set(integration, seq);
    this.#skipped.set(integration, (this.#skipped.get(integration) ?? 0) + 1);
  }
}
