/**
 * The seam between the record log (which keeps sealed records on flash) and
 * the forwarder (which delivers them). The log implements it; the forwarder
 * only sees plaintext payloads of its own integration, in order.
 */
import type { Stamp } from './reading.js';

export interface PendingRecord {
  integration: string;
  /** Per-integration sequence number, strictly increasing. */
  seq: number;
  /** The encoded record (CBOR), already minimized and pseudonymized. */
  payload: Uint8Array;
  /** When the record entered the log. */
  stamp: Stamp;
  /** The purposes the record serves, as a bitmask the consent filter assigned; absent when unknown (decode to check). */
  purposes?: number;
}

export interface QueueStats {
  records: number;
  bytes: number;
  /** Sequence number of the oldest undelivered record, if any. */
  oldestSeq?: number;
  oldestStamp?: Stamp;
}

export interface IntegrationQueue {
  /** Up to `max` undelivered records with seq > afterSeq (default: all undelivered), oldest first. */
  pending(integration: string, max: number, afterSeq?: number): PendingRecord[];
  /** The vendor acknowledged everything up to and including `seq`: those records may be removed. */
  acknowledge(integration: string, seq: number): void;
  stats(integration: string): QueueStats;
}
