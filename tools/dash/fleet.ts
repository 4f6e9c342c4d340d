/**
 * The fleet model behind `airlock dash`: folds the hubs' retained monitoring
 * topics into one row per hub and one per integration.
 */

export type Json = Record<string, unknown>;

export interface HubView {
  hubId: string;
  online: boolean;
  hub: Json;
  integrations: Map<string, Json>;
}

export class Fleet {
  readonly hubs = new Map<string, HubView>();

  /** Feeds one MQTT message; returns whether it was an Airlock monitoring topic. */
  accept(topic: string, payload: string): boolean {
    const parts = topic.split('/');
    if (parts[0] !== 'airlock' || parts.length < 3) return false;
    const hub = this.#hub(parts[1]!);
    try {
      if (parts.length === 3 && parts[2] === 'status') hub.online = payload.trim() === 'online';
      else if (parts.length === 3 && parts[2] === 'state') hub.hub = JSON.parse(payload) as Json;
      else if (parts.length === 5 && parts[2] === 'integration' && parts[4] === 'state') {
        if (payload === '') hub.integrations.delete(parts[3]!);
        else hub.integrations.set(parts[3]!, JSON.parse(payload) as Json);
      } else return false;
    } catch {
      return false; // a malformed document is ignored, the rest of the fleet still shows
    }
    return true;
  }

  #hub(hubId: string): HubView {
    let hub = this.hubs.get(hubId);
    if (!hub) this.hubs.set(hubId, (hub = { hubId, online: false, hub: {}, integrations: new Map() }));
    return hub;
  }
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export interface HubTotals {
  forwarded: number;
  buffered: number;
  dropped: number;
  violations: number;
  offlineIntegrations: number;
  incidents: number;
}

export function totals(hub: HubView): HubTotals {
  const t: HubTotals = { forwarded: 0, buffered: 0, dropped: 0, violations: 0, offlineIntegrations: 0, incidents: 0 };
  for (const i of hub.integrations.values()) {
    t.forwarded += num(i.forwarded);
    t.buffered += num(i.buffered_records);
    t.dropped += num(i.dropped_total);
    t.violations += num(i.sla_violations);
    t.incidents += num(i.open_incidents);
    if (i.connectivity !== 'online') t.offlineIntegrations++;
  }
  return t;
}
