/**
 * From device payloads to readings: flatten JSON to dotted scalar fields,
 * sort fields into streams, stamp the time. Shared by every source so a
 * temperature is "climate" whichever gateway reported it.
 */
import type { Clock } from '../host.js';
import type { FieldValue, Reading, Stamp } from '../reading.js';
import { setOwn } from '../own.js';

/** The hub's stamp now: wall time when known, always boot count and monotonic ms. */
export function stampNow(clock: Clock): Stamp {
  const wall = clock.wallTime();
  const stamp: Stamp = { boot: clock.bootCount, mono: clock.monotonic() };
  if (wall !== undefined) stamp.wall = wall;
  return stamp;
}

export type FieldList = [name: string, value: FieldValue][];

/**
 * Flattens a JSON value into dotted names ("ENERGY.Power", "color.x";
 * array items by index, "Power.0"). Returns false when more than `maxFields`
 * fields would result (the caller drops the message as "too-many-fields").
 * `skip` names top-level keys that are not measurements (Tasmota's "Time").
 */
export function flattenJson(value: unknown, maxFields: number, out: FieldList, prefix = '', skip?: readonly string[]): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
    if (out.length >= maxFields) return false;
    out.push([prefix, value]);
    return true;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!flattenJson(value[i], maxFields, out, prefix === '' ? String(i) : `${prefix}.${i}`)) return false;
    }
    return true;
  }
  if (typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (prefix === '' && skip?.includes(key)) continue;
      const name = prefix === '' ? key : `${prefix}.${key}`;
      if (!flattenJson((value as Record<string, unknown>)[key], maxFields, out, name)) return false;
    }
  }
  return true;
}

/**
 * Which stream a field belongs to, from the words of its name (split on
 * anything not a letter or digit, lower-cased) and, where a word means two
 * things, from its value: boolean "moisture" is a leak, numeric is soil.
 * The first rule that matches wins; docs/sources.md lists them.
 */
export function streamOf(name: string, value: FieldValue): string {
  const words = name.toLowerCase().split(/[^a-z0-9]+/);
  const has = (...candidates: string[]) => candidates.some((c) => words.includes(c));
  const isBoolean = typeof value === 'boolean';
  if (has('battery', 'batterylow')) return 'battery';
  if (has('leak', 'waterleak', 'flood') || (isBoolean && has('moisture', 'water'))) return 'leak';
  // "lock" is a door lock's state, not a setting such as a plug's child_lock.
  if (has('contact', 'door', 'window', 'opening', 'garage') || (has('lock') && (isBoolean || has('state')))) return 'door';
  if (has('occupancy', 'motion', 'presence', 'moving', 'pir', 'vibration')) return 'motion';
  if (has('smoke', 'tamper', 'safety', 'carbon', 'co') || (isBoolean && has('gas'))) return 'safety';
  if (has('action', 'button', 'click', 'dimmer', 'event')) return 'button';
  if (has('temperature', 'humidity', 'pressure', 'dewpoint', 'dew', 'tempunit', 'pressureunit', 'cold', 'heat', 'precipitation')) {
    return 'climate';
  }
  if (has('co2', 'voc', 'tvoc', 'pm25', 'pm10', 'pm1', 'formaldehyd', 'aqi', 'eco2')) return 'air';
  if (has('moisture', 'conductivity', 'soil')) return 'soil';
  if (has('power', 'energy', 'voltage', 'current', 'factor', 'apparentpower', 'reactivepower', 'plug')) return 'power';
  if (has('gas', 'water', 'volume', 'flow')) return 'meter';
  if (has('illuminance', 'lux', 'light', 'uv', 'brightness')) return 'light';
  if (has('linkquality', 'rssi', 'lqi', 'signal')) return 'signal';
  return 'other';
}

/** One reading per stream, fields in arrival order, streams in first-seen order. */
export function groupIntoReadings(device: string, fields: FieldList, time: Stamp): Reading[] {
  const byStream = new Map<string, Record<string, FieldValue>>();
  for (const [name, value] of fields) {
    const stream = streamOf(name, value);
    let group = byStream.get(stream);
    if (!group) {
      group = {};
      byStream.set(stream, group);
    }
    setOwn(group, name, value);
  }
  const readings: Reading[] = [];
  for (const [stream, group] of byStream) readings.push({ device, stream, time, fields: group });
  return readings;
}
