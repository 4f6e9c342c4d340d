/**
 * How entries and checkpoints are laid out on flash: CBOR (cbor-x) arrays,
 * with hashes as 32-byte strings rather than hex to halve their size.
 * Storage bytes are never hashed (canonical JSON is), so cbor-x's lack of a
 * deterministic mode does not matter here.
 */
import { Decoder, Encoder } from 'cbor-x';
import { fromHex, toHex } from '../bytes.js';
import type { JsonValue } from './canonical.js';
import type { AuditAction, Checkpoint, SealedEntry } from './chain.js';

export class RecordCodecError extends Error {
  override name = 'RecordCodecError';
}

export interface RecordCodec {
  encodeEntry(entry: SealedEntry): Uint8Array;
  decodeEntry(bytes: Uint8Array): SealedEntry;
  encodeCheckpoint(checkpoint: Checkpoint): Uint8Array;
  decodeCheckpoint(bytes: Uint8Array): Checkpoint;
}

function bytes32(value: unknown, what: string): string {
  if (!(value instanceof Uint8Array) || value.length !== 32) throw new RecordCodecError(`stored ${what} is not 32 bytes`);
  return toHex(value);
}

/** Codec state (cbor-x keeps buffers) lives in the object this returns, not in the module. */
export function makeRecordCodec(): RecordCodec {
  // tagUint8Array: false keeps byte strings untagged on Node too, so every host writes the same bytes.
  const encoder = new Encoder({ useRecords: false, tagUint8Array: false });
  const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });
  const decodeArray = (bytes: Uint8Array, what: string, length: number): unknown[] => {
    const value: unknown = decoder.decode(bytes);
    if (!Array.isArray(value) || value.length !== length) throw new RecordCodecError(`stored ${what} is not a ${length}-element array`);
    return value;
  };
  return {
    encodeEntry(e) {
      return new Uint8Array(encoder.encode([e.seq, e.time, e.actor, e.action, e.subject, e.details, fromHex(e.prev), fromHex(e.hash), fromHex(e.mac)]));
    },
    decodeEntry(bytes) {
      const [seq, time, actor, action, subject, details, prev, hash, mac] = decodeArray(bytes, 'entry', 9);
      if (typeof seq !== 'number' || typeof actor !== 'string' || typeof action !== 'string' || typeof subject !== 'string') {
        throw new RecordCodecError('stored entry has a malformed seq, actor, action or subject');
      }
      if (typeof time !== 'object' || time === null || typeof details !== 'object' || details === null) {
        throw new RecordCodecError('stored entry has a malformed time or details');
      }
      return {
        seq,
        time: time as SealedEntry['time'],
        actor,
        action: action as AuditAction,
        subject,
        details: details as { [key: string]: JsonValue },
        prev: bytes32(prev, 'prev'),
        hash: bytes32(hash, 'hash'),
        mac: bytes32(mac, 'mac'),
      };
    },
    encodeCheckpoint(c) {
      return new Uint8Array(encoder.encode([c.seq, fromHex(c.hash), fromHex(c.mac)]));
    },
    decodeCheckpoint(bytes) {
      const [seq, hash, mac] = decodeArray(bytes, 'checkpoint', 3);
      if (typeof seq !== 'number') throw new RecordCodecError('stored checkpoint has no seq');
      return { seq, hash: bytes32(hash, 'checkpoint hash'), mac: bytes32(mac, 'checkpoint mac') };
    },
  };
}
