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

/** A cbor-x codec writing plain CBOR: no record extension, byte strings untagged, maps sized to fit. */
export type PlainCbor = Encoder;

/**
 * The one codec configuration records and delivery envelopes use. Share one
 * instance per hub: cbor-x builds its methods as closures per instance (about
 * 4.7 KB of XS slots each), while its working buffer is module state shared by
 * every instance anyway, so one instance behaves exactly like several.
 */
export function createPlainCbor(): PlainCbor {
  return new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false });
}

export function createRecordEncoder(codec: PlainCbor = createPlainCbor()): RecordEncoder {
  return {
    encode(record) {
      // A copy: cbor-x returns a view of its working buffer (a Node Buffer on Node).
      return new Uint8Array(codec.encode(record));
    },
  };
}
