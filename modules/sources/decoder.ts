/** The shape every MQTT source shares, and the last step they all take. */
import type { DeviceSource, Reading } from '../reading.js';
import type { SourceContext } from './context.js';
import { groupIntoReadings, stampNow, type FieldList } from './fields.js';
import type { DevicePatch } from './registry.js';

export interface MqttDecoder {
  readonly source: DeviceSource;
  /** MQTT topic filters the transport subscribes to for this source. */
  readonly subscriptions: readonly string[];
  /** True when `topic` is this source's to handle (the transport routes by it). */
  accepts(topic: string): boolean;
  /**
   * Turns one message into readings. Never throws: a message it cannot use
   * is counted by reason in the context's counters and yields no reading.
   * A topic it does not accept yields nothing and is not counted.
   */
  handleMessage(topic: string, payload: Uint8Array): Reading[];
}

/**
 * Sorts a device's fields into readings, records the device and its streams
 * in the registry, and counts. A full registry refuses new devices.
 */
export function emitReadings(context: SourceContext, source: DeviceSource, device: string, fields: FieldList, patch: DevicePatch = {}): Reading[] {
  if (fields.length === 0) {
    context.counters.ignored(source);
    return [];
  }
  const readings = groupIntoReadings(device, fields, stampNow(context.clock));
  if (!context.registry.upsert(device, source, { ...patch, streams: readings.map((r) => r.stream) })) {
    context.counters.dropped(source, 'too-many-devices');
    return [];
  }
  context.counters.readings(source, readings.length);
  return readings;
}

/** Reads "online"/"offline" (any case, surrounding blanks allowed); undefined otherwise. */
export function availabilityOf(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (word === 'online') return true;
  if (word === 'offline') return false;
  return undefined;
}

/** Records availability for a device, counting the message as carrying no reading. */
export function recordAvailability(context: SourceContext, source: DeviceSource, device: string, available: boolean | undefined): void {
  if (available === undefined) {
    context.counters.dropped(source, 'bad-value');
    return;
  }
  if (!context.registry.upsert(device, source, { available })) {
    context.counters.dropped(source, 'too-many-devices');
    return;
  }
  context.counters.ignored(source);
}
