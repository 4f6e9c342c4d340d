/**
 * Field-by-field difference between two versions of a contract, each change
 * classified as widening (more data, finer data, kept longer, used for more,
 * shared with more, sent elsewhere) or narrowing, with a sentence for the
 * homeowner. The rule is conservative: a change whose direction cannot be
 * told is widening, so it waits for the owner.
 */
import { compareTransforms, describeTransform, type ContractLike, type FieldRule } from './contract-shape.js';

export type ChangeDirection = 'widening' | 'narrowing';

export interface ContractChange {
  direction: ChangeDirection;
  /** Where in the contract: "streams.power.fields.watts.transform", "vendor.retentionDays", ... */
  path: string;
  /** One plain-language sentence. */
  summary: string;
}

export interface ContractDiff {
  changes: ContractChange[];
  widening: boolean;
  /** All sentences, widening first. */
  summary: string;
}

function numberChange(out: ContractChange[], path: string, old: number | undefined, next: number | undefined, what: string, unit: string): void {
  if (old === next) return;
  // Unstated means unlimited: stating a limit narrows, dropping one widens.
  const longer = next === undefined || (old !== undefined && next > old);
  const from = old === undefined ? 'no limit' : `${old} ${unit}`;
  const to = next === undefined ? 'no limit' : `${next} ${unit}`;
  out.push({ direction: longer ? 'widening' : 'narrowing', path, summary: `${what} would change from ${from} to ${to}.` });
}

function fieldChanges(out: ContractChange[], stream: string, name: string, old: FieldRule | undefined, next: FieldRule | undefined): void {
  const path = `streams.${stream}.fields.${name}`;
  if (!old && next) {
    out.push({ direction: 'widening', path, summary: `Would newly receive "${name}" from ${stream} devices (${describeTransform(next.transform)}), for "${next.purpose}".` });
    return;
  }
  if (old && !next) {
    out.push({ direction: 'narrowing', path, summary: `Would no longer receive "${name}" from ${stream} devices.` });
    return;
  }
  if (!old || !next) return;
  const cmp = compareTransforms(old.transform, next.transform);
  if (cmp !== 'same') {
    const how = `"${name}" from ${stream} devices would be sent as ${describeTransform(next.transform)} instead of ${describeTransform(old.transform)}`;
    const why = cmp === 'finer' ? ' (more detailed)' : cmp === 'coarser' ? ' (less detailed)' : old.transform === 'pseudonymize' ? ' (no longer pseudonymized)' : ' (a different kind of transform; treated as widening)';
    out.push({ direction: cmp === 'coarser' ? 'narrowing' : 'widening', path: `${path}.transform`, summary: `${how}${why}.` });
  }
  if (old.purpose !== next.purpose) {
    out.push({ direction: 'widening', path: `${path}.purpose`, summary: `"${name}" from ${stream} devices would be used for "${next.purpose}" instead of "${old.purpose}".` });
  }
}

export function describeDiff(old: ContractLike, next: ContractLike): ContractDiff {
  const out: ContractChange[] = [];
  const oldStreams = new Map(old.streams.map((s) => [s.stream, s.fields]));
  const newStreams = new Map(next.streams.map((s) => [s.stream, s.fields]));
  for (const stream of new Set([...oldStreams.keys(), ...newStreams.keys()])) {
    const a = oldStreams.get(stream) ?? {};
    const b = newStreams.get(stream) ?? {};
    for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) fieldChanges(out, stream, name, a[name], b[name]);
  }
  const oldPurposes = new Map(old.purposes.map((p) => [p.id, p]));
  const newPurposes = new Map(next.purposes.map((p) => [p.id, p]));
  for (const [id, p] of newPurposes) {
    const before = oldPurposes.get(id);
    if (!before) {
      out.push({ direction: 'widening', path: `purposes.${id}`, summary: `Adds a new purpose "${id}"${p.description ? `: ${p.description}` : ''}.` });
      continue;
    }
    if (Boolean(before.consentRequired) !== Boolean(p.consentRequired)) {
      out.push(p.consentRequired
        ? { direction: 'narrowing', path: `purposes.${id}.consentRequired`, summary: `Purpose "${id}" would need your consent.` }
        : { direction: 'widening', path: `purposes.${id}.consentRequired`, summary: `Purpose "${id}" would no longer ask for your consent.` });
    }
    if ((before.description ?? '') !== (p.description ?? '')) {
      out.push({ direction: 'widening', path: `purposes.${id}.description`, summary: `Purpose "${id}" would be described as "${p.description ?? ''}" instead of "${before.description ?? ''}".` });
    }
  }
  for (const id of oldPurposes.keys()) if (!newPurposes.has(id)) out.push({ direction: 'narrowing', path: `purposes.${id}`, summary: `Drops the purpose "${id}".` });

  const oldBuffering = old.buffering ?? {};
  const newBuffering = next.buffering ?? {};
  for (const name of new Set([...Object.keys(oldBuffering), ...Object.keys(newBuffering)])) {
    const a = oldBuffering[name];
    const b = newBuffering[name];
    if (a === b) continue;
    if ((a === undefined || typeof a === 'number') && (b === undefined || typeof b === 'number')) {
      numberChange(out, `buffering.${name}`, a, b, name === 'maxAgeHours' ? 'How long records may wait in the hub' : `The buffering limit "${name}"`, name === 'maxAgeHours' ? 'hours' : '');
    } else {
      out.push({ direction: 'widening', path: `buffering.${name}`, summary: `The buffering setting "${name}" would change from ${JSON.stringify(a)} to ${JSON.stringify(b)}.` });
    }
  }
  numberChange(out, 'vendor.retentionDays', old.vendor?.retentionDays, next.vendor?.retentionDays, 'How long the vendor keeps your data', 'days');
  const oldShare = new Set(old.vendor?.onwardSharing ?? []);
  const newShare = new Set(next.vendor?.onwardSharing ?? []);
  for (const r of newShare) if (!oldShare.has(r)) out.push({ direction: 'widening', path: 'vendor.onwardSharing', summary: `The vendor would share your data onward with "${r}".` });
  for (const r of oldShare) if (!newShare.has(r)) out.push({ direction: 'narrowing', path: 'vendor.onwardSharing', summary: `The vendor would stop sharing your data with "${r}".` });
  if ((old.endpoint?.url ?? '') !== (next.endpoint?.url ?? '')) {
    out.push({ direction: 'widening', path: 'endpoint.url', summary: `Data would be sent to ${next.endpoint?.url ?? '(none)'} instead of ${old.endpoint?.url ?? '(none)'}.` });
  }
  numberChange(out, 'incidents.notificationHours', old.incidents?.notificationHours ?? 72, next.incidents?.notificationHours ?? 72, 'The deadline to tell you about a breach', 'hours');
  numberChange(out, 'audit.intervalDays', old.audit?.intervalDays, next.audit?.intervalDays, 'How often the vendor must be audited', 'days');

  out.sort((x, y) => (x.direction === y.direction ? 0 : x.direction === 'widening' ? -1 : 1));
  const widening = out.some((c) => c.direction === 'widening');
  return { changes: out, widening, summary: out.length ? out.map((c) => c.summary).join(' ') : 'No change in what is sent, how, or for how long.' };
}
