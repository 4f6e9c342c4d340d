/**
 * The ESP32 NVS limits, enforced by every KeyValueStore host so that nothing
 * works on the desktop that would fail on the board.
 */
import type { StoredValue } from './host.js';

export const MAX_NAME_LENGTH = 15;
export const MAX_VALUE_BYTES = 4000;

export class StoreError extends Error {
  override name = 'StoreError';
}

export function checkName(kind: 'domain' | 'key', name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH || !/^[\x21-\x7e]+$/.test(name)) {
    throw new StoreError(
      `store: ${kind} "${String(name)}" must be 1..${MAX_NAME_LENGTH} printable ASCII characters (an NVS limit)`,
    );
  }
}

export function valueSize(value: StoredValue): number {
  if (value instanceof Uint8Array) return value.length;
  if (typeof value === 'string') return new TextEncoder().encode(value).length;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new StoreError(`store: number ${value} must be a 32-bit integer (NVS stores integers); encode others as strings`);
    }
    return 4;
  }
  if (typeof value === 'boolean') return 1;
  throw new StoreError(`store: values are strings, 32-bit integers, booleans or bytes, not ${typeof value}`);
}

export function checkEntry(domain: string, key: string, value: StoredValue): void {
  checkName('domain', domain);
  checkName('key', key);
  const size = valueSize(value);
  if (size > MAX_VALUE_BYTES) {
    throw new StoreError(`store: ${domain}/${key} is ${size} bytes; NVS values are at most ${MAX_VALUE_BYTES} bytes`);
  }
}
