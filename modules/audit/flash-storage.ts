/**
 * AuditStorage over a NOR flash partition (the `Flash` capability), safe
 * against power cuts at any moment.
 *
 * Layout: the partition's sectors are used round-robin. A sector in use
 * starts with a 16-byte header: "AUD1", a generation number (u32, grows with
 * every sector started, so recovery can order sectors) and a CRC-32 of both.
 * Frames follow, each 4-byte aligned:
 *
 *   0xA5 | kind u8 | length u16 | seq u32 | CRC-32(kind..seq + payload) u32 | payload | commit u8
 *
 * A frame is written in two steps: header and payload, then the commit byte
 * (0xFF -> 0x00) last. Recovery accepts a frame only with the marker, a
 * matching CRC and the commit byte; anything else is skipped and counted,
 * and the scan resynchronises on the next aligned marker, so a torn write
 * costs only the record being written. New frames go after the last
 * programmed byte of the newest sector, never over partly written bytes.
 *
 * The last `CHECKPOINT_RESERVE` bytes of a sector are kept for checkpoints,
 * so the log can always record where the chain continues before the oldest
 * sector is erased.
 */
import { asBytes, concat } from '../bytes.js';
import type { Flash } from '../host.js';
import { makeCrc32, type Crc32 } from './crc32.js';
import { AuditStorageError, type AuditRecord, type AuditRecordKind, type AuditStorage, type AuditStorageStats } from './storage.js';

const SECTOR_MAGIC = [0x41, 0x55, 0x44, 0x31]; // "AUD1"
const HEADER_BYTES = 16;
const FRAME_MARKER = 0xa5;
const FRAME_HEAD = 12;
const COMMITTED = 0x00;
const ERASED = 0xff;
export const CHECKPOINT_RESERVE = 160;
const KIND_CODE: Record<AuditRecordKind, number> = { entry: 1, checkpoint: 2 };

function align4(n: number): number {
  return (n + 3) & ~3;
}

function frameBytes(payloadLength: number): number {
  return align4(FRAME_HEAD + payloadLength + 1);
}

interface SectorState {
  generation: number;
  /** Where the next frame goes; blockSize when full. */
  writeOffset: number;
  maxSeq: number;
}

interface ScannedSector {
  records: AuditRecord[];
  /** Offset after the last programmed byte, 4-aligned. */
  end: number;
  damaged: number;
}

export class FlashAuditStorage implements AuditStorage {
  readonly #flash: Flash;
  readonly #crc: Crc32;
  readonly #sectors: number;
  readonly #block: number;
  /** In-use sectors by index; absent = free. */
  readonly #used = new Map<number, SectorState>();
  #active: number | undefined;
  #skipped = 0;

  constructor(flash: Flash) {
    this.#flash = flash;
    this.#crc = makeCrc32();
    this.#block = flash.blockSize;
    this.#sectors = Math.floor(flash.byteLength / flash.blockSize);
    if (this.#sectors < 2) {
      throw new AuditStorageError(`audit storage: the partition has ${this.#sectors} sector(s); give it at least 2 so rotation can keep the chain`);
    }
    if (this.#block < HEADER_BYTES + CHECKPOINT_RESERVE * 2) {
      throw new AuditStorageError(`audit storage: blockSize ${this.#block} is too small (need at least ${HEADER_BYTES + CHECKPOINT_RESERVE * 2})`);
    }
    this.#recover();
  }

  /** The largest payload an entry may have. */
  get maxEntryPayload(): number {
    return this.#block - HEADER_BYTES - CHECKPOINT_RESERVE - FRAME_HEAD - 4;
  }

  append(record: AuditRecord): boolean {
    const size = frameBytes(record.bytes.length);
    if (record.bytes.length > this.maxEntryPayload || !Number.isSafeInteger(record.seq) || record.seq < 0 || record.seq > 0xffffffff) {
      throw new AuditStorageError(
        `audit storage: a ${record.kind} of ${record.bytes.length} bytes with seq ${record.seq} cannot be stored (payload at most ${this.maxEntryPayload} bytes, seq 0..2^32-1)`,
      );
    }
    const limit = this.#block - (record.kind === 'entry' ? CHECKPOINT_RESERVE : 0);
    let sector = this.#active;
    if (sector === undefined || this.#used.get(sector)!.writeOffset + size > limit) {
      const next = sector === undefined ? 0 : (sector + 1) % this.#sectors;
      if (this.#used.has(next)) return false;
      this.#startSector(next);
      sector = next;
    }
    const state = this.#used.get(sector)!;
    this.#writeFrame(sector * this.#block + state.writeOffset, record);
    state.writeOffset += size;
    state.maxSeq = Math.max(state.maxSeq, record.seq);
    return true;
  }

  readAll(): AuditRecord[] {
    const out: AuditRecord[] = [];
    for (const sector of this.#inAge()) out.push(...this.#scan(sector).records);
    return out;
  }

  nextRotationBoundary(): AuditRecord | undefined {
    const oldest = this.#inAge().find((s) => s !== this.#active);
    if (oldest === undefined) return undefined;
    const entries = this.#scan(oldest).records.filter((r) => r.kind === 'entry');
    return entries[entries.length - 1];
  }

  truncateBefore(seq: number): void {
    for (const sector of this.#inAge()) {
      if (sector === this.#active) break;
      if (this.#used.get(sector)!.maxSeq >= seq) break;
      this.#flash.erase(sector);
      this.#used.delete(sector);
    }
  }

  stats(): AuditStorageStats {
    let bytesUsed = 0;
    for (const state of this.#used.values()) bytesUsed += state.writeOffset;
    return { skipped: this.#skipped, bytesUsed, bytesTotal: this.#sectors * this.#block };
  }

  /** In-use sectors, oldest first. */
  #inAge(): number[] {
    return [...this.#used.entries()].sort((a, b) => a[1].generation - b[1].generation).map(([index]) => index);
  }

  #read(offset: number, length: number): Uint8Array {
    return asBytes(this.#flash.read(offset, length));
  }

  #recover(): void {
    for (let sector = 0; sector < this.#sectors; sector++) {
      const header = this.#read(sector * this.#block, HEADER_BYTES);
      if (!SECTOR_MAGIC.every((b, i) => header[i] === b)) continue;
      const view = new DataView(header.buffer, header.byteOffset, HEADER_BYTES);
      if (this.#crc(header.subarray(0, 8)) !== view.getUint32(8, false)) continue;
      this.#used.set(sector, { generation: view.getUint32(4, false), writeOffset: HEADER_BYTES, maxSeq: 0 });
    }
    for (const sector of this.#inAge()) {
      const scanned = this.#scan(sector);
      const state = this.#used.get(sector)!;
      state.writeOffset = scanned.end;
      for (const r of scanned.records) state.maxSeq = Math.max(state.maxSeq, r.seq);
      this.#skipped += scanned.damaged;
    }
    const order = this.#inAge();
    this.#active = order[order.length - 1];
  }

  #scan(sector: number): ScannedSector {
    const bytes = this.#read(sector * this.#block, this.#block);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    let last = bytes.length - 1;
    while (last >= HEADER_BYTES && bytes[last] === ERASED) last--;
    const programmed = Math.max(HEADER_BYTES, align4(last + 1));
    // New frames must also clear the full extent a torn frame's header claims:
    // its unprogrammed tail may be 0xFF, and writing there could complete it.
    let end = programmed;
    const records: AuditRecord[] = [];
    let damaged = 0;
    let inDamage = false;
    let off = HEADER_BYTES;
    while (off < programmed) {
      const frame = this.#parseFrame(bytes, view, off);
      if (frame) end = Math.max(end, Math.min(this.#block, off + frame.size));
      if (frame?.status === 'committed' || frame?.status === 'uncommitted') {
        if (frame.record) records.push(frame.record);
        else damaged++; // intact but never committed: the write was cut before its last step
        inDamage = false;
        off += frame.size;
      } else {
        if (!inDamage) damaged++;
        inDamage = true;
        off += 4;
      }
    }
    return { records, end, damaged };
  }

  /** What lies at `off`: undefined when not even a plausible frame header. */
  #parseFrame(bytes: Uint8Array, view: DataView, off: number): { size: number; status: 'committed' | 'uncommitted' | 'damaged'; record?: AuditRecord } | undefined {
    if (off + FRAME_HEAD + 1 > this.#block || bytes[off] !== FRAME_MARKER) return undefined;
    const kindCode = bytes[off + 1];
    const kind = kindCode === KIND_CODE.entry ? 'entry' : kindCode === KIND_CODE.checkpoint ? 'checkpoint' : undefined;
    const length = view.getUint16(off + 2, false);
    const size = frameBytes(length);
    if (!kind || off + size > this.#block) return undefined;
    const payload = bytes.subarray(off + FRAME_HEAD, off + FRAME_HEAD + length);
    const crc = this.#crc(payload, this.#crc(bytes.subarray(off + 1, off + 8)));
    if (crc !== view.getUint32(off + 8, false)) return { size, status: 'damaged' };
    if (bytes[off + FRAME_HEAD + length] !== COMMITTED) return { size, status: 'uncommitted' };
    return { size, status: 'committed', record: { kind, seq: view.getUint32(off + 4, false), bytes: payload.slice() } };
  }

  #startSector(sector: number): void {
    const current = this.#read(sector * this.#block, this.#block);
    if (!current.every((b) => b === ERASED)) this.#flash.erase(sector);
    let generation = 1;
    for (const state of this.#used.values()) generation = Math.max(generation, state.generation + 1);
    const header = new Uint8Array(HEADER_BYTES).fill(ERASED);
    header.set(SECTOR_MAGIC, 0);
    const view = new DataView(header.buffer);
    view.setUint32(4, generation, false);
    view.setUint32(8, this.#crc(header.subarray(0, 8)), false);
    this.#flash.write(sector * this.#block, HEADER_BYTES, header);
    this.#used.set(sector, { generation, writeOffset: HEADER_BYTES, maxSeq: 0 });
    this.#active = sector;
  }

  #writeFrame(at: number, record: AuditRecord): void {
    const head = new Uint8Array(FRAME_HEAD);
    const view = new DataView(head.buffer);
    head[0] = FRAME_MARKER;
    head[1] = KIND_CODE[record.kind];
    view.setUint16(2, record.bytes.length, false);
    view.setUint32(4, record.seq, false);
    view.setUint32(8, this.#crc(record.bytes, this.#crc(head.subarray(1, 8))), false);
    const body = concat(head, record.bytes);
    this.#flash.write(at, body.length, body);
    this.#flash.write(at + body.length, 1, new Uint8Array([COMMITTED]));
  }
}
