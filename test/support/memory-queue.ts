/**
 * TEST FIXTURE: an in-memory IntegrationQueue, standing in for the sealed
 * flash log (which implements the same interface) in forwarder tests.
 * It keeps every record until acknowledged and checks that acknowledgements
 * only move forward, so a forwarder that acknowledges out of order fails.
 */
import type { IntegrationQueue, PendingRecord, QueueStats } from '../../modules/queue.js';
import type { Stamp } from '../../modules/reading.js';

export class MemoryQueue implements IntegrationQueue {
  readonly #records = new Map<string, PendingRecord[]>();
  readonly #nextSeq = new Map<string, number>();
  readonly acknowledged = new Map<string, number>();
  /** Every acknowledge call, in order: [integration, seq]. */
  readonly ackLog: [string, number][] = [];

  append(integration: string, payload: Uint8Array, stamp: Stamp): number {
    const seq = this.#nextSeq.get(integration) ?? 1;
    this.#nextSeq.set(integration, seq + 1);
    let list = this.#records.get(integration);
    if (!list) this.#records.set(integration, (list = []));
    list.push({ integration, seq, payload, stamp });
    return seq;
  }

  pending(integration: string, max: number, afterSeq?: number): PendingRecord[] {
    const list = this.#records.get(integration) ?? [];
    const out: PendingRecord[] = [];
    for (const record of list) {
      if (out.length >= max) break;
      if (afterSeq === undefined || record.seq > afterSeq) out.push(record);
    }
    return out;
  }

  acknowledge(integration: string, seq: number): void {
    const previous = this.acknowledged.get(integration) ?? 0;
    if (seq < previous) throw new RangeError(`memory queue: ${integration} acknowledged ${seq} after ${previous}`);
    this.acknowledged.set(integration, seq);
    this.ackLog.push([integration, seq]);
    const list = this.#records.get(integration) ?? [];
    this.#records.set(integration, list.filter((record) => record.seq > seq));
  }

  stats(integration: string): QueueStats {
    const list = this.#records.get(integration) ?? [];
    const stats: QueueStats = { records: list.length, bytes: list.reduce((sum, r) => sum + r.payload.length, 0) };
    if (list.length > 0) {
      stats.oldestSeq = list[0]!.seq;
      stats.oldestStamp = list[0]!.stamp;
    }
    return stats;
  }
}
