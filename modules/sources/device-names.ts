/**
 * Names the household gives, on the page, to devices whose gateway offers
 * none: Tasmota topics, ESPHome node names and BTHome MAC addresses are what
 * the hub hears, not "Office plug". zigbee2mqtt devices carry their
 * `friendly_name` and are renamed in zigbee2mqtt, so they are not named here.
 *
 * All names are kept in one key-value store value (NVS on the board: one
 * entry, written only when the owner names something), as JSON pairs
 * `[device id, name]`. Bounded: at most MAX_NAMED_DEVICES names of at most
 * MAX_DEVICE_NAME_LENGTH characters, and the value stays under
 * MAX_NAMES_BYTES so it fits NVS's 4000-byte values with room to spare.
 */
import * as v from 'valibot';
import type { KeyValueStore } from '../host.js';
import type { DeviceSource } from '../reading.js';

const DOMAIN = 'devnames';
const KEY = 'names';
export const MAX_DEVICE_NAME_LENGTH = 32;
export const MAX_DEVICE_ID_LENGTH = 64;
export const MAX_NAMED_DEVICES = 48;
export const MAX_NAMES_BYTES = 3000;
export const NAMEABLE_SOURCES: readonly DeviceSource[] = Object.freeze(['tasmota', 'esphome', 'bthome'] as const);

/** What the page sends to name a device; an empty name clears the given name. */
export interface DeviceNameRequest {
  device: string;
  name: string;
}

export type NamingOutcome =
  | { ok: true; name: string | undefined; previous: string | undefined }
  | { ok: false; code: 'not-nameable' | 'too-many-names' | 'no-room'; reason: string };

/**
 * No control characters (C0, DEL, C1) nor line or paragraph separators. A loop, not a RegExp: in XS
 * (xsnap 8.2), a negated class whose range starts at NUL, `/[^\x00-\x1f]/`, matches "\n" anyway.
 */
function printable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return false;
  }
  return true;
}

function requestSchema() {
  return v.object({
    device: v.pipe(
      v.string('"device" must be the device\'s id as text'),
      v.minLength(1, '"device" is required: the id the data map shows, e.g. "tasmota:plug_office"'),
      v.maxLength(MAX_DEVICE_ID_LENGTH, `"device" is at most ${MAX_DEVICE_ID_LENGTH} characters`),
    ),
    name: v.pipe(
      v.string('"name" must be text (send "" to clear the name)'),
      v.trim(),
      v.maxLength(MAX_DEVICE_NAME_LENGTH, `"name" is at most ${MAX_DEVICE_NAME_LENGTH} characters; choose a shorter one`),
      // Control characters and line breaks would break the page's layout and the audit log's one-line entries.
      v.check(printable, '"name" must not contain control characters or line breaks'),
    ),
  });
}

/** Checks a naming request; the error names what to fix. */
export function parseDeviceNameRequest(body: unknown): { ok: true; value: DeviceNameRequest } | { ok: false; reason: string } {
  const parsed = v.safeParse(requestSchema(), body);
  if (parsed.success) return { ok: true, value: parsed.output };
  // A missing key gets valibot's generic "Invalid key" text: say which field to send instead.
  const reason = parsed.issues.map((issue) => (issue.input === undefined && issue.path?.length ? `"${String(issue.path[0]!.key)}" is required` : issue.message));
  return { ok: false, reason: reason.join('; ') };
}

/** The source a device id names ("tasmota:plug" → "tasmota"), or undefined. */
export function sourceOfDeviceId(id: string): DeviceSource | undefined {
  const prefix = id.slice(0, id.indexOf(':'));
  if (prefix === 'z2m') return 'zigbee2mqtt';
  return (NAMEABLE_SOURCES as readonly string[]).includes(prefix) ? (prefix as DeviceSource) : undefined;
}

export class DeviceNames {
  readonly #store: KeyValueStore;

  constructor(powers: { store: KeyValueStore }) {
    this.#store = powers.store;
  }

  /** Every given name, as [device id, name], in the order they were first given. */
  list(): [string, string][] {
    const raw = this.#store.get(DOMAIN, KEY);
    if (typeof raw !== 'string') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return [];
    }
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((pair): pair is [string, string] => Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string')
      .slice(0, MAX_NAMED_DEVICES);
  }

  get(id: string): string | undefined {
    return this.list().find(([device]) => device === id)?.[1];
  }

  /**
   * Gives `id` the name (trimmed; empty clears it). `source` is the device's
   * source as the registry knows it. Refuses, changing nothing, a device
   * whose names come from its gateway, a new name beyond the count, and a
   * set of names that would no longer fit the store value.
   */
  give(id: string, source: DeviceSource, name: string): NamingOutcome {
    if (!NAMEABLE_SOURCES.includes(source)) {
      return { ok: false, code: 'not-nameable', reason: `"${id}" is a zigbee2mqtt device: the hub shows the friendly_name zigbee2mqtt gives it. Rename it in zigbee2mqtt (its page or bridge/request/device/rename); nothing was changed here.` };
    }
    const names = this.list();
    const at = names.findIndex(([device]) => device === id);
    const previous = at >= 0 ? names[at]![1] : undefined;
    const next = names.filter(([device]) => device !== id);
    const clean = name.trim();
    if (clean !== '') {
      if (at < 0 && names.length >= MAX_NAMED_DEVICES) {
        return { ok: false, code: 'too-many-names', reason: `The hub keeps names for at most ${MAX_NAMED_DEVICES} devices and has that many; clear the name of a device you no longer have first. Nothing was changed.` };
      }
      if (at >= 0) next.splice(at, 0, [id, clean]);
      else next.push([id, clean]);
    }
    const value = JSON.stringify(next);
    const bytes = new TextEncoder().encode(value).length;
    if (bytes > MAX_NAMES_BYTES) {
      return { ok: false, code: 'no-room', reason: `The hub's room for device names (${MAX_NAMES_BYTES} bytes) is full; choose a shorter name or clear another device's. Nothing was changed.` };
    }
    if (next.length === 0) this.#store.delete(DOMAIN, KEY);
    else this.#store.set(DOMAIN, KEY, value);
    return { ok: true, name: clean === '' ? undefined : clean, previous };
  }
}
