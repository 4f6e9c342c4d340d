/**
 * Checks a reading before the pipeline touches it. Sources are meant to
 * produce clean readings, but device traffic is untrusted: anything odd is
 * named by one reason, counted, and the reading skipped.
 */
import type { Reading } from '../reading.js';

export const READING_LIMITS = Object.freeze({
  maxFields: 32,
  maxStringLength: 256,
  /** Beyond this a number is a glitch or an attack, and past 2^53 it is no longer exact. */
  maxAbsNumber: 1e15,
  maxNameLength: 128,
});

export type MalformedReason =
  | 'notAnObject'
  | 'badDevice'
  | 'badStream'
  | 'badTime'
  | 'badFields'
  | 'tooManyFields'
  | 'badFieldName'
  | 'nesting'
  | 'wrongType'
  | 'notFinite'
  | 'hugeNumber'
  | 'longString';

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= READING_LIMITS.maxNameLength;
}

function isTime(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { wall, boot, mono } = value as Record<string, unknown>;
  const okCount = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= Number.MAX_SAFE_INTEGER;
  return okCount(boot) && okCount(mono) && (wall === undefined || okCount(wall));
}

/** The first reason `input` is not a usable Reading, or undefined when it is one. */
export function checkReading(input: unknown): MalformedReason | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'notAnObject';
  const r = input as Record<string, unknown>;
  if (!isName(r.device)) return 'badDevice';
  if (!isName(r.stream)) return 'badStream';
  if (!isTime(r.time)) return 'badTime';
  const fields = r.fields;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return 'badFields';
  const names = Object.keys(fields);
  if (names.length > READING_LIMITS.maxFields) return 'tooManyFields';
  for (const name of names) {
    if (!isName(name)) return 'badFieldName';
    const value = (fields as Record<string, unknown>)[name];
    switch (typeof value) {
      case 'number':
        if (!Number.isFinite(value)) return 'notFinite';
        if (Math.abs(value) > READING_LIMITS.maxAbsNumber) return 'hugeNumber';
        break;
      case 'string':
        if (value.length > READING_LIMITS.maxStringLength) return 'longString';
        break;
      case 'boolean':
        break;
      case 'object':
        if (value !== null) return 'nesting';
        break;
      default:
        return 'wrongType';
    }
  }
  return undefined;
}

/** Narrowing helper for callers that checked. */
export function isReading(input: unknown): input is Reading {
  return checkReading(input) === undefined;
}
