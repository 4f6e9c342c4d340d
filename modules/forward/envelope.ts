/**
 * The wire payload of one delivery (see docs/delivery.md). A batch of an
 * integration's records in seq order, each with its seq so a receiver can
 * drop records it already has:
 *
 *   { v: 1, hub, integration, seq: [first, last],
 *     records: [ { seq, at, data } ... ] }
 *
 * `data` is the record as the pipeline encoded it (a CBOR item, decoded and
 * carried as an item so the envelope is one self-describing document);
 * `at` the record's wall time in ms, or null when the hub did not know the
 * time then, in which case `boot` and `mono` say when it happened. A record
 * whose bytes are not valid CBOR is not lost: it travels as `raw` bytes (hex
 * in JSON) and is counted.
 */
import { toHex } from '../bytes.js';
import { createPlainCbor, type PlainCbor } from '../pipeline/encode.js';
import type { PendingRecord } from '../queue.js';
import type { Stamp } from '../reading.js';
import type { PayloadFormat } from './terms.js';

export const ENVELOPE_VERSION = 1;

export const CONTENT_TYPES: Readonly<Record<PayloadFormat, string>> = Object.freeze({
  cbor: 'application/cbor',
  json: 'application/json',
});

export interface EnvelopeRecord {
  seq: number;
  at: number | null;
  boot?: number;
  mono?: number;
  data?: unknown;
  raw?: Uint8Array | string;
}

export interface Envelope {
  v: number;
  hub: string;
  integration: string;
  seq: [number, number];
  records: EnvelopeRecord[];
}

export interface EncodedBatch {
  body: Uint8Array;
  contentType: string;
  /** Seqs of the records whose payload was not valid CBOR (sent as raw bytes). */
  undecodableSeqs: number[];
}

/** Turns byte strings into hex for JSON, which has no byte type. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? toHex(value) : value;
}

export class EnvelopeEncoder {
  readonly hub: string;
  readonly format: PayloadFormat;
  readonly #codec: PlainCbor;
  readonly #wallOf: (stamp: Stamp) => number | undefined;

  /**
   * `wallOf` gives a stamp's (corrected) wall time, see StampTime. `codec`:
   * plain CBOR that any decoder reads; pass the hub's shared one (see createPlainCbor).
   */
  constructor(hub: string, format: PayloadFormat, wallOf: (stamp: Stamp) => number | undefined, codec: PlainCbor = createPlainCbor()) {
    this.hub = hub;
    this.format = format;
    this.#wallOf = wallOf;
    this.#codec = codec;
  }

  encode(integration: string, batch: readonly PendingRecord[]): EncodedBatch {
    if (batch.length === 0) throw new RangeError('envelope: a batch needs at least one record');
    const undecodableSeqs: number[] = [];
    const records: EnvelopeRecord[] = batch.map((record) => {
      const at = this.#wallOf(record.stamp);
      const entry: EnvelopeRecord = { seq: record.seq, at: at ?? null };
      if (at === undefined) {
        entry.boot = record.stamp.boot;
        entry.mono = record.stamp.mono;
      }
      try {
        entry.data = this.#codec.decode(record.payload);
      } catch {
        undecodableSeqs.push(record.seq);
        entry.raw = record.payload;
      }
      return entry;
    });
    const envelope: Envelope = { v: ENVELOPE_VERSION, hub: this.hub, integration, seq: [batch[0]!.seq, batch[batch.length - 1]!.seq], records };
    const body =
      this.format === 'json'
        ? new TextEncoder().encode(JSON.stringify(envelope, jsonReplacer))
        : this.#codec.encode(envelope);
    return { body, contentType: CONTENT_TYPES[this.format], undecodableSeqs };
  }
}

/** Reads an envelope (what a receiver does); throws naming the problem when it is not one. */
export function decodeEnvelope(body: Uint8Array, contentType: string): Envelope {
  const value: unknown = contentType.startsWith('application/json') ? JSON.parse(new TextDecoder().decode(body)) : createPlainCbor().decode(body);
  const e = value as Partial<Envelope> | null;
  if (!e || typeof e !== 'object' || e.v !== ENVELOPE_VERSION) throw new TypeError(`envelope: field "v" must be ${ENVELOPE_VERSION}`);
  if (typeof e.integration !== 'string' || typeof e.hub !== 'string') throw new TypeError('envelope: fields "hub" and "integration" must be strings');
  if (!Array.isArray(e.seq) || e.seq.length !== 2) throw new TypeError('envelope: field "seq" must be [first, last]');
  if (!Array.isArray(e.records) || e.records.some((r) => typeof r?.seq !== 'number')) throw new TypeError('envelope: every record needs a numeric "seq"');
  return e as Envelope;
}
