/** Every MQTT topic the hub publishes for monitoring, in one place. */

/** MQTT topic levels and HA object ids accept [a-zA-Z0-9_-]; anything else becomes '_'. */
export function topicSafe(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_');
}

export function monitorTopics(hubId: string, discoveryPrefix = 'homeassistant') {
  const base = `airlock/${topicSafe(hubId)}`;
  return Object.freeze({
    base,
    /** Retained `online` / `offline`; `offline` is also the last will. */
    status: `${base}/status`,
    hubState: `${base}/state`,
    /** Retained JSON: the running version (and, on the board, the update trial's pending and failed versions). */
    version: `${base}/version`,
    integrationState: (integration: string) => `${base}/integration/${topicSafe(integration)}/state`,
    /** Not retained: one JSON event per alert (SLA violation, overdue incident, anomaly). */
    alerts: `${base}/alert`,
    discovery: `${discoveryPrefix}/device/${topicSafe(hubId)}/config`,
    /** Home Assistant's birth/will topic: `online` asks devices to resend discovery. */
    haStatus: `${discoveryPrefix}/status`,
  });
}

export type MonitorTopics = ReturnType<typeof monitorTopics>;
