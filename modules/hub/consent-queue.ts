/**
 * The record log as the forwarder sees it, minus records whose every purpose
 * has lost consent since they were buffered. Withdrawing one purpose must not
 * send what was gathered for it; records that still serve a consented purpose
 * keep flowing. The skipped records are acknowledged with the batch around
 * them (sequence numbers stay in order) and counted as purged. Withdrawing the
 * last purpose goes further: the hub purges and crypto-shreds the whole log of
 * that integration.
 */
import { decode } from 'cbor-x/decode';
import type { IntegrationQueue, PendingRecord, QueueStats } from '../queue.js';

export interface PurposeCheck {
  /** Whether records serving `purpose` may still leave for `integration`. */
  allowed(integration: string, purpose: string): boolean;
}

export class ConsentFilteredQueue implements IntegrationQueue {
  readonly #inner: IntegrationQueue;
  readonly #check: PurposeCheck;
  readonly #skippedUpTo = new Map<string, number>();
  readonly #skipped = new Map<string, number>();

  constructor(inner: IntegrationQueue, check: PurposeCheck) {
    this.#inner = inner;
    this.#check = check;
  }

  pending(integration: string, max: number, afterSeq?: number): PendingRecord[] {
    const out: PendingRecord[] = [];
    let after = afterSeq;
    let lastSkipped: number | undefined;
    // Keep reading past skipped records so a batch is not starved by them.
    for (let round = 0; round < 8 && out.length < max; round++) {
      const batch = this.#inner.pending(integration, max - out.length, after);
      if (batch.length === 0) break;
      for (const record of batch) {
        if (this.#stillWanted(record)) out.push(record);
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
  }

  stats(integration: string): QueueStats {
    return this.#inner.stats(integration);
  }

  /** Records skipped for lost consent (counted once each). */
  skipped(integration: string): number {
    return this.#skipped.get(integration) ?? 0;
  }

  #stillWanted(record: PendingRecord): boolean {
    let purposes: unknown;
    try {
      purposes = (decode(record.payload) as { p?: unknown })?.p;
    } catch {
      return true; // not ours to judge: the forwarder sends undecodable payloads raw and counts them
    }
    if (!Array.isArray(purposes) || purposes.length === 0) return true;
    return purposes.some((p) => typeof p === 'string' && this.#check.allowed(record.integration, p));
  }

  #countSkip(integration: string, seq: number): void {
    if (seq <= (this.#skippedUpTo.get(integration) ?? -1)) return;
    this.#skippedUpTo.set(integration, seq);
    this.#skipped.set(integration, (this.#skipped.get(integration) ?? 0) + 1);
  }
}
