/**
 * A bound on the records the forwarders hold decoded at once, across all
 * integrations: the drain peak after an outage.
 *
 * Every record a forwarder has in flight is opened from flash into RAM (its
 * payload, stamp and the object that carries them, ≈ 256 B of XS heap each).
 * When eight integrations come back at once, each would hold a full batch
 * (50 records for most contracts): ≈ 100 KB. Through this queue a lane gets
 * at most what the budget has left, and always at least one record, so a
 * lane with a backlog never sees an empty queue (it would think it had
 * nothing to send); the total is then at most `records` plus one per other
 * lane. Order and at-least-once are the forwarder's and the log's: a smaller
 * batch is only a smaller message.
 *
 * A lane holds its grant until it acknowledges the batch or reads again (its
 * forwarder has one batch in flight: reading again means the last one was
 * acknowledged or failed). `release` ends the grant of a lane that stopped.
 */
import type { IntegrationQueue, PendingRecord, QueueStats } from '../queue.js';

/**
 * Records held at once by default: about 32 KB of XS heap for the batches of all lanes. Not less:
 * the ordinary traffic of eight integrations should not be trimmed, only a drain (64 trimmed the
 * memory bench's steady traffic, and its hub was 1.4 KB heavier afterwards).
 */
export const DEFAULT_DELIVERY_RECORDS = 128;

export class DeliveryBudget implements IntegrationQueue {
  readonly records: number;
  readonly #inner: IntegrationQueue;
  /** Per lane with a batch out: how many records it holds and the last one's seq. Only lanes in flight, so at most one entry per integration. */
  readonly #held = new Map<string, { count: number; lastSeq: number }>();
  #total = 0;
  /** Reads the budget made smaller than asked (how often it shed work). */
  #trimmed = 0;

  constructor(inner: IntegrationQueue, records = DEFAULT_DELIVERY_RECORDS) {
    if (!(Number.isInteger(records) && records >= 1)) throw new RangeError(`delivery budget: records must be a whole number >= 1, got ${records}`);
    this.records = records;
    this.#inner = inner;
  }

  /** Records the lanes hold decoded now. */
  get held(): number {
    return this.#total;
  }

  get trimmed(): number {
    return this.#trimmed;
  }

  pending(integration: string, max: number, afterSeq?: number): PendingRecord[] {
    this.release(integration);
    const grant = Math.min(max, Math.max(1, this.records - this.#total));
    if (grant < max) this.#trimmed++;
    const batch = this.#inner.pending(integration, grant, afterSeq);
    if (batch.length > 0) {
      this.#held.set(integration, { count: batch.length, lastSeq: batch[batch.length - 1]!.seq });
      this.#total += batch.length;
    }
    return batch;
  }

  acknowledge(integration: string, seq: number): void {
    this.#inner.acknowledge(integration, seq);
    const held = this.#held.get(integration);
    if (held && seq >= held.lastSeq) this.release(integration);
  }

  stats(integration: string): QueueStats {
    return this.#inner.stats(integration);
  }

  /** Ends the lane's grant (its forwarder stopped, or it read again). */
  release(integration: string): void {
    const held = this.#held.get(integration);
    if (!held) return;
    this.#total -= held.count;
    this.#held.delete(integration);
  }
}
