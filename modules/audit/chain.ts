/**
 * The audit chain: entry shape, how an entry is hashed and authenticated, and
 * how a sequence of entries is verified. Pure functions over the Crypto
 * capability, shared by the hub (modules/audit/log.ts) and the auditor's
 * command (`airlock audit verify`).
 *
 *   hash = SHA-256(canonical JSON of {seq, time, actor, action, subject, details, prev})
 *   mac  = HMAC-SHA256(auditKey, hash)
 *   checkpoint mac = HMAC-SHA256(auditKey, "airlock-audit-checkpoint\n" + canonical JSON of {seq, hash})
 *   export head mac = HMAC-SHA256(auditKey, "airlock-audit-head\n" + canonical JSON of {seq, hash})
 *
 * `prev` is the previous entry's hash (hex), or GENESIS for seq 1. The
 * checkpoint and head MACs are domain-separated so an entry's own MAC can never pass as a
 * checkpoint: cutting entries off the front of an export is detected.
 */
import { concat, fromHex, toHex, utf8 } from '../bytes.js';
import type { Crypto } from '../host.js';
import type { Stamp } from '../reading.js';
import { canonicalJson, type JsonValue } from './canonical.js';
import { constantTimeEqual } from '../constant-time.js';

/** Every kind of decision the audit log records. */
export type AuditAction =
  | 'contract.installed'
  | 'contract.updated'
  | 'contract.approved'
  | 'contract.rejected'
  | 'contract.reverted'
  | 'consent.given'
  | 'consent.withdrawn'
  | 'data.purged'
  | 'data.lost'
  | 'retention.expired'
  | 'export.created'
  | 'integration.deleted'
  | 'incident.opened'
  | 'incident.notified'
  | 'incident.resolved'
  | 'incident.overdue'
  | 'sla.violation'
  | 'anomaly.volume'
  | 'anomaly.out-of-contract-request'
  | 'anomaly.login-burst'
  | 'anomaly.forged-command'
  | 'audit-rights.overdue'
  | 'auth.login'
  | 'auth.login-failed'
  | 'config.changed';

export const AUDIT_ACTIONS: readonly AuditAction[] = Object.freeze([
  'contract.installed', 'contract.updated', 'contract.approved', 'contract.rejected', 'contract.reverted',
  'consent.given', 'consent.withdrawn', 'data.purged', 'data.lost', 'retention.expired', 'export.created',
  'integration.deleted', 'incident.opened', 'incident.notified', 'incident.resolved', 'incident.overdue',
  'sla.violation', 'anomaly.volume', 'anomaly.out-of-contract-request', 'anomaly.login-burst',
  'anomaly.forged-command', 'audit-rights.overdue', 'auth.login', 'auth.login-failed', 'config.changed',
] as const);

/** What a caller supplies; the log adds seq, time and prev. */
export interface AuditEvent {
  /** Who did it: "owner", "hub", "installer", "vendor:<integration>". */
  actor: string;
  action: AuditAction;
  /** What it concerns: usually the integration id; "hub" for hub-wide events. */
  subject: string;
  details: { [key: string]: JsonValue };
}

export interface AuditEntry extends AuditEvent {
  seq: number;
  time: Stamp;
  /** Hex SHA-256 of the previous entry, or GENESIS. */
  prev: string;
}

/** An entry with its proof, as stored and exported. */
export interface SealedEntry extends AuditEntry {
  hash: string;
  mac: string;
}

/** Where a rotated log starts: the last entry that was removed. */
export interface Checkpoint {
  seq: number;
  hash: string;
  mac: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export const GENESIS = '0'.repeat(64);
const CHECKPOINT_LABEL = 'airlock-audit-checkpoint\n';
const HEAD_LABEL = 'airlock-audit-head\n';
const ENTRY_KEYS = ['seq', 'time', 'actor', 'action', 'subject', 'details', 'prev'] as const;

/** The exact bytes that are hashed. */
export function entryBytes(entry: AuditEntry): Uint8Array {
  const { seq, time, actor, action, subject, details, prev } = entry;
  return utf8(canonicalJson({ seq, time, actor, action, subject, details, prev }));
}

export function entryHash(crypto: Crypto, entry: AuditEntry): string {
  return toHex(crypto.sha256(entryBytes(entry)));
}

export function entryMac(crypto: Crypto, key: Uint8Array, hash: string): string {
  return toHex(crypto.hmacSha256(key, fromHex(hash)));
}

export function checkpointMac(crypto: Crypto, key: Uint8Array, seq: number, hash: string): string {
  return toHex(crypto.hmacSha256(key, concat(utf8(CHECKPOINT_LABEL), utf8(canonicalJson({ seq, hash })))));
}

/** The MAC an export puts on its head, so the newest entries cannot be cut off unnoticed. */
export function headMac(crypto: Crypto, key: Uint8Array, head: ChainHead): string {
  return toHex(crypto.hmacSha256(key, concat(utf8(HEAD_LABEL), utf8(canonicalJson({ seq: head.seq, hash: head.hash })))));
}

export function sealEntry(crypto: Crypto, key: Uint8Array, entry: AuditEntry): SealedEntry {
  const hash = entryHash(crypto, entry);
  return { ...entry, hash, mac: entryMac(crypto, key, hash) };
}

export function makeCheckpoint(crypto: Crypto, key: Uint8Array, head: ChainHead): Checkpoint {
  return { seq: head.seq, hash: head.hash, mac: checkpointMac(crypto, key, head.seq, head.hash) };
}

/** The first problem found, named by seq (or by position when the seq itself is unreadable). */
export interface ChainFault {
  /** 0-based position in the list. */
  index: number;
  seq: number | undefined;
  reason: string;
}

export interface ChainReport {
  ok: boolean;
  /** Entries checked before the first fault (all of them when ok). */
  checked: number;
  macsChecked: boolean;
  /** The last good entry. */
  head: ChainHead | undefined;
  fault?: ChainFault;
}

function hexOk(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

/** Why `raw` is not a well-formed sealed entry, or undefined when it is. */
export function entryShapeProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'is not an object';
  const e = raw as Record<string, unknown>;
  const allowed = new Set<string>([...ENTRY_KEYS, 'hash', 'mac']);
  for (const key of Object.keys(e)) if (!allowed.has(key)) return `has an unexpected field "${key}"`;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) return 'field "seq" must be a whole number >= 1';
  const time = e.time as Record<string, unknown> | undefined;
  if (typeof time !== 'object' || time === null || !Number.isFinite(time.boot) || !Number.isFinite(time.mono) || (time.wall !== undefined && !Number.isFinite(time.wall))) {
    return 'field "time" must be {boot, mono, wall?} with numbers';
  }
  for (const name of ['actor', 'action', 'subject'] as const) if (typeof e[name] !== 'string') return `field "${name}" must be a string`;
  if (typeof e.details !== 'object' || e.details === null || Array.isArray(e.details)) return 'field "details" must be an object';
  for (const name of ['prev', 'hash', 'mac'] as const) if (!hexOk(e[name])) return `field "${name}" must be 64 lowercase hex digits`;
  return undefined;
}

/**
 * Verifies a contiguous run of entries starting after `checkpoint` (or at seq
 * 1 from GENESIS when there is none): each entry's shape, seq continuity, prev
 * link, recomputed hash, and, when `key` is given, its MAC and the
 * checkpoint's MAC. Stops at the first fault and names it.
 */
export function verifyChain(crypto: Crypto, entries: readonly unknown[], checkpoint: Checkpoint | null | undefined, key?: Uint8Array): ChainReport {
  const macsChecked = key !== undefined;
  let expectSeq = 1;
  let expectPrev = GENESIS;
  if (checkpoint) {
    if (!Number.isSafeInteger(checkpoint.seq) || checkpoint.seq < 0 || !hexOk(checkpoint.hash) || !hexOk(checkpoint.mac)) {
      return { ok: false, checked: 0, macsChecked, head: undefined, fault: { index: -1, seq: undefined, reason: 'the checkpoint is malformed (needs seq, and hash and mac as 64 hex digits)' } };
    }
    if (key && !constantTimeEqual(fromHex(checkpointMac(crypto, key, checkpoint.seq, checkpoint.hash)), fromHex(checkpoint.mac))) {
      return { ok: false, checked: 0, macsChecked, head: undefined, fault: { index: -1, seq: checkpoint.seq, reason: 'the checkpoint MAC does not match: it was not written by this hub, or was altered' } };
    }
    expectSeq = checkpoint.seq + 1;
    expectPrev = checkpoint.hash;
  }
  let head: ChainHead | undefined = checkpoint ? { seq: checkpoint.seq, hash: checkpoint.hash } : undefined;
  for (let index = 0; index < entries.length; index++) {
    const raw = entries[index];
    const seqField = (raw as { seq?: unknown } | null)?.seq;
    const seq = Number.isSafeInteger(seqField) ? (seqField as number) : undefined;
    const fail = (reason: string): ChainReport => ({ ok: false, checked: index, macsChecked, head, fault: { index, seq, reason } });
    const shape = entryShapeProblem(raw);
    if (shape) return fail(`the entry ${shape}`);
    const entry = raw as SealedEntry;
    if (entry.seq !== expectSeq) {
      const later = entries.slice(index + 1).some((other) => (other as { seq?: unknown } | null)?.seq === expectSeq);
      if (later) return fail(`seq ${entry.seq} where ${expectSeq} was expected: entry ${expectSeq} comes later, the entries were reordered`);
      return fail(entry.seq > expectSeq
        ? `seq ${entry.seq} follows ${expectSeq - 1}: ${entry.seq - expectSeq === 1 ? `entry ${expectSeq} is` : `entries ${expectSeq}..${entry.seq - 1} are`} missing`
        : `seq ${entry.seq} where ${expectSeq} was expected: the entry is repeated or out of order`);
    }
    if (!constantTimeEqual(entry.prev, expectPrev)) return fail(`its prev (${entry.prev.slice(0, 12)}...) is not the hash of entry ${expectSeq - 1} (${expectPrev.slice(0, 12)}...)`);
    const hash = entryHash(crypto, entry);
    if (!constantTimeEqual(hash, entry.hash)) return fail(`its content does not match its hash: the entry was altered`);
    if (key && !constantTimeEqual(entryMac(crypto, key, hash), entry.mac)) return fail('its MAC does not match: it was not written by this hub, or was altered');
    head = { seq: entry.seq, hash };
    expectSeq = entry.seq + 1;
    expectPrev = hash;
  }
  return { ok: true, checked: entries.length, macsChecked, head };
}
