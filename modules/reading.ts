/**
 * A normalized reading: what every source adapter produces and the pipeline
 * consumes, whatever the device spoke (zigbee2mqtt JSON, Tasmota, ESPHome,
 * BTHome). Field values are JSON-like scalars only; nesting is flattened by
 * the source with dotted names ("ENERGY.Power").
 */

export type FieldValue = number | string | boolean | null;

/** When a reading happened: wall time when known, else boot counter + monotonic ms. */
export interface Stamp {
  /** Wall-clock ms since the epoch, if the hub knew the time. */
  wall?: number;
  boot: number;
  /** Monotonic ms since that boot. */
  mono: number;
}

export interface Reading {
  /** The hub's id for the device (stable across restarts), e.g. "z2m:0x00158d0001a2b3c4". */
  device: string;
  /** What kind of data: the contract names streams, e.g. "climate", "power", "door", "leak". */
  stream: string;
  time: Stamp;
  fields: Readonly<Record<string, FieldValue>>;
}

/** Where a device's readings come from. */
export type DeviceSource = 'zigbee2mqtt' | 'tasmota' | 'esphome' | 'bthome';

/** What the hub knows about a device: the data map and the page show it. */
export interface DeviceInfo {
  /** Stable id, prefixed by source: "z2m:<ieee or name>", "tasmota:<topic>", "esphome:<node>", "bthome:<mac>". */
  id: string;
  /** The name the household gave it, when known: zigbee2mqtt's friendly name, or (in `Hub.dataMap()`) one given on the page (modules/sources/device-names.ts). */
  name?: string;
  model?: string;
  vendor?: string;
  source: DeviceSource;
  /** The streams this device has produced readings for. */
  streams: string[];
  /** Last availability the device (or its gateway) announced, when it announces one. */
  available?: boolean;
}
