/**
 * A contract's field transforms read two ways: in words for the homeowner,
 * and against each other, to tell whether a new version sends a field in
 * finer (more revealing) or coarser form (change management, ./diff.ts).
 */
import type { Transform } from './types.js';

/** A transform in words, for the homeowner (the data map, the page, change summaries). */
export function describeTransform(t: Transform): string {
  switch (t.kind) {
    case 'keep':
      return 'sent as measured';
    case 'round':
      return `rounded to the nearest ${t.step}`;
    case 'bucket':
      return `only the range is sent (ranges split at ${t.edges.join(', ')})`;
    case 'clamp':
      return t.min !== undefined && t.max !== undefined
        ? `limited to between ${t.min} and ${t.max}`
        : t.min !== undefined
          ? `values below ${t.min} are sent as ${t.min}`
          : `values above ${t.max} are sent as ${t.max}`;
    case 'coarsenTime':
      return `time rounded down to ${t.amount} ${t.amount === 1 ? t.unit.slice(0, -1) : t.unit}`;
    case 'coarsenLocation':
      return t.method === 'grid'
        ? `location snapped to a grid of ${t.degrees}° (about ${Math.round(t.degrees * 111)} km)`
        : `location reduced to a ${t.precision}-character geohash (an area about ${geohashSize(t.precision)} across)`;
    case 'aggregate':
      return `only the ${t.function === 'mean' ? 'average' : t.function === 'count' ? 'number of readings' : t.function === 'sum' ? 'total' : t.function + 'imum'} per ${describeDuration(t.windowSeconds)} is sent`;
    case 'pseudonymize':
      return 'replaced by a code unique to this company (it cannot be linked to other companies\' codes)';
  }
}

const GEOHASH_KM = [5000, 1250, 156, 39, 4.9, 1.2, 0.153, 0.038, 0.0048, 0.0012, 0.00015, 0.000037];

function geohashSize(precision: number): string {
  const km = GEOHASH_KM[precision - 1] ?? 0;
  return km >= 1 ? `${km} km` : `${Math.round(km * 1000 * 10) / 10} m`;
}

/** A whole number of seconds in the largest unit that divides it: "1 day", "15 minutes", "90 seconds". */
export function describeDuration(seconds: number): string {
  if (seconds % 86400 === 0) return seconds === 86400 ? '1 day' : `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

const TIME_UNIT_SECONDS = { minutes: 60, hours: 3600 } as const;

export type TransformComparison = 'same' | 'finer' | 'coarser' | 'different';

/** -1: `next` is finer, 1: coarser, 0: the same grain, undefined: cannot be told. */
type Grain = -1 | 0 | 1 | undefined;

/** A smaller number is finer (a rounding step, a window, a grid cell). */
const smallerIsFiner = (old: number, next: number): Grain => (next < old ? -1 : next > old ? 1 : 0);

/** Every old edge kept and more added splits the range finer; a subset is coarser. */
function edgesGrain(old: readonly number[], next: readonly number[]): Grain {
  const a = new Set(old);
  const b = new Set(next);
  const nextHasAll = old.every((e) => b.has(e));
  const oldHasAll = next.every((e) => a.has(e));
  if (nextHasAll && oldHasAll) return 0;
  if (nextHasAll) return -1;
  if (oldHasAll) return 1;
  return undefined;
}

/** A clamp that lets a wider range through is finer; a bound left out is no bound. */
function clampGrain(old: { min?: number; max?: number }, next: { min?: number; max?: number }): Grain {
  const lo = (x: { min?: number }) => x.min ?? -Infinity;
  const hi = (x: { max?: number }) => x.max ?? Infinity;
  const wider = lo(next) <= lo(old) && hi(next) >= hi(old);
  const narrower = lo(next) >= lo(old) && hi(next) <= hi(old);
  if (wider && narrower) return 0;
  if (wider) return -1;
  if (narrower) return 1;
  return undefined;
}

function grain(old: Transform, next: Transform): Grain {
  switch (old.kind) {
    case 'round':
      return next.kind === 'round' ? smallerIsFiner(old.step, next.step) : undefined;
    case 'bucket':
      return next.kind === 'bucket' ? edgesGrain(old.edges, next.edges) : undefined;
    case 'clamp':
      return next.kind === 'clamp' ? clampGrain(old, next) : undefined;
    case 'coarsenTime':
      return next.kind === 'coarsenTime' ? smallerIsFiner(old.amount * TIME_UNIT_SECONDS[old.unit], next.amount * TIME_UNIT_SECONDS[next.unit]) : undefined;
    case 'coarsenLocation':
      if (next.kind !== 'coarsenLocation' || next.method !== old.method) return undefined;
      // More geohash characters, or a smaller grid cell, is finer.
      return old.method === 'grid' ? smallerIsFiner(old.degrees, (next as { degrees: number }).degrees) : smallerIsFiner(-old.precision, -(next as { precision: number }).precision);
    case 'aggregate':
      return next.kind === 'aggregate' && next.function === old.function ? smallerIsFiner(old.windowSeconds, next.windowSeconds) : undefined;
    default:
      return undefined;
  }
}

/**
 * How the new transform of a field compares with the old. 'different' means
 * the direction cannot be told (rounding replaced by bucketing, a pseudonym
 * replaced by a generalization, another aggregate function); callers treat it
 * as widening.
 */
export function compareTransforms(old: Transform, next: Transform): TransformComparison {
  if (JSON.stringify(old) === JSON.stringify(next)) return 'same';
  if (next.kind === 'keep') return 'finer';
  if (old.kind === 'keep') return 'coarser';
  const g = grain(old, next);
  return g === -1 ? 'finer' : g === 1 ? 'coarser' : 'different';
}
