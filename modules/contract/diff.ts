/**
 * Field-by-field difference between two versions of a contract, each change
 * classified as widening (more data, finer data, kept longer, used for more,
 * shared with more, sent elsewhere) or narrowing, with a sentence for the
 * homeowner. The rule is conservative: a change whose direction cannot be
 * told is widening, so it waits for the owner. Paths name the contract's own
 * fields ("vendorStorage.retentionDays", "streams.power.fields.watts.transform").
 */
import { deliveryUrl } from './terms.js';
import { compareTransforms, describeDuration, describeTransform } from './transforms.js';
import type { Contract, FieldRule, Transform } from './types.js';

export type ChangeDirection = 'widening' | 'narrowing';

export interface ContractChange {
  direction: ChangeDirection;
  /** Where in the contract: "streams.power.fields.watts.transform", "vendorStorage.retentionDays", ... */
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

/** A larger number widens (kept longer, more bytes held, a later deadline, a longer audit interval). */
function numberChange(out: ContractChange[], path: string, old: number, next: number, what: string, say: (n: number) => string): void {
  if (old === next) return;
  out.push({ direction: next > old ? 'widening' : 'narrowing', path, summary: `${what} would change from ${say(old)} to ${say(next)}.` });
}

function transformChange(out: ContractChange[], path: string, subject: string, old: Transform, next: Transform): void {
  const cmp = compareTransforms(old, next);
  if (cmp === 'same') return;
  const how = `${subject} would change from "${describeTransform(old)}" to "${describeTransform(next)}"`;
  const why = cmp === 'finer' ? ' (more detailed)' : cmp === 'coarser' ? ' (less detailed)' : old.kind === 'pseudonymize' ? ' (no longer pseudonymized)' : ' (a different kind of transform; treated as widening)';
  out.push({ direction: cmp === 'coarser' ? 'narrowing' : 'widening', path, summary: `${how}${why}.` });
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
  transformChange(out, `${path}.transform`, `"${name}" from ${stream} devices`, old.transform, next.transform);
  if (old.purpose !== next.purpose) {
    out.push({ direction: 'widening', path: `${path}.purpose`, summary: `"${name}" from ${stream} devices would be used for "${next.purpose}" instead of "${old.purpose}".` });
  }
}

/** The time a stream's records carry: the reading's own (to the millisecond) unless the stream coarsens it. */
function timeChange(out: ContractChange[], stream: string, old: Contract['streams'][number]['time'], next: Contract['streams'][number]['time']): void {
  const keep: Transform = { kind: 'keep' };
  transformChange(out, `streams.${stream}.time`, `The time of ${stream} records`, old ?? keep, next ?? keep);
}

const hours = (n: number) => `${n} hours`;
const days = (n: number) => `${n} days`;

export function describeDiff(old: Contract, next: Contract): ContractDiff {
  const out: ContractChange[] = [];
  const oldStreams = new Map(old.streams.map((s) => [s.stream, s]));
  const newStreams = new Map(next.streams.map((s) => [s.stream, s]));
  for (const stream of new Set([...oldStreams.keys(), ...newStreams.keys()])) {
    const a = oldStreams.get(stream);
    const b = newStreams.get(stream);
    const aFields = a?.fields ?? {};
    const bFields = b?.fields ?? {};
    for (const name of new Set([...Object.keys(aFields), ...Object.keys(bFields)])) fieldChanges(out, stream, name, aFields[name], bFields[name]);
    // A stream added or dropped is said by its fields; its time matters only while it is sent.
    if (a && b) timeChange(out, stream, a.time, b.time);
  }
  const oldPurposes = new Map(old.purposes.map((p) => [p.id, p]));
  const newPurposes = new Map(next.purposes.map((p) => [p.id, p]));
  for (const [id, p] of newPurposes) {
    const before = oldPurposes.get(id);
    if (!before) {
      out.push({ direction: 'widening', path: `purposes.${id}`, summary: `Adds a new purpose "${id}": ${p.description}.` });
      continue;
    }
    if (before.requiresConsent !== p.requiresConsent) {
      out.push(p.requiresConsent
        ? { direction: 'narrowing', path: `purposes.${id}.requiresConsent`, summary: `Purpose "${id}" would need your consent.` }
        : { direction: 'widening', path: `purposes.${id}.requiresConsent`, summary: `Purpose "${id}" would no longer ask for your consent.` });
    }
    if (before.description !== p.description) {
      out.push({ direction: 'widening', path: `purposes.${id}.description`, summary: `Purpose "${id}" would be described as "${p.description}" instead of "${before.description}".` });
    }
  }
  for (const id of oldPurposes.keys()) if (!newPurposes.has(id)) out.push({ direction: 'narrowing', path: `purposes.${id}`, summary: `Drops the purpose "${id}".` });

  numberChange(out, 'hubBuffer.maxAgeSeconds', old.hubBuffer.maxAgeSeconds, next.hubBuffer.maxAgeSeconds, 'How long records may wait in the hub', describeDuration);
  numberChange(out, 'hubBuffer.maxBytes', old.hubBuffer.maxBytes, next.hubBuffer.maxBytes, 'How much the hub may hold for the vendor', (n) => `${n} bytes`);
  if (old.hubBuffer.whenFull !== next.hubBuffer.whenFull) {
    out.push({ direction: 'widening', path: 'hubBuffer.whenFull', summary: `When the hub's buffer is full it would ${next.hubBuffer.whenFull === 'drop-oldest' ? 'drop the oldest' : 'drop the newest'} records instead of the ${old.hubBuffer.whenFull === 'drop-oldest' ? 'oldest' : 'newest'}.` });
  }
  numberChange(out, 'vendorStorage.retentionDays', old.vendorStorage.retentionDays, next.vendorStorage.retentionDays, 'How long the vendor keeps your data', days);
  const oldShare = new Set(old.vendorStorage.onwardSharing.map((r) => r.name));
  const newShare = new Set(next.vendorStorage.onwardSharing.map((r) => r.name));
  for (const r of newShare) if (!oldShare.has(r)) out.push({ direction: 'widening', path: 'vendorStorage.onwardSharing', summary: `The vendor would share your data onward with "${r}".` });
  for (const r of oldShare) if (!newShare.has(r)) out.push({ direction: 'narrowing', path: 'vendorStorage.onwardSharing', summary: `The vendor would stop sharing your data with "${r}".` });
  const oldTarget = deliveryUrl(old);
  const newTarget = deliveryUrl(next);
  if (oldTarget !== newTarget) {
    out.push({ direction: 'widening', path: 'delivery', summary: `Data would be sent to ${newTarget} instead of ${oldTarget}.` });
  }
  numberChange(out, 'breachNotification.deadlineHours', old.breachNotification.deadlineHours, next.breachNotification.deadlineHours, 'The deadline to tell you about a breach', hours);
  numberChange(out, 'audit.reauditIntervalMonths', old.audit.reauditIntervalMonths, next.audit.reauditIntervalMonths, 'How often the vendor must be audited', (n) => `every ${n} months`);

  out.sort((x, y) => (x.direction === y.direction ? 0 : x.direction === 'widening' ? -1 : 1));
  const widening = out.some((c) => c.direction === 'widening');
  return { changes: out, widening, summary: out.length ? out.map((c) => c.summary).join(' ') : 'No change in what is sent, how, or for how long.' };
}
