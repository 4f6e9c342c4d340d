/**
 * Records as CBOR (RFC 8949) through cbor-x. `cbor-x/encode` resolves to the
 * library's portable build (no Node Buffer, no eval) outside Node, and runs
 * inside XS. Maps keep their short string keys (no cbor-x "records"
 * extension), so any CBOR decoder at the vendor reads them.
 */
import { Encoder } from 'cbor-x/encode';
import type { Stamp } from '../reading.js';

export type RecordValue = number | string | boolean | null;

/** The minimized record an integration receives. Short keys: every byte is stored and sent. */
export interface MinimizedRecord {
  /** Integration id. */
  i: string;
  /** Stream. */
  s: string;
  /** The device's pseudonym at this integration. */
  d: string;
  /** Coarsened wall ms, or boot + monotonic ms when the hub did not know the time. */
  t: number | Pick<Stamp, 'boot' | 'mono'>;
  /** The allowed, transformed fields. */
  f: Record<string, RecordValue>;
  /** The purposes the fields serve, sorted. */
  p: string[];
  /** Set on aggregate records: the window length in seconds (t is the window start). */
  w?: number;
}

export interface RecordEncoder {
  encode(record: MinimizedRecord): Uint8Array;
}

export function createRecordEncoder(): RecordEncoder {
  const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false });
  return {
    encode(record) {
      // A copy: cbor-x returns a view of its working buffer (a Node Buffer on Node).
      return new Uint8Array(encoder.encode(record));
    },
  };
}
