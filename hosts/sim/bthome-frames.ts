/**
 * Builds BTHome v2 service data the way a device would, plain or encrypted:
 * for tests, the bench, the replay files and the demo. Portable (no Node).
 */
import { concat, fromHex } from '../../modules/bytes.js';
import type { Crypto } from '../../modules/host.js';
import { BUTTON_EVENTS, buildObjectTable, DIMMER_EVENTS, unscaleValue } from '../../modules/sources/bthome-objects.js';

/** One object: its id and value (a number in the object's unit, a boolean, an event name, or text). */
export type SimObject = readonly [id: number, value: number | boolean | string, steps?: number];

export interface SimFrameOptions {
  objects: readonly SimObject[];
  /** Adds object 0x00 first. */
  packetId?: number;
  /** Sets the trigger-based flag (bit 2). */
  triggerBased?: boolean;
  /** Writes the MAC into the frame (bit 1), as devices with random addresses do. */
  includeMac?: string;
  /** Encrypts with this key; `mac` and `counter` make the nonce. */
  encrypt?: { crypto: Crypto; key: Uint8Array; mac: string; counter: number };
}

/** Object bytes (id + value) for the objects, in the given order. */
export function encodeObjects(objects: readonly SimObject[]): Uint8Array {
  const table = buildObjectTable();
  const parts: Uint8Array[] = [];
  for (const [id, value, steps] of objects) {
    const spec = table[id];
    if (!spec) throw new RangeError(`simulator: object id 0x${id.toString(16)} is not in the BTHome table`);
    if (spec.kind === 'text') {
      const text = new TextEncoder().encode(String(value));
      parts.push(new Uint8Array([id, text.length]), text);
      continue;
    }
    if (spec.kind === 'raw') {
      const raw = fromHex(String(value));
      parts.push(new Uint8Array([id, raw.length]), raw);
      continue;
    }
    let raw: number;
    if (spec.kind === 'button' || spec.kind === 'dimmer') {
      const events = spec.kind === 'button' ? BUTTON_EVENTS : DIMMER_EVENTS;
      const code = Object.keys(events).find((k) => events[Number(k)] === value);
      raw = code === undefined ? Number(value) || 0 : Number(code);
      if (spec.kind === 'dimmer') raw |= ((steps ?? 0) & 0xff) << 8;
    } else if (typeof value === 'boolean') {
      raw = value ? 1 : 0;
    } else {
      raw = unscaleValue(spec, Number(value));
    }
    const bytes = new Uint8Array(1 + spec.bytes);
    bytes[0] = id;
    let rest = raw < 0 ? raw + 2 ** (8 * spec.bytes) : raw;
    for (let k = 1; k <= spec.bytes; k++) {
      bytes[k] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    parts.push(bytes);
  }
  return concat(...parts);
}

/** Service data (after the UUID) of one advertisement. */
export function buildBthomeFrame(options: SimFrameOptions): Uint8Array {
  const objects = options.packetId === undefined ? options.objects : [[0x00, options.packetId] as SimObject, ...options.objects];
  const payload = encodeObjects(objects);
  const info = 0x40 | (options.encrypt ? 1 : 0) | (options.includeMac ? 2 : 0) | (options.triggerBased ? 4 : 0);
  const macField = options.includeMac ? fromHex(options.includeMac.replace(/[:-]/g, '')).reverse() : new Uint8Array(0);
  if (!options.encrypt) return concat(new Uint8Array([info]), macField, payload);
  const { crypto, key, mac, counter } = options.encrypt;
  const counterBytes = new Uint8Array([counter & 0xff, (counter >>> 8) & 0xff, (counter >>> 16) & 0xff, (counter >>> 24) & 0xff]);
  const nonce = concat(fromHex(mac.replace(/[:-]/g, '')), new Uint8Array([0xd2, 0xfc, info]), counterBytes);
  const sealed = crypto.aesCcmSeal(key, nonce, payload, new Uint8Array(0), 4);
  return concat(new Uint8Array([info]), macField, sealed.subarray(0, sealed.length - 4), counterBytes, sealed.subarray(sealed.length - 4));
}
