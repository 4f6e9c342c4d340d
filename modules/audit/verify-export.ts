/**
 * Verifies an exported audit document (the format in docs/audit.md, "For
 * auditors"): parses it, checks the chain from its checkpoint (or each entry
 * alone for a selection), the head, and the MACs when a key is given.
 * Portable: the CLI reads the file and passes the text.
 */
import type { Crypto } from '../host.js';
import { entryHash, entryMac, entryShapeProblem, headMac, verifyChain, type ChainFault, type Checkpoint } from './chain.js';
import { AUDIT_EXPORT_FORMAT } from './log.js';
import { constantTimeEqual } from '../constant-time.js';

export type VerifyStatus = 'valid' | 'invalid' | 'unreadable';

export interface ExportVerdict {
  status: VerifyStatus;
  /** 'chain' checks every link; 'selection' checks each entry alone (an integration's share). */
  mode?: 'chain' | 'selection';
  entries?: number;
  firstSeq?: number;
  lastSeq?: number;
  checkpointSeq?: number | null;
  macsChecked?: boolean;
  fault?: ChainFault;
  /** Why the document could not be read at all. */
  problem?: string;
}

interface ParsedExport {
  checkpoint: Checkpoint | null;
  head: { seq: number; hash: string; mac?: string } | undefined;
  entries: unknown[];
  selection: string | undefined;
}

function parse(text: string): ParsedExport | string {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    return `it is not JSON (${(error as Error).message})`;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'it is not a JSON object';
  if (doc.format !== AUDIT_EXPORT_FORMAT) return `its "format" is ${JSON.stringify(doc.format)}, expected "${AUDIT_EXPORT_FORMAT}"`;
  if (!Array.isArray(doc.entries)) return 'it has no "entries" array';
  const cp = doc.checkpoint;
  if (cp !== null && (typeof cp !== 'object' || cp === undefined)) return '"checkpoint" must be null or {seq, hash, mac}';
  const head = doc.head as ParsedExport['head'];
  return { checkpoint: cp as Checkpoint | null, head: typeof head === 'object' && head !== null ? head : undefined, entries: doc.entries, selection: typeof doc.selection === 'string' ? doc.selection : undefined };
}

function seqOf(raw: unknown): number | undefined {
  const seq = (raw as { seq?: unknown } | null)?.seq;
  return Number.isSafeInteger(seq) ? (seq as number) : undefined;
}

/** Each entry alone: shape, hash, MAC, and seqs strictly increasing. */
function verifySelection(crypto: Crypto, entries: unknown[], key: Uint8Array | undefined): ChainFault | undefined {
  let lastSeq = 0;
  for (let index = 0; index < entries.length; index++) {
    const raw = entries[index];
    const seq = seqOf(raw);
    const shape = entryShapeProblem(raw);
    if (shape) return { index, seq, reason: `the entry ${shape}` };
    const entry = raw as Parameters<typeof entryHash>[1] & { hash: string; mac: string };
    if (entry.seq <= lastSeq) return { index, seq, reason: `seq ${entry.seq} does not follow ${lastSeq}: the entries were reordered or repeated` };
    const hash = entryHash(crypto, entry);
    if (!constantTimeEqual(hash, entry.hash)) return { index, seq, reason: 'its content does not match its hash: the entry was altered' };
    if (key && !constantTimeEqual(entryMac(crypto, key, hash), entry.mac)) return { index, seq, reason: 'its MAC does not match: it was not written by this hub, or was altered' };
    lastSeq = entry.seq;
  }
  return undefined;
}

export function verifyExport(crypto: Crypto, text: string, key?: Uint8Array): ExportVerdict {
  const parsed = parse(text);
  if (typeof parsed === 'string') return { status: 'unreadable', problem: parsed };
  const { entries, checkpoint, head, selection } = parsed;
  const base: ExportVerdict = {
    status: 'valid',
    mode: selection === undefined ? 'chain' : 'selection',
    entries: entries.length,
    firstSeq: seqOf(entries[0]),
    lastSeq: seqOf(entries[entries.length - 1]),
    checkpointSeq: checkpoint?.seq ?? null,
    macsChecked: key !== undefined,
  };
  if (selection !== undefined) {
    const fault = verifySelection(crypto, entries, key);
    return fault ? { ...base, status: 'invalid', fault } : base;
  }
  const report = verifyChain(crypto, entries, checkpoint, key);
  if (!report.ok) return { ...base, status: 'invalid', fault: report.fault! };
  const last = report.head;
  if (!head || head.seq !== (last?.seq ?? 0) || (last && !constantTimeEqual(head.hash, last.hash))) {
    const atSeq = head && Number.isSafeInteger(head.seq) ? head.seq : undefined;
    return {
      ...base,
      status: 'invalid',
      fault: { index: entries.length, seq: atSeq, reason: `the head names seq ${atSeq ?? '?'} but the entries end at ${last?.seq ?? 0}: entries were cut off the end, or the head was altered` },
    };
  }
  if (key && (typeof head.mac !== 'string' || headMac(crypto, key, head) !== head.mac)) {
    return { ...base, status: 'invalid', fault: { index: entries.length, seq: head.seq, reason: 'the head MAC does not match: the head was altered or taken from another export' } };
  }
  return base;
}
