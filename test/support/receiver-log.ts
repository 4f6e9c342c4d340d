/**
 * What a vendor's receiver sees, per integration: every envelope, decoded,
 * with the bookkeeping a real receiver does (drop a record whose seq it
 * already has). Shared by the MQTT and HTTPS fault suites.
 */
import { decodeEnvelope, type Envelope } from '../../modules/forward/envelope.js';

export class ReceiverLog {
  readonly envelopes: Envelope[] = [];
  /** Bodies that were not envelopes (should stay empty). */
  readonly malformed: string[] = [];
  /** Envelopes the vendor's broker delivered again to its subscriber (DUP set): not the hub's doing. */
  readonly brokerRedeliveries: Envelope[] = [];

  add(body: Uint8Array, contentType = 'application/cbor', brokerRedelivery = false): void {
    try {
      (brokerRedelivery ? this.brokerRedeliveries : this.envelopes).push(decodeEnvelope(body, contentType));
    } catch (error) {
      this.malformed.push((error as Error).message);
    }
  }

  /** All seqs received for `integration`, in arrival order, duplicates included. */
  seqs(integration: string): number[] {
    return this.envelopes.filter((e) => e.integration === integration).flatMap((e) => e.records.map((r) => r.seq));
  }

  /** What a receiver keeps (first copy of each seq) and what it drops. */
  deduped(integration: string): { unique: number[]; duplicates: number[] } {
    const seen = new Set<number>();
    const unique: number[] = [];
    const duplicates: number[] = [];
    for (const seq of this.seqs(integration)) {
      if (seen.has(seq)) duplicates.push(seq);
      else {
        seen.add(seq);
        unique.push(seq);
      }
    }
    return { unique, duplicates };
  }
}

/** 1..n */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** Polls `condition` every 20 ms until true or `ms` passed (bounded waits for real-time tests). */
export async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Sends at a steady pace until the outcome shows (the hub may not be subscribed yet, or need a
 * few records first); fails with `failure()` after `times` sends. One place for the pace.
 */
export async function repeatUntil(done: () => boolean, send: (i: number) => Promise<unknown>, pace: { everyMs: number; times: number; failure: () => string }): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > pace.times) throw new Error(pace.failure());
    await send(i);
    await new Promise((resolve) => setTimeout(resolve, pace.everyMs));
  }
}
