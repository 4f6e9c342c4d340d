/**
 * ESPHome's MQTT component over the home's broker.
 *
 * - `<prefix>/sensor/<object_id>/state`: a number as text ("21.5"); "nan"
 *   (ESPHome's "no value yet") and other non-numbers are dropped as "not-number".
 * - `<prefix>/binary_sensor/<object_id>/state` and `<prefix>/switch/<object_id>/state`: "ON"/"OFF".
 * - `<prefix>/text_sensor/<object_id>/state`: text.
 * - `<prefix>/status`: "online"/"offline" (ESPHome's birth and last-will messages).
 *
 * `<prefix>` is the node's `topic_prefix` (its name by default) and may
 * contain "/". With `nodes` configured only those prefixes are accepted
 * (recommended: it keeps `+/status` from catching other systems' topics);
 * without, any prefix is.
 * Device ids are "esphome:<prefix>"; the field is the object id.
 */
import type { FieldValue, Reading } from '../reading.js';
import type { SourceContext } from './context.js';
import { availabilityOf, emitReadings, recordAvailability, type MqttDecoder } from './decoder.js';
import { decodeText } from './limits.js';

export interface EsphomeConfig {
  /** Topic prefixes of the ESPHome nodes to accept; all when absent. */
  nodes?: readonly string[];
}

const SOURCE = 'esphome';
const COMPONENTS: readonly string[] = Object.freeze(['sensor', 'binary_sensor', 'switch', 'text_sensor']);
const NUMBER = (): RegExp => /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

interface Parsed {
  prefix: string;
  component?: string;
  objectId?: string;
}

function parseTopic(topic: string): Parsed | undefined {
  const parts = topic.split('/');
  const n = parts.length;
  if (n >= 2 && parts[n - 1] === 'status') {
    const prefix = parts.slice(0, n - 1).join('/');
    return prefix === '' ? undefined : { prefix };
  }
  if (n >= 4 && parts[n - 1] === 'state' && COMPONENTS.includes(parts[n - 3]!)) {
    const prefix = parts.slice(0, n - 3).join('/');
    const objectId = parts[n - 2]!;
    return prefix === '' || objectId === '' ? undefined : { prefix, component: parts[n - 3]!, objectId };
  }
  return undefined;
}

export function createEsphome(config: EsphomeConfig, context: SourceContext): MqttDecoder {
  const nodes = config.nodes ? new Set(config.nodes) : undefined;
  for (const node of nodes ?? []) {
    if (node === '' || /[#+]/.test(node)) throw new RangeError(`esphome: node prefix "${node}" must be non-empty without MQTT wildcards`);
  }
  const { counters, limits, gate } = context;
  const accepted = (topic: string) => {
    const parsed = parseTopic(topic);
    return parsed && (!nodes || nodes.has(parsed.prefix)) ? parsed : undefined;
  };

  function drop(reason: Parameters<typeof counters.dropped>[1]): Reading[] {
    counters.dropped(SOURCE, reason);
    return [];
  }

  return {
    source: SOURCE,
    subscriptions: nodes
      ? [...nodes].flatMap((node) => [`${node}/status`, `${node}/+/+/state`])
      : ['+/status', '+/sensor/+/state', '+/binary_sensor/+/state', '+/switch/+/state', '+/text_sensor/+/state'],
    accepts: (topic) => accepted(topic) !== undefined,
    handleMessage(topic: string, payload: Uint8Array): Reading[] {
      const parsed = accepted(topic);
      if (!parsed) return [];
      counters.received(SOURCE);
      const device = `esphome:${parsed.prefix}`;
      const text = decodeText(payload, limits.maxPayloadBytes);
      if (parsed.component === undefined) {
        recordAvailability(context, SOURCE, device, text.ok ? availabilityOf(text.value) : undefined);
        return [];
      }
      if (!gate.admit(device)) return drop('rate-limited');
      if (!text.ok) return drop(text.reason);
      let value: FieldValue;
      const trimmed = text.value.trim();
      if (parsed.component === 'sensor') {
        if (!NUMBER().test(trimmed)) return drop('not-number');
        value = Number(trimmed);
        if (!Number.isFinite(value)) return drop('not-number');
      } else if (parsed.component === 'text_sensor') {
        value = text.value;
      } else if (trimmed === 'ON' || trimmed === 'OFF') {
        value = trimmed === 'ON';
      } else {
        return drop('bad-value');
      }
      return emitReadings(context, SOURCE, device, [[parsed.objectId!, value]]);
    },
  };
}
