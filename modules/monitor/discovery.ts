/**
 * Home Assistant MQTT discovery, device-based (one retained document at
 * `homeassistant/device/<hubId>/config` with `dev`, `o` and `cmps`), so the
 * hub and all its counters appear as one device with no configuration.
 * Counters are `diagnostic` entities with `state_class: total_increasing`,
 * gauges `measurement`.
 */
import { DROP_REASONS, type MonitorSnapshot } from './status.js';
import { monitorTopics, topicSafe } from './topics.js';

type Kind = 'counter' | 'gauge' | 'text' | 'flag' | 'time';

interface Metric {
  key: string;
  name: string;
  kind: Kind;
  unit?: string;
  deviceClass?: string;
  icon?: string;
}

const INTEGRATION_METRICS: readonly Metric[] = [
  { key: 'connectivity', name: 'connectivity', kind: 'text', icon: 'mdi:cloud-check' },
  { key: 'received', name: 'received', kind: 'counter', unit: 'records', icon: 'mdi:tray-arrow-down' },
  { key: 'forwarded', name: 'forwarded', kind: 'counter', unit: 'records', icon: 'mdi:tray-arrow-up' },
  ...DROP_REASONS.map((reason): Metric => ({ key: `dropped_${reason}`, name: `dropped (${reason})`, kind: 'counter', unit: 'records', icon: 'mdi:delete-alert' })),
  { key: 'retried', name: 'retried', kind: 'counter', unit: 'attempts', icon: 'mdi:refresh' },
  { key: 'buffered_records', name: 'buffered records', kind: 'gauge', unit: 'records', icon: 'mdi:database' },
  { key: 'buffered_bytes', name: 'buffered bytes', kind: 'gauge', unit: 'B', deviceClass: 'data_size' },
  { key: 'ram_records', name: 'records in RAM only', kind: 'gauge', unit: 'records', icon: 'mdi:memory' },
  { key: 'oldest_buffered_age_s', name: 'oldest buffered age', kind: 'gauge', unit: 's', deviceClass: 'duration' },
  { key: 'last_delivery', name: 'last delivery', kind: 'time', deviceClass: 'timestamp' },
  { key: 'last_error', name: 'last error', kind: 'text', icon: 'mdi:alert-circle-outline' },
  { key: 'sla_violations', name: 'service-level violations', kind: 'counter', unit: 'violations', icon: 'mdi:scale-unbalanced' },
  { key: 'open_incidents', name: 'open incidents', kind: 'gauge', unit: 'incidents', icon: 'mdi:shield-alert' },
  { key: 'commands_accepted', name: 'vendor commands accepted', kind: 'counter', unit: 'commands', icon: 'mdi:message-check' },
  { key: 'commands_refused', name: 'vendor commands refused', kind: 'counter', unit: 'commands', icon: 'mdi:message-alert' },
  { key: 'audit_overdue', name: 'audit overdue', kind: 'flag', icon: 'mdi:clipboard-alert' },
  { key: 'pending_approval', name: 'change pending approval', kind: 'flag', icon: 'mdi:file-document-edit' },
];

const HUB_METRICS: readonly Metric[] = [
  { key: 'uplink', name: 'uplink', kind: 'text', icon: 'mdi:wan' },
  { key: 'readings_received', name: 'readings received', kind: 'counter', unit: 'readings', icon: 'mdi:access-point' },
  { key: 'malformed_inputs', name: 'malformed inputs', kind: 'counter', unit: 'messages', icon: 'mdi:alert' },
  { key: 'devices_refused', name: 'devices refused', kind: 'counter', unit: 'messages', icon: 'mdi:devices' },
  { key: 'uptime_s', name: 'uptime', kind: 'gauge', unit: 's', deviceClass: 'duration' },
  { key: 'boot_count', name: 'boots', kind: 'counter', unit: 'boots', icon: 'mdi:restart' },
  { key: 'audit_head_seq', name: 'audit log entries', kind: 'counter', unit: 'entries', icon: 'mdi:book-lock' },
];

export interface DiscoveryOptions {
  hubId: string;
  version: string;
  model: string;
  discoveryPrefix?: string;
  /** Where the installer can read more (the hub's local page, if known). */
  configurationUrl?: string;
}

function component(metric: Metric, uniqueId: string, name: string, stateTopic: string): Record<string, unknown> {
  const c: Record<string, unknown> = {
    p: metric.kind === 'flag' ? 'binary_sensor' : 'sensor',
    name,
    unique_id: uniqueId,
    // object_id gives predictable entity ids in HA (sensor.airlock_<hub>_<...>).
    object_id: uniqueId,
    state_topic: stateTopic,
    value_template:
      metric.kind === 'flag' ? `{{ 'ON' if value_json.${metric.key} else 'OFF' }}` : `{{ value_json.${metric.key} }}`,
    entity_category: 'diagnostic',
  };
  if (metric.kind === 'counter') c.state_class = 'total_increasing';
  if (metric.kind === 'gauge') c.state_class = 'measurement';
  if (metric.unit) c.unit_of_measurement = metric.unit;
  if (metric.deviceClass) c.device_class = metric.deviceClass;
  if (metric.icon) c.icon = metric.icon;
  return c;
}

/** The discovery topic and its retained JSON document for the hub's current integrations. */
export function discoveryDocument(options: DiscoveryOptions, snapshot: MonitorSnapshot): { topic: string; payload: Record<string, unknown> } {
  const topics = monitorTopics(options.hubId, options.discoveryPrefix);
  const hub = topicSafe(options.hubId);
  const cmps: Record<string, Record<string, unknown>> = {};
  for (const metric of HUB_METRICS) {
    const id = `airlock_${hub}_${metric.key}`;
    cmps[id] = component(metric, id, `Hub ${metric.name}`, topics.hubState);
  }
  for (const integration of snapshot.integrations) {
    const safe = topicSafe(integration.id);
    for (const metric of INTEGRATION_METRICS) {
      const id = `airlock_${hub}_${safe}_${metric.key}`;
      cmps[id] = component(metric, id, `${integration.id} ${metric.name}`, topics.integrationState(integration.id));
    }
  }
  const device: Record<string, unknown> = {
    ids: [`airlock_${hub}`],
    name: `Airlock hub ${options.hubId}`,
    mf: 'Airlock',
    mdl: options.model,
    sw: options.version,
  };
  if (options.configurationUrl) device.cu = options.configurationUrl;
  return {
    topic: topics.discovery,
    payload: {
      dev: device,
      o: { name: 'airlock', sw: options.version },
      availability_topic: topics.status,
      payload_available: 'online',
      payload_not_available: 'offline',
      qos: 1,
      cmps,
    },
  };
}
