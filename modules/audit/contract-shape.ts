/**
 * Every assumption the audit modules make about a contract's shape, in one
 * place. The real contract type lives in modules/contract/ (built in
 * parallel); adapt this file to it when merging, and the diff, change
 * management, incidents, audit rights and exit code follow.
 */

/**
 * A field transform. Strings for the parameterless ones; objects with `kind`
 * for the generalizing ones. A smaller `step`/`seconds`/`width`/`windowSeconds`
 * is finer; more location `decimals` is finer.
 */
export type TransformLike =
  | 'keep'
  | 'pseudonymize'
  | { kind: 'round'; step: number }
  | { kind: 'bucket'; width: number }
  | { kind: 'coarsen-time'; seconds: number }
  | { kind: 'coarsen-location'; decimals: number }
  | { kind: 'aggregate'; windowSeconds: number; fn?: string }
  | { kind: string; [param: string]: unknown };

export interface FieldRule {
  transform: TransformLike;
  /** The purpose id this field is sent for. */
  purpose: string;
}

export interface PurposeLike {
  id: string;
  consentRequired?: boolean;
  description?: string;
}

export interface ContractLike {
  /** The integration this contract is for. */
  id: string;
  version: number | string;
  purposes: PurposeLike[];
  streams: { stream: string; fields: Record<string, FieldRule> }[];
  buffering?: { maxAgeHours?: number; [limit: string]: unknown };
  vendor?: { name?: string; retentionDays?: number; onwardSharing?: string[] };
  endpoint?: { url: string; [setting: string]: unknown };
  /** Breach notification: hours after discovery; 72 when unstated (GDPR Art. 33). */
  incidents?: { notificationHours?: number; commandTopic?: string };
  /** Audit rights: when the vendor was last audited and how often it must be. */
  audit?: { lastAudit?: string; intervalDays?: number };
}

/** The numeric parameter of a generalizing transform and which way is finer. */
interface Granularity {
  kind: string;
  value: number | undefined;
  smallerIsFiner: boolean;
}

const PARAMETER: Record<string, { name: string; smallerIsFiner: boolean; unit: string }> = {
  round: { name: 'step', smallerIsFiner: true, unit: '' },
  bucket: { name: 'width', smallerIsFiner: true, unit: '' },
  'coarsen-time': { name: 'seconds', smallerIsFiner: true, unit: ' s' },
  'coarsen-location': { name: 'decimals', smallerIsFiner: false, unit: ' decimals' },
  aggregate: { name: 'windowSeconds', smallerIsFiner: true, unit: ' s window' },
};

function granularity(t: TransformLike): Granularity {
  if (typeof t === 'string') return { kind: t, value: undefined, smallerIsFiner: true };
  const p = PARAMETER[t.kind];
  const raw = p ? (t as Record<string, unknown>)[p.name] : undefined;
  return { kind: t.kind, value: typeof raw === 'number' ? raw : undefined, smallerIsFiner: p?.smallerIsFiner ?? true };
}

/** A transform in words, for the homeowner. */
export function describeTransform(t: TransformLike): string {
  if (t === 'keep') return 'the exact value';
  if (t === 'pseudonymize') return 'a pseudonym';
  const g = granularity(t);
  const p = PARAMETER[g.kind];
  switch (g.kind) {
    case 'round': return `rounded to ${g.value}`;
    case 'bucket': return `in buckets of ${g.value}`;
    case 'coarsen-time': return `time coarsened to ${g.value} s`;
    case 'coarsen-location': return `location to ${g.value} decimals`;
    case 'aggregate': return `aggregated over ${g.value} s`;
    default: return `transformed by "${g.kind}"${p ? ` (${g.value}${p.unit})` : ''}`;
  }
}

/**
 * How the new transform compares with the old. 'different' means the
 * direction cannot be told (e.g. rounding replaced by bucketing, or a
 * pseudonym replaced by a generalization); callers treat it as widening.
 */
export function compareTransforms(old: TransformLike, next: TransformLike): 'same' | 'finer' | 'coarser' | 'different' {
  if (JSON.stringify(old) === JSON.stringify(next)) return 'same';
  if (next === 'keep') return 'finer';
  if (old === 'keep') return 'coarser';
  const a = granularity(old);
  const b = granularity(next);
  if (a.kind !== b.kind || a.value === undefined || b.value === undefined) return 'different';
  if (a.value === b.value) return 'different'; // same grain, other settings changed (e.g. aggregate fn)
  return (b.value < a.value) === a.smallerIsFiner ? 'finer' : 'coarser';
}

/** Notification deadline in hours: the contract's, or 72 (GDPR Art. 33) when unstated. */
export function notificationHours(contract: ContractLike | undefined): number {
  const hours = contract?.incidents?.notificationHours;
  return typeof hours === 'number' && hours > 0 ? hours : 72;
}

/** The data categories a contract lets leave the home: "<stream>.<field>". */
export function dataCategories(contract: ContractLike | undefined): string[] {
  const out: string[] = [];
  for (const s of contract?.streams ?? []) for (const field of Object.keys(s.fields)) out.push(`${s.stream}.${field}`);
  return out;
}
