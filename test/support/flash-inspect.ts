/**
 * Looks into a stopped (or killed) desktop hub's data folder the way its next
 * boot would: a copy of records.flash and store.json is opened with the real
 * RecordLog and Keyring, so inspecting never changes what the hub finds.
 * Also lists the seqs of torn appends (entries whose commit marker was never
 * programmed): those records were never buffered, their seqs are gaps.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from 'cbor-x';
import { nodeCrypto } from '../../hosts/node/crypto.js';
import { FileFlash } from '../../hosts/node/file-flash.js';
import { FileStore } from '../../hosts/node/file-store.js';
import { AuditLog } from '../../modules/audit/log.js';
import { sealedFlashAudit } from '../../modules/audit/sealed-storage.js';
import { Keyring } from '../../modules/keyring.js';
import { decodeSectorHeader, integrationTag, KIND_RECORD } from '../../modules/log/format.js';
import { scanSector } from '../../modules/log/scan.js';
import { RecordLog, type RecoveryReport, type SeqGap } from '../../modules/log/store.js';

export interface BufferedRecord {
  seq: number;
  /** The record as the pipeline encoded it, decoded from CBOR. */
  data: unknown;
}

export interface FlashInspection {
  /** Undefined when the hub died before it created its flash file. */
  report: RecoveryReport | undefined;
  pending: BufferedRecord[];
  /** Seqs of record entries found uncommitted (power cut between writing and committing). */
  torn: number[];
  /** Reserved seqs the next boot will declare lost (a RAM window the kill took), if any. */
  gap?: SeqGap;
}

const codec = new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

export function decodeRecord(payload: Uint8Array): unknown {
  return codec.decode(payload);
}

export function inspectDataDir(dataDir: string, integration: string, flashBytes: number, blockSize = 4096): FlashInspection {
  if (!existsSync(join(dataDir, 'records.flash'))) return { report: undefined, pending: [], torn: [] };
  const copy = mkdtempSync(join(tmpdir(), 'airlock-inspect-'));
  try {
    copyFileSync(join(dataDir, 'records.flash'), join(copy, 'records.flash'));
    if (existsSync(join(dataDir, 'store.json'))) copyFileSync(join(dataDir, 'store.json'), join(copy, 'store.json'));
    const store = new FileStore(join(copy, 'store.json'));
    const keyring = new Keyring({ store, crypto: nodeCrypto, random: { bytes: (n) => new Uint8Array(randomBytes(n)) } });
    const raw = new Uint8Array(readFileSync(join(copy, 'records.flash')));
    const tag = integrationTag(nodeCrypto, keyring.hubKey('log-tag'), integration);
    const torn: number[] = [];
    for (let base = 0; base < raw.length; base += blockSize) {
      const bytes = raw.subarray(base, base + blockSize);
      const header = decodeSectorHeader(bytes);
      if (!header.ok) continue;
      const finding = scanSector(bytes, base, header.header.fingerprint);
      if (finding.state !== 'log') continue;
      for (const e of finding.entries) if (!e.header.committed && e.header.kind === KIND_RECORD && e.header.tag === tag) torn.push(e.header.seq);
    }
    const flash = new FileFlash({ path: join(copy, 'records.flash'), byteLength: flashBytes, blockSize });
    const clock = { bootCount: 0, wallTime: () => Date.now(), monotonic: () => 0 };
    const { log, report } = RecordLog.open({ flash, keyring, crypto: nodeCrypto, clock });
    const pending = log.pending(integration, 1_000_000).map((r) => ({ seq: r.seq, data: decodeRecord(r.payload) }));
    const gap = log.gap(integration);
    flash.close();
    return { report, pending, torn: [...new Set(torn)].sort((a, b) => a - b), ...(gap ? { gap } : {}) };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** A `data.lost` entry of the hub's audit chain: seqs a boot found reserved but unaccounted for (a RAM window a power cut took). */
export interface AuditedLoss {
  fromSeq: number;
  toSeq: number;
}

/**
 * Reads the `data.lost` entries for `integration` from a stopped (or killed)
 * desktop hub's audit chain (audit.flash, sealed under the hub's keys in
 * store.json), on a copy, as the hub would read them.
 */
export function auditedLosses(dataDir: string, integration: string, auditBytes = 16 * 4096, blockSize = 4096): AuditedLoss[] {
  if (!existsSync(join(dataDir, 'audit.flash')) || !existsSync(join(dataDir, 'store.json'))) return [];
  const copy = mkdtempSync(join(tmpdir(), 'airlock-inspect-'));
  try {
    copyFileSync(join(dataDir, 'audit.flash'), join(copy, 'audit.flash'));
    copyFileSync(join(dataDir, 'store.json'), join(copy, 'store.json'));
    const random = { bytes: (n: number) => new Uint8Array(randomBytes(n)) };
    const keyring = new Keyring({ store: new FileStore(join(copy, 'store.json')), crypto: nodeCrypto, random });
    const flash = new FileFlash({ path: join(copy, 'audit.flash'), byteLength: auditBytes, blockSize });
    const clock = { bootCount: 0, wallTime: () => Date.now(), monotonic: () => 0 };
    const audit = AuditLog.open({ storage: sealedFlashAudit(flash, { crypto: nodeCrypto, random, keyring }), crypto: nodeCrypto, key: keyring.hubKey('audit'), clock });
    const out = audit
      .entries((e) => e.action === 'data.lost' && e.subject === integration)
      .map((e) => ({ fromSeq: Number(e.details.fromSeq), toSeq: Number(e.details.toSeq) }));
    flash.close();
    return out;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
