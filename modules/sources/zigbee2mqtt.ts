/**
 * zigbee2mqtt over the home's broker.
 *
 * - `<base>/<friendly_name>`: a device's state as a JSON object (friendly
 *   names may contain "/"), flattened to fields and sorted into streams.
 * - `<base>/<friendly_name>/<attribute>`: zigbee2mqtt's "attribute" output
 *   mode, one plain value per topic; recognised for devices named in
 *   `bridge/devices`.
 * - `<base>/<friendly_name>/availability`: "online"/"offline" or
 *   {"state":"online"}: recorded in the registry, not a reading.
 * - `<base>/<friendly_name>/set|get[/...]`: commands to devices: ignored.
 * - `<base>/bridge/devices`: fills the registry (IEEE address, friendly name,
 *   model, vendor); `<base>/bridge/state`: "online" or {"state":"online"};
 *   every other `bridge/*` topic is ignored: none is a reading.
 *
 * Device ids are "z2m:<ieee_address>" once `bridge/devices` has named the
 * device (retained, so it arrives on subscribe), else "z2m:<friendly_name>".
 */
import type { Reading } from '../reading.js';
import type { SourceContext } from './context.js';
import { availabilityOf, emitReadings, recordAvailability, type MqttDecoder } from './decoder.js';
import { flattenJson, type FieldList } from './fields.js';
import { decodeJson, decodeText } from './limits.js';

export interface Zigbee2MqttConfig {
  /** zigbee2mqtt's `mqtt.base_topic`; default "zigbee2mqtt". */
  baseTopic?: string;
}

export interface Zigbee2MqttDecoder extends MqttDecoder {
  /** The bridge's last announced state, if any. */
  bridgeState(): 'online' | 'offline' | undefined;
  /** Friendly names known from `bridge/devices` (at most the context's `maxDevices`). */
  knownDevices(): number;
}

interface KnownDevice {
  ieee: string;
}

const SOURCE = 'zigbee2mqtt';
const COMMAND = (): RegExp => /\/(set|get)(\/.*)?$/;

export function createZigbee2Mqtt(config: Zigbee2MqttConfig, context: SourceContext): Zigbee2MqttDecoder {
  const base = config.baseTopic ?? 'zigbee2mqtt';
  if (base === '' || base.includes('#') || base.includes('+') || base.endsWith('/')) {
    throw new RangeError(`zigbee2mqtt: baseTopic "${base}" must be a non-empty topic without wildcards or a trailing "/"`);
  }
  const prefix = `${base}/`;
  const { counters, limits, registry, gate } = context;
  let known = new Map<string, KnownDevice>();
  let bridge: 'online' | 'offline' | undefined;

  const deviceId = (friendlyName: string) => `z2m:${known.get(friendlyName)?.ieee ?? friendlyName}`;

  function handleBridge(subtopic: string, payload: Uint8Array): void {
    if (subtopic === 'devices') return void handleDevices(payload);
    if (subtopic === 'state') {
      const state = stateOf(payload, limits.maxPayloadBytes);
      if (state === undefined) return void counters.dropped(SOURCE, 'bad-value');
      bridge = state ? 'online' : 'offline';
    }
    counters.ignored(SOURCE);
  }

  function handleDevices(payload: Uint8Array): void {
    const decoded = decodeJson(payload, limits.maxRegistryPayloadBytes, limits.maxRegistryDepth);
    if (!decoded.ok) return void counters.dropped(SOURCE, decoded.reason);
    if (!Array.isArray(decoded.value)) return void counters.dropped(SOURCE, 'not-object');
    const next = new Map<string, KnownDevice>();
    let refused = false;
    for (const entry of decoded.value as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const { ieee_address: ieee, friendly_name: name, type, definition } = entry as Record<string, unknown>;
      if (typeof ieee !== 'string' || typeof name !== 'string' || ieee === '' || name === '' || type === 'Coordinator') continue;
      // The names known are bounded like the registry: a device beyond is refused (and counted) below.
      if (!next.has(name) && next.size >= limits.maxDevices) {
        refused = true;
        continue;
      }
      next.set(name, { ieee });
      const def = typeof definition === 'object' && definition !== null ? (definition as Record<string, unknown>) : {};
      // A device first heard of by name now has its stable id: drop the name-keyed entry.
      if (!known.has(name) && registry.get(`z2m:${name}`)?.source === SOURCE) registry.remove(`z2m:${name}`);
      const accepted = registry.upsert(`z2m:${ieee}`, SOURCE, {
        name,
        model: typeof def.model === 'string' ? def.model : undefined,
        vendor: typeof def.vendor === 'string' ? def.vendor : undefined,
      });
      refused ||= !accepted;
    }
    known = next;
    if (refused) counters.dropped(SOURCE, 'too-many-devices');
    else counters.ignored(SOURCE);
  }

  function handleDevice(rest: string, payload: Uint8Array): Reading[] {
    let name = rest;
    let attribute: string | undefined;
    if (!known.has(rest)) {
      const cut = rest.lastIndexOf('/');
      if (cut > 0 && known.has(rest.slice(0, cut))) {
        name = rest.slice(0, cut);
        attribute = rest.slice(cut + 1);
      }
    }
    const device = deviceId(name);
    if (!gate.admit(device)) {
      counters.dropped(SOURCE, 'rate-limited');
      return [];
    }
    const fields: FieldList = [];
    if (attribute !== undefined) {
      const text = decodeText(payload, limits.maxPayloadBytes);
      if (!text.ok) return drop(text.reason);
      fields.push([attribute, scalarOf(text.value)]);
    } else {
      const decoded = decodeJson(payload, limits.maxPayloadBytes, limits.maxDepth);
      if (!decoded.ok) return drop(decoded.reason);
      const value = decoded.value;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return drop('not-object');
      if (!flattenJson(value, limits.maxFields, fields)) return drop('too-many-fields');
    }
    return emitReadings(context, SOURCE, device, fields, { name });
  }

  function drop(reason: Parameters<typeof counters.dropped>[1]): Reading[] {
    counters.dropped(SOURCE, reason);
    return [];
  }

  return {
    source: SOURCE,
    subscriptions: [`${base}/#`],
    accepts: (topic) => topic.startsWith(prefix),
    bridgeState: () => bridge,
    knownDevices: () => known.size,
    handleMessage(topic: string, payload: Uint8Array): Reading[] {
      if (!topic.startsWith(prefix)) return [];
      counters.received(SOURCE);
      const rest = topic.slice(prefix.length);
      if (rest === '' || rest.startsWith('/') || rest.endsWith('/')) return drop('bad-topic');
      if (rest.startsWith('bridge/')) {
        handleBridge(rest.slice('bridge/'.length), payload);
        return [];
      }
      if (COMMAND().test(rest)) {
        counters.ignored(SOURCE);
        return [];
      }
      if (rest.endsWith('/availability')) {
        const name = rest.slice(0, -'/availability'.length);
        recordAvailability(context, SOURCE, deviceId(name), stateOf(payload, limits.maxPayloadBytes));
        return [];
      }
      return handleDevice(rest, payload);
    },
  };
}

/** "online"/"offline" as plain text or as {"state": "online"}; undefined when neither. */
function stateOf(payload: Uint8Array, maxBytes: number): boolean | undefined {
  const text = decodeText(payload, maxBytes);
  if (!text.ok) return undefined;
  const plain = availabilityOf(text.value);
  if (plain !== undefined) return plain;
  const decoded = decodeJson(payload, maxBytes, 2);
  if (!decoded.ok || typeof decoded.value !== 'object' || decoded.value === null) return undefined;
  const state = (decoded.value as Record<string, unknown>).state;
  return typeof state === 'string' ? availabilityOf(state) : undefined;
}

/** An attribute-mode value: JSON scalars as such ("21.5", "true", "null"), anything else as text. */
function scalarOf(text: string): string | number | boolean | null {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  if (trimmed === 'null') return null;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(trimmed)) {
    const number = Number(trimmed);
    if (Number.isFinite(number)) return number;
  }
  return text;
}
