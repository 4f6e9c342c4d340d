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

/** What the hub knows about a device; sources fill a registry of these, the data map reads it. */
export interface DeviceInfo {
  /** The same id as Reading.device. */
  id: string;
  /** The name the household gave it, e.g. "Kitchen plug". */
  name?: string;
  model?: string;
  vendor?: string;
  /** Which adapter found it: "zigbee2mqtt", "tasmota", "esphome", "bthome". */
  source: string;
  /** The streams its readings belong to. */
  streams: string[];
}
