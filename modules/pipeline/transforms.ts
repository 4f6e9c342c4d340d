/**
 * Per-value generalizing transforms, compiled once per contract field so the
 * per-record path is one function call. Each returns the generalized value, or
 * `undefined` when the value cannot be generalized that way (a string where a
 * number was expected): the caller then drops the field, because a value the
 * contract meant to blur must never leave sharp.
 *
 * `aggregate` and `pseudonymize` need state and keys; the pipeline does them.
 */
import type { Transform } from '../contract/types.js';
import type { FieldValue } from '../reading.js';

export type ValueTransform = (value: FieldValue) => FieldValue | undefined;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export function compileValueTransform(t: Transform): ValueTransform | undefined {
  switch (t.kind) {
    case 'keep':
      return (value) => value;
    case 'round':
      return roundTo(t.step);
    case 'bucket':
      return bucketBy(t.edges);
    case 'clamp': {
      const min = t.min ?? -Infinity;
      const max = t.max ?? Infinity;
      return (value) => (typeof value === 'number' ? Math.min(max, Math.max(min, value)) : undefined);
    }
    case 'coarsenTime': {
      const step = coarsenTimeStep(t.unit, t.amount);
      return (value) => (typeof value === 'number' ? floorTo(value, step) : undefined);
    }
    case 'coarsenLocation':
      return t.method === 'grid' ? gridLocation(t.degrees) : geohashLocation(t.precision);
    case 'aggregate':
    case 'pseudonymize':
      return undefined;
  }
}

export function coarsenTimeStep(unit: 'minutes' | 'hours', amount: number): number {
  return amount * (unit === 'hours' ? HOUR_MS : MINUTE_MS);
}

export function floorTo(value: number, step: number): number {
  return Math.floor(value / step) * step;
}

/** Decimal places of a step like 0.05 (2), so 0.1 + 0.2 style noise is rounded away. */
function decimalsOf(step: number): number {
  const text = String(step);
  const exp = /e-(\d+)$/.exec(text);
  if (exp) return Number(exp[1]);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : Math.min(15, text.length - dot - 1);
}

function roundTo(step: number): ValueTransform {
  const factor = 10 ** decimalsOf(step);
  return (value) => (typeof value === 'number' ? Math.round(Math.round(value / step) * step * factor) / factor : undefined);
}

/** Labels: `<e0`, `[e0,e1)`, ..., `>=en`. */
function bucketBy(edges: readonly number[]): ValueTransform {
  const labels = [`<${edges[0]}`];
  for (let i = 1; i < edges.length; i++) labels.push(`[${edges[i - 1]},${edges[i]})`);
  labels.push(`>=${edges[edges.length - 1]}`);
  return (value) => {
    if (typeof value !== 'number') return undefined;
    let i = 0;
    while (i < edges.length && value >= edges[i]!) i++;
    return labels[i]!;
  };
}

/** "lat,lon" as sources write a position; undefined when it is not one. */
export function parseLatLon(value: FieldValue): [number, number] | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = value.split(',');
  if (parts.length !== 2) return undefined;
  const lat = Number(parts[0]);
  const lon = Number(parts[1]);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  return [lat, lon];
}

/** Snaps to the south-west corner of a grid cell; a bare number is one coordinate. */
function gridLocation(degrees: number): ValueTransform {
  const snap = roundTo(degrees / 1e6); // only to strip float noise after flooring
  const floor = (x: number) => snap(floorTo(x, degrees)) as number;
  return (value) => {
    if (typeof value === 'number') return floor(value);
    const position = parseLatLon(value);
    return position ? `${floor(position[0])},${floor(position[1])}` : undefined;
  };
}

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/** Standard geohash (Niemeyer): interleaved longitude/latitude bisection, 5 bits a character. */
export function geohash(lat: number, lon: number, precision: number): string {
  let latLo = -90;
  let latHi = 90;
  let lonLo = -180;
  let lonHi = 180;
  let out = '';
  let bits = 0;
  let char = 0;
  let evenBit = true;
  while (out.length < precision) {
    if (evenBit) {
      const mid = (lonLo + lonHi) / 2;
      if (lon >= mid) {
        char = char * 2 + 1;
        lonLo = mid;
      } else {
        char *= 2;
        lonHi = mid;
      }
    } else {
      const mid = (latLo + latHi) / 2;
      if (lat >= mid) {
        char = char * 2 + 1;
        latLo = mid;
      } else {
        char *= 2;
        latHi = mid;
      }
    }
    evenBit = !evenBit;
    if (++bits === 5) {
      out += BASE32[char]!;
      bits = 0;
      char = 0;
    }
  }
  return out;
}

function geohashLocation(precision: number): ValueTransform {
  return (value) => {
    const position = parseLatLon(value);
    return position ? geohash(position[0], position[1], precision) : undefined;
  };
}
