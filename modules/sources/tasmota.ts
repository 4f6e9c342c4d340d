/**
 * Tasmota over the home's broker.
 *
 * - `tele/<topic>/SENSOR`: JSON with one object per sensor
 *   ({"Time":"2026-01-01T12:00:00","AM2301":{"Temperature":21.3},"ENERGY":{...}}),
 *   flattened to dotted fields ("AM2301.Temperature", "ENERGY.Power").
 * - `tele/<topic>/LWT`: "Online"/"Offline": the device's availability.
 * - every other telemetry suffix (STATE, INFO1, RESULT, ...) is ignored.
 *
 * The full-topic layout is Tasmota's `FullTopic` setting: `%prefix%` and
 * `%topic%` (one topic level each) placed anywhere, e.g. "%prefix%/%topic%/"
 * (the default), "%topic%/%prefix%/" or "home/%prefix%/%topic%/".
 * `%hostname%` and `%id%` match one level each.
 *
 * Time: Tasmota's "Time" has no time zone (it is the device's local time,
 * under a Timezone setting the hub does not know), so it is never used for
 * the stamp and is not a field: readings carry the hub's stamp (wall time
 * when known, else boot count and monotonic ms), like every other source.
 */
import type { Reading } from '../reading.js';
import type { SourceContext } from './context.js';
import { availabilityOf, emitReadings, recordAvailability, type MqttDecoder } from './decoder.js';
import { flattenJson, type FieldList } from './fields.js';
import { decodeJson, decodeText } from './limits.js';

export interface TasmotaConfig {
  /** Tasmota's FullTopic; default "%prefix%/%topic%/". Must contain %prefix% and %topic%. */
  fullTopic?: string;
  /** Tasmota's telemetry prefix (Prefix3); default "tele". */
  telemetryPrefix?: string;
}

const SOURCE = 'tasmota';
const NOT_MEASUREMENTS: readonly string[] = Object.freeze(['Time']);

export function createTasmota(config: TasmotaConfig, context: SourceContext): MqttDecoder {
  const layout = config.fullTopic ?? '%prefix%/%topic%/';
  const tele = config.telemetryPrefix ?? 'tele';
  if (!layout.includes('%prefix%') || !layout.includes('%topic%') || /[#+]/.test(layout)) {
    throw new RangeError(`tasmota: fullTopic "${layout}" must contain %prefix% and %topic% and no MQTT wildcards`);
  }
  if (tele === '' || /[/#+]/.test(tele)) throw new RangeError(`tasmota: telemetryPrefix "${tele}" must be one topic level`);
  const withSlash = layout.endsWith('/') ? layout : `${layout}/`;
  const pattern = new RegExp(
    '^' +
      withSlash
        .split(/(%prefix%|%topic%|%hostname%|%id%)/)
        .map((part) => {
          if (part === '%prefix%') return escapeRegExp(tele);
          if (part === '%topic%') return '([^/]+)';
          if (part === '%hostname%' || part === '%id%') return '[^/]+';
          return escapeRegExp(part);
        })
        .join('') +
      '([^/]+)$',
  );
  const filter = (suffix: string) =>
    withSlash.replace('%prefix%', tele).replace(/%topic%|%hostname%|%id%/g, '+') + suffix;
  const { counters, limits, gate } = context;

  function drop(reason: Parameters<typeof counters.dropped>[1]): Reading[] {
    counters.dropped(SOURCE, reason);
    return [];
  }

  return {
    source: SOURCE,
    subscriptions: [filter('SENSOR'), filter('LWT')],
    accepts: (topic) => pattern.test(topic),
    handleMessage(topic: string, payload: Uint8Array): Reading[] {
      const match = pattern.exec(topic);
      if (!match) return [];
      counters.received(SOURCE);
      const device = `tasmota:${match[1]!}`;
      const suffix = match[2]!;
      if (suffix === 'LWT') {
        const text = decodeText(payload, limits.maxPayloadBytes);
        recordAvailability(context, SOURCE, device, text.ok ? availabilityOf(text.value) : undefined);
        return [];
      }
      if (suffix !== 'SENSOR') {
        counters.ignored(SOURCE);
        return [];
      }
      if (!gate.admit(device)) return drop('rate-limited');
      const decoded = decodeJson(payload, limits.maxPayloadBytes, limits.maxDepth);
      if (!decoded.ok) return drop(decoded.reason);
      const value = decoded.value;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return drop('not-object');
      const fields: FieldList = [];
      if (!flattenJson(value, limits.maxFields, fields, '', NOT_MEASUREMENTS)) return drop('too-many-fields');
      return emitReadings(context, SOURCE, device, fields);
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
