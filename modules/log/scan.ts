/**
 * The recovery scan of one sector: what a reboot finds on flash, with no keys
 * needed. Entry headers carry their own checksum, so a torn write (power cut
 * mid-entry) or flipped bits are recognised and stepped over; after a damaged
 * region the scan resynchronises byte by byte on the next valid header.
 */
import {
  decodeEntryHeader,
  decodeSectorHeader,
  ENTRY_HEADER_BYTES,
  KIND_MARK,
  SECTOR_HEADER_BYTES,
  type EntryHeader,
} from './format.js';

export interface ScannedEntry {
  header: EntryHeader;
  /** Absolute offset in the partition. */
  at: number;
  size: number;
  /** For marks: the high-water sequence number in the body. */
  high: number;
}

export type SectorFinding =
  | { state: 'blank' }
  /**
   * tailDamageAt: where the sector's last bytes stop being valid entries (a header torn by a power
   * cut), else -1. Bytes programmed inside those 22 could complete the torn header into one that parses.
   */
  | { state: 'log'; generation: number; entries: ScannedEntry[]; used: number; damagedRegions: number; tailDamageAt: number }
  /** Needs erasing before use: half-erased, torn header, another key's log, or not a log at all. */
  | { state: 'unusable'; why: 'not-a-log' | 'damaged' | 'version' | 'foreign' };

/**
 * With `visit`, each entry goes to it as found and `entries` stays empty: the
 * boot scan then holds one entry at a time, not every entry of the partition
 * (an object each: thousands on a full log).
 */
export function scanSector(bytes: Uint8Array, base: number, fingerprint: number, visit?: (entry: ScannedEntry) => void): SectorFinding {
  let lastData = bytes.length - 1;
  while (lastData >= 0 && bytes[lastData] === 0xff) lastData--;
  if (lastData < 0) return { state: 'blank' };
  const header = decodeSectorHeader(bytes);
  if (!header.ok) return { state: 'unusable', why: header.why };
  if (header.header.fingerprint !== fingerprint) return { state: 'unusable', why: 'foreign' };

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: ScannedEntry[] = [];
  let damagedRegions = 0;
  let inDamage = false;
  let damageAt = -1;
  let p = SECTOR_HEADER_BYTES;
  while (p <= lastData) {
    const h = decodeEntryHeader(bytes, p, bytes.length);
    if (!h) {
      if (!inDamage) {
        damagedRegions++;
        damageAt = p;
      }
      inDamage = true;
      p++;
      continue;
    }
    inDamage = false;
    const size = ENTRY_HEADER_BYTES + h.bodyLength;
    const high = h.kind === KIND_MARK ? view.getUint32(p + ENTRY_HEADER_BYTES) : h.seq;
    const entry = { header: h, at: base + p, size, high };
    if (visit) visit(entry);
    else entries.push(entry);
    p += size;
  }
  return { state: 'log', generation: header.header.generation, entries, used: Math.max(p, SECTOR_HEADER_BYTES), damagedRegions, tailDamageAt: inDamage ? damageAt : -1 };
}
