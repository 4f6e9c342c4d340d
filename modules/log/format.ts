/**
 * The on-flash format of the record log: sector headers, entry headers, the
 * checksum that lets a recovery scan trust a header without any key, and the
 * nonce and associated data that bind a sealed record to its integration,
 * key epoch and sequence number. Pure functions; docs/flash-log.md draws it.
 */
import { concat, utf8 } from '../bytes.js';
import type { Crypto } from '../host.js';

export const SECTOR_MAGIC = [0x41, 0x4c, 0x4f, 0x47] as const; // "ALOG"
/** 2: keyed integration tags, the time of a record sealed inside it (docs/flash-log.md, "Why sealed, not flash encryption"). */
export const FORMAT_VERSION = 2;
export const SECTOR_HEADER_BYTES = 16;
export const ENTRY_HEADER_BYTES = 15;
export const GCM_TAG_BYTES = 16;
/**
 * A record's stamp (wall flag, boot, time) is sealed with its payload: when
 * readings happened tells who is home, and recovery does not need it.
 */
export const STAMP_BYTES = 8;
/** Bytes a record costs on top of its payload. */
export const RECORD_OVERHEAD = ENTRY_HEADER_BYTES + STAMP_BYTES + GCM_TAG_BYTES;
/** A mark's body: the highest sequence number ever given out (u32). */
export const MARK_BODY_BYTES = 4;
export const MARK_ENTRY_BYTES = ENTRY_HEADER_BYTES + MARK_BODY_BYTES;

/**
 * The first byte of an entry is its kind and doubles as the commit marker: it
 * is left 0xFF (erased) while the rest is programmed and written last, alone.
 * A power cut before that leaves 0xFF: the entry never happened.
 */
export const KIND_RECORD = 0x52; // 'R': a sealed record
export const KIND_MARK = 0x46; // 'F': floor (everything <= seq is gone) + high-water sequence
export const UNCOMMITTED = 0xff;
const KINDS = [KIND_RECORD, KIND_MARK] as const;

export const FLAG_WALL = 0x1; // the stamp's time is wall ms (else monotonic ms of that boot)
/**
 * On a mark, in its header's flag bits (the only flag an entry header may
 * carry; a record's flag bits stay 0): its seq field is "every seq up to here
 * is accounted for" (a clean shutdown, a reported gap), not a floor.
 */
export const FLAG_SETTLED = 0x2;
const MARK_FLAGS = FLAG_SETTLED;
const LENGTH_BITS = 13;
export const MAX_BODY_BYTES = (1 << LENGTH_BITS) - 1;
/** Times are 40-bit ms: monotonic ms since boot, or wall ms since WALL_EPOCH (2020-01-01, good until 2054). */
export const MAX_TIME = 2 ** 40 - 1;
export const WALL_EPOCH = Date.UTC(2020, 0, 1);

/** What an entry shows without a key: only what recovery needs. */
export interface EntryHeader {
  kind: number;
  /** Whether the commit marker was programmed. */
  committed: boolean;
  /** A mark's flags (FLAG_SETTLED); always 0 on a record (its wall flag is sealed in its stamp). */
  flags: number;
  bodyLength: number;
  tag: number;
  seq: number;
  epoch: number;
}

/** When a record's reading happened; sealed inside the record (first STAMP_BYTES of the plaintext). */
export interface SealedStamp {
  flags: number;
  /** Low 16 bits of the boot counter. */
  boot: number;
  /** Wall ms since WALL_EPOCH when FLAG_WALL, else monotonic ms since that boot (40 bits). */
  time: number;
}

export interface SectorHeader {
  generation: number;
  fingerprint: number;
}

/** CRC-16/CCITT-FALSE: detects torn and flipped header bytes (an integrity check, not crypto). */
export function crc16(bytes: Uint8Array, start: number, end: number, crc = 0xffff): number {
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** Offset of the header's CRC-16 (its last two bytes). */
const CRC_AT = ENTRY_HEADER_BYTES - 2;

function crcWithKind(kind: number, bytes: Uint8Array, at: number, bodyLength: number): number {
  const crc = crc16(Uint8Array.of(kind), 0, 1);
  const headerCrc = crc16(bytes, at + 1, at + CRC_AT, crc);
  // A mark's body is not sealed, so the checksum covers it too.
  return kind === KIND_MARK ? crc16(bytes, at + ENTRY_HEADER_BYTES, at + ENTRY_HEADER_BYTES + bodyLength, headerCrc) : headerCrc;
}

/** Entry bytes with the kind byte left erased (0xFF); program `kind` at offset 0 afterwards to commit. */
export function encodeEntry(h: Omit<EntryHeader, 'committed' | 'bodyLength' | 'flags'> & { flags?: number }, body: Uint8Array): Uint8Array {
  if (body.length > MAX_BODY_BYTES) throw new RangeError(`log entry: body of ${body.length} bytes exceeds ${MAX_BODY_BYTES}`);
  const flags = h.flags ?? 0;
  if (!flagsFit(h.kind, flags)) throw new RangeError(`log entry: flags ${flags} are not allowed on kind ${h.kind}`);
  const out = new Uint8Array(ENTRY_HEADER_BYTES + body.length);
  const view = new DataView(out.buffer);
  out[0] = UNCOMMITTED;
  // The top 3 bits of the length word: a mark's flags; 0 on a record (version 1 kept the wall flag there, in clear).
  view.setUint16(1, (flags << LENGTH_BITS) | body.length);
  view.setUint32(3, h.tag >>> 0);
  view.setUint32(7, h.seq >>> 0);
  view.setUint16(11, h.epoch);
  out.set(body, ENTRY_HEADER_BYTES);
  view.setUint16(CRC_AT, crcWithKind(h.kind, out, 0, body.length));
  return out;
}

export function encodeStamp(s: SealedStamp): Uint8Array {
  if (s.time < 0 || s.time > MAX_TIME || !Number.isInteger(s.time)) throw new RangeError(`log entry: time ${s.time} must be a whole number of ms below 2^40`);
  const out = new Uint8Array(STAMP_BYTES);
  const view = new DataView(out.buffer);
  out[0] = s.flags & 0x7;
  view.setUint16(1, s.boot & 0xffff);
  out[3] = Math.floor(s.time / 2 ** 32);
  view.setUint32(4, s.time >>> 0);
  return out;
}

/** Reads the stamp at the start of an opened record's plaintext. */
export function decodeStamp(plain: Uint8Array): SealedStamp {
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  return { flags: plain[0]! & 0x7, boot: view.getUint16(1), time: plain[3]! * 2 ** 32 + view.getUint32(4) };
}

/**
 * Reads the entry header at `at`, or `undefined` when it is not a valid header
 * (torn, flipped, or not a header at all). An uncommitted entry (kind still
 * 0xFF) is recognised when its checksum matches one of the kinds.
 */
export function decodeEntryHeader(bytes: Uint8Array, at: number, end: number): EntryHeader | undefined {
  if (at + ENTRY_HEADER_BYTES > end) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packed = view.getUint16(at + 1);
  const flags = packed >>> LENGTH_BITS;
  const bodyLength = packed & MAX_BODY_BYTES;
  if (at + ENTRY_HEADER_BYTES + bodyLength > end) return undefined;
  const stored = view.getUint16(at + CRC_AT);
  const onFlash = bytes[at]!;
  let kind: number | undefined;
  if (onFlash === UNCOMMITTED) {
    kind = KINDS.find((k) => bodyFits(k, bodyLength) && flagsFit(k, flags) && crcWithKind(k, bytes, at, bodyLength) === stored);
  } else if ((KINDS as readonly number[]).includes(onFlash) && bodyFits(onFlash, bodyLength) && flagsFit(onFlash, flags) && crcWithKind(onFlash, bytes, at, bodyLength) === stored) {
    kind = onFlash;
  }
  if (kind === undefined) return undefined;
  return {
    kind,
    committed: onFlash !== UNCOMMITTED,
    flags,
    bodyLength,
    tag: view.getUint32(at + 3),
    seq: view.getUint32(at + 7),
    epoch: view.getUint16(at + 11),
  };
}

/** Only a mark carries flags in clear (FLAG_SETTLED); a record's header flag bits must be 0. */
function flagsFit(kind: number, flags: number): boolean {
  return kind === KIND_MARK ? (flags & ~MARK_FLAGS) === 0 : flags === 0;
}

function bodyFits(kind: number, bodyLength: number): boolean {
  return kind === KIND_MARK ? bodyLength === MARK_BODY_BYTES : bodyLength >= STAMP_BYTES + GCM_TAG_BYTES;
}

export function encodeSectorHeader(h: SectorHeader): Uint8Array {
  const out = new Uint8Array(SECTOR_HEADER_BYTES);
  const view = new DataView(out.buffer);
  out.set(SECTOR_MAGIC, 0);
  out[4] = FORMAT_VERSION;
  out[5] = 0xff;
  view.setUint32(6, h.generation >>> 0);
  view.setUint32(10, h.fingerprint >>> 0);
  view.setUint16(14, crc16(out, 0, 14));
  return out;
}

export type SectorHeaderResult =
  | { ok: true; header: SectorHeader }
  | { ok: false; why: 'not-a-log' | 'damaged' | 'version' };

export function decodeSectorHeader(bytes: Uint8Array): SectorHeaderResult {
  for (let i = 0; i < 4; i++) if (bytes[i] !== SECTOR_MAGIC[i]) return { ok: false, why: 'not-a-log' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(14) !== crc16(bytes, 0, 14)) return { ok: false, why: 'damaged' };
  if (bytes[4] !== FORMAT_VERSION) return { ok: false, why: 'version' };
  return { ok: true, header: { generation: view.getUint32(6), fingerprint: view.getUint32(10) } };
}

/**
 * A 32-bit tag naming an integration in entry headers (the full name is bound
 * by the associated data). Keyed with a hub key: an unkeyed hash of a vendor's
 * name would tell anyone holding the chip which vendors the household uses.
 */
export function integrationTag(crypto: Crypto, tagKey: Uint8Array, integration: string): number {
  const mac = crypto.hmacSha256(tagKey, utf8(`airlock-log/tag\u0000${integration}`));
  return new DataView(mac.buffer, mac.byteOffset, 4).getUint32(0);
}

/**
 * 12-byte GCM nonce, unique under one key: the key belongs to one
 * (integration, epoch) and a sequence number is never given out twice for an
 * integration (the log keeps a high-water mark that survives compaction and
 * power cuts), so (epoch, seq) never repeats under a key.
 */
export function recordNonce(epoch: number, seq: number): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  out[0] = 0x41; // 'A'
  out[1] = 0x4c; // 'L'
  view.setUint16(2, epoch);
  view.setUint32(4, seq >>> 0);
  return out;
}

/**
 * Associated data: every header field the record depends on (length, tag,
 * seq, epoch) plus the full integration name, so a record copied to another
 * integration, sequence number or epoch fails to open. (Its stamp is inside the seal.)
 */
export function recordAad(entry: Uint8Array, at: number, integration: string): Uint8Array {
  return concat(utf8('airlock-log/v2\u0000'), entry.subarray(at + 1, at + CRC_AT), utf8(integration));
}
