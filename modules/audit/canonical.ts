/**
 * Canonical JSON: the byte form an audit entry is hashed in.
 *
 * Why JSON and not CBOR: cbor-x (the project's CBOR library) has no
 * deterministic mode. It writes map keys in insertion order and floats as
 * float64 whatever their value, so two encoders of the same entry may
 * disagree, and an auditor could not recompute a hash without our exact code.
 * This form follows RFC 8785 (JSON Canonicalization Scheme) for the values an
 * entry may hold: object keys sorted by UTF-16 code units, no whitespace,
 * strings and numbers as ECMAScript's JSON.stringify writes them. Any
 * language can reproduce it. (Entries are still stored on flash as CBOR.)
 */

export class CanonicalError extends Error {
  override name = 'CanonicalError';
}

/** What an entry's `details` may hold: JSON values with finite numbers. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The canonical text of `value`. Object keys whose value is `undefined` are
 * left out (as JSON.stringify does); anything JSON cannot represent exactly
 * (NaN, Infinity, bigint, functions, byte arrays, class instances) is refused,
 * naming the path, so what is hashed is always what an export can carry.
 */
export function canonicalJson(value: unknown, path = '$'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalError(`${path}: ${value} is not a finite number; JSON cannot carry it`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new CanonicalError(`${path}: a ${typeof value} cannot be written as JSON; use a string, number, boolean, null, array or plain object`);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => (item === undefined ? 'null' : canonicalJson(item, `${path}[${i}]`))).join(',')}]`;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalError(`${path}: a ${proto?.constructor?.name ?? 'non-plain'} object cannot be written as JSON; convert it (bytes to hex) first`);
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k], `${path}.${k}`)}`).join(',')}}`;
}

/** `value` as the JSON value its canonical text denotes (drops undefined keys, copies). */
export function toJsonValue(value: unknown, path = '$'): JsonValue {
  return JSON.parse(canonicalJson(value, path)) as JsonValue;
}
