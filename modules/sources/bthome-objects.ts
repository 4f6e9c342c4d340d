/**
 * The BTHome v2 object table (https://bthome.io/format/), transcribed from
 * Bluetooth-Devices/bthome-ble src/bthome_ble/const.py (MEAS_TYPES, release
 * 3.20.0: object ids 0x00-0x64) and src/bthome_ble/event.py (button and
 * dimmer events), plus the format's device-information objects 0xF0-0xF2.
 *
 * Each row: [object id, field name, kind, bytes, signed, decimals].
 * Numbers are little-endian; the value is raw / 10^decimals (0x58 is the one
 * object whose factor is not a power of ten: raw * 0.35). Field names follow
 * bthome-ble's keys, except where one name would mean two units or kinds
 * (mass_kg/mass_lb, distance_mm/distance_m, volume_l/volume_ml, power_on,
 * gas_detected, moisture_detected), so a contract can tell them apart.
 */

/** numeric, binary (0/1), button event, dimmer event, UTF-8 text, raw bytes, packet id, seconds since the epoch, device information. */
export type ObjectKind = 'number' | 'binary' | 'button' | 'dimmer' | 'text' | 'raw' | 'packet' | 'timestamp' | 'info';

export interface ObjectSpec {
  readonly id: number;
  readonly name: string;
  readonly kind: ObjectKind;
  /** Value bytes; 0 for text and raw, whose first byte gives the length. */
  readonly bytes: number;
  readonly signed: boolean;
  readonly decimals: number;
  /** Multiplier applied before rounding to `decimals`, when the factor is not 10^-decimals. */
  readonly multiplier?: number;
}

type Row = readonly [id: number, name: string, kind: ObjectKind, bytes: number, signed?: boolean, decimals?: number];

const TABLE_ROWS: readonly Row[] = Object.freeze<Row[]>([
  [0x00, 'packet_id', 'packet', 1],
  [0x01, 'battery', 'number', 1],
  [0x02, 'temperature', 'number', 2, true, 2],
  [0x03, 'humidity', 'number', 2, false, 2],
  [0x04, 'pressure', 'number', 3, false, 2],
  [0x05, 'illuminance', 'number', 3, false, 2],
  [0x06, 'mass_kg', 'number', 2, false, 2],
  [0x07, 'mass_lb', 'number', 2, false, 2],
  [0x08, 'dew_point', 'number', 2, true, 2],
  [0x09, 'count', 'number', 1],
  [0x0a, 'energy', 'number', 3, false, 3],
  [0x0b, 'power', 'number', 3, false, 2],
  [0x0c, 'voltage', 'number', 2, false, 3],
  [0x0d, 'pm25', 'number', 2],
  [0x0e, 'pm10', 'number', 2],
  [0x0f, 'generic', 'binary', 1],
  [0x10, 'power_on', 'binary', 1],
  [0x11, 'opening', 'binary', 1],
  [0x12, 'co2', 'number', 2],
  [0x13, 'voc', 'number', 2],
  [0x14, 'moisture', 'number', 2, false, 2],
  [0x15, 'battery_low', 'binary', 1],
  [0x16, 'battery_charging', 'binary', 1],
  [0x17, 'carbon_monoxide', 'binary', 1],
  [0x18, 'cold', 'binary', 1],
  [0x19, 'connectivity', 'binary', 1],
  [0x1a, 'door', 'binary', 1],
  [0x1b, 'garage_door', 'binary', 1],
  [0x1c, 'gas_detected', 'binary', 1],
  [0x1d, 'heat', 'binary', 1],
  [0x1e, 'light', 'binary', 1],
  [0x1f, 'lock', 'binary', 1],
  [0x20, 'moisture_detected', 'binary', 1],
  [0x21, 'motion', 'binary', 1],
  [0x22, 'moving', 'binary', 1],
  [0x23, 'occupancy', 'binary', 1],
  [0x24, 'plug', 'binary', 1],
  [0x25, 'presence', 'binary', 1],
  [0x26, 'problem', 'binary', 1],
  [0x27, 'running', 'binary', 1],
  [0x28, 'safety', 'binary', 1],
  [0x29, 'smoke', 'binary', 1],
  [0x2a, 'sound', 'binary', 1],
  [0x2b, 'tamper', 'binary', 1],
  [0x2c, 'vibration', 'binary', 1],
  [0x2d, 'window', 'binary', 1],
  [0x2e, 'humidity', 'number', 1],
  [0x2f, 'moisture', 'number', 1],
  [0x3a, 'button', 'button', 1],
  [0x3c, 'dimmer', 'dimmer', 2],
  [0x3d, 'count', 'number', 2],
  [0x3e, 'count', 'number', 4],
  [0x3f, 'rotation', 'number', 2, true, 1],
  [0x40, 'distance_mm', 'number', 2],
  [0x41, 'distance_m', 'number', 2, false, 1],
  [0x42, 'duration', 'number', 3, false, 3],
  [0x43, 'current', 'number', 2, false, 3],
  [0x44, 'speed', 'number', 2, false, 2],
  [0x45, 'temperature', 'number', 2, true, 1],
  [0x46, 'uv_index', 'number', 1, false, 1],
  [0x47, 'volume_l', 'number', 2, false, 1],
  [0x48, 'volume_ml', 'number', 2],
  [0x49, 'volume_flow_rate', 'number', 2, false, 3],
  [0x4a, 'voltage', 'number', 2, false, 1],
  [0x4b, 'gas', 'number', 3, false, 3],
  [0x4c, 'gas', 'number', 4, false, 3],
  [0x4d, 'energy', 'number', 4, false, 3],
  [0x4e, 'volume_l', 'number', 4, false, 3],
  [0x4f, 'water', 'number', 4, false, 3],
  [0x50, 'timestamp', 'timestamp', 4],
  [0x51, 'acceleration', 'number', 2, false, 3],
  [0x52, 'gyroscope', 'number', 2, false, 3],
  [0x53, 'text', 'text', 0],
  [0x54, 'raw', 'raw', 0],
  [0x55, 'volume_storage', 'number', 4, false, 3],
  [0x56, 'conductivity', 'number', 2],
  [0x57, 'temperature', 'number', 1, true, 0],
  [0x58, 'temperature', 'number', 1, true, 2], // factor 0.35: see multiplier below
  [0x59, 'count', 'number', 1, true],
  [0x5a, 'count', 'number', 2, true],
  [0x5b, 'count', 'number', 4, true],
  [0x5c, 'power', 'number', 4, true, 2],
  [0x5d, 'current', 'number', 2, true, 3],
  [0x5e, 'direction', 'number', 2, false, 2],
  [0x5f, 'precipitation', 'number', 2, false, 1],
  [0x60, 'channel', 'number', 1],
  [0x61, 'rotational_speed', 'number', 2],
  [0x62, 'speed', 'number', 4, true, 6],
  [0x63, 'acceleration', 'number', 4, true, 6],
  [0x64, 'light_level', 'number', 1],
  // Device information (bthome.io format, "Device information"): parsed for length, not readings.
  [0xf0, 'device_type_id', 'info', 2],
  [0xf1, 'firmware_version', 'info', 4],
  [0xf2, 'firmware_version', 'info', 3],
]);
/** Rows frozen too: Moddable preloads this module and nothing may change it afterwards. */
const ROWS: readonly Row[] = Object.freeze(TABLE_ROWS.map((row) => Object.freeze(row)));

/** Button events of object 0x3A (event.py BUTTON_EVENTS); 0x00 means "no event" for that button. */
export const BUTTON_EVENTS: Readonly<Record<number, string>> = Object.freeze({
  0x01: 'press',
  0x02: 'double_press',
  0x03: 'triple_press',
  0x04: 'long_press',
  0x05: 'long_double_press',
  0x06: 'long_triple_press',
  0x80: 'hold_press',
});

/** Dimmer events of object 0x3C (event.py DIMMER_EVENTS); the second byte is the number of steps. */
export const DIMMER_EVENTS: Readonly<Record<number, string>> = Object.freeze({
  0x01: 'rotate_left',
  0x02: 'rotate_right',
});

function objectTable(): readonly (ObjectSpec | undefined)[] {
  const table: (ObjectSpec | undefined)[] = new Array(256).fill(undefined);
  for (const [id, name, kind, bytes, signed = false, decimals = 0] of ROWS) {
    table[id] = Object.freeze({ id, name, kind, bytes, signed, decimals, ...(id === 0x58 ? { multiplier: 0.35 } : {}) });
  }
  return Object.freeze(table);
}

/**
 * Built once, when the module loads, and frozen: Moddable's preload keeps it
 * in flash. Built per decoder it took ~12 KB of the ESP32's RAM.
 */
const OBJECT_TABLE = objectTable();

/** The table indexed by object id (a frozen array of 256 slots; undefined where the format defines nothing), shared by every caller. */
export function buildObjectTable(): readonly (ObjectSpec | undefined)[] {
  return OBJECT_TABLE;
}

/** Scales a raw integer to the object's value, free of binary-fraction noise (2506 -> 25.06, not 25.060000000000002). */
export function scaleValue(spec: ObjectSpec, raw: number): number {
  if (spec.multiplier !== undefined) {
    const power = 10 ** spec.decimals;
    return Math.round(raw * spec.multiplier * power) / power;
  }
  return spec.decimals === 0 ? raw : raw / 10 ** spec.decimals;
}

/** The raw integer that encodes `value` (the simulator's inverse of scaleValue). */
export function unscaleValue(spec: ObjectSpec, value: number): number {
  if (spec.multiplier !== undefined) return Math.round(value / spec.multiplier);
  return Math.round(value * 10 ** spec.decimals);
}
