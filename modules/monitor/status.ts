/**
 * The monitoring state the hub publishes: one document for the hub, one per
 * integration. Names follow the store-and-forward convention installers know
 * from bridges: received, forwarded, dropped by reason, retried, buffered
 * records and bytes, oldest buffered age, last delivery time and error.
 */

/** `lost`: seqs a power cut took from a RAM window (an upper bound, counted at the next boot). */
export const DROP_REASONS = ['quota', 'retention', 'corrupt', 'purged', 'consent', 'malformed', 'lost'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export type Connectivity = 'online' | 'degraded' | 'offline';

export interface IntegrationStatus {
  id: string;
  vendor: string;
  connectivity: Connectivity;
  /** Readings that matched this integration's contract. */
  received: number;
  /** Records the vendor acknowledged. */
  forwarded: number;
  dropped: Record<DropReason, number>;
  /** Delivery attempts after the first. */
  retried: number;
  bufferedRecords: number;
  bufferedBytes: number;
  /** Of the buffered records, those held only in RAM (not yet spilled to flash): a power cut can lose these. */
  ramRecords: number;
  /** Seconds since the oldest undelivered record entered the buffer, or null when empty. */
  oldestBufferedAgeS: number | null;
  /** ISO time of the last acknowledged delivery, or null. */
  lastDelivery: string | null;
  lastError: string | null;
  slaViolations: number;
  /** Whether the contract is pending the owner's approval of a widening change. */
  pendingApproval: boolean;
  auditOverdue: boolean;
  openIncidents: number;
  /** Vendor commands acted on, and refused (forged, replayed, malformed, out of contract...). */
  commandsAccepted: number;
  commandsRefused: number;
  /**
   * The delivery connection when it opens on demand (modules/forward/sessions.ts):
   * `open`, `opening`, `closed` (idle, or nothing to send) or `waiting_for_session`
   * (the board's cap of open sessions is reached; records stay buffered). Null
   * when the transport keeps its own connection.
   */
  session: 'open' | 'opening' | 'closed' | 'waiting_for_session' | null;
  /** Times the integration waited for a session slot. */
  sessionWaits: number;
}

export interface HubStatus {
  hubId: string;
  version: string;
  uptimeS: number;
  bootCount: number;
  /** `local-only`: the home network works but the internet does not. */
  uplink: 'online' | 'local-only' | 'offline';
  wallClockKnown: boolean;
  readingsReceived: number;
  malformedInputs: number;
  /** Of those, messages from a new device the hub had no room for (its device limit, docs/esp32.md "Bounded state"). */
  devicesRefused: number;
  /** Aggregation windows closed before their end because too many were open. */
  windowsClosedEarly: number;
  integrations: number;
  auditHeadSeq: number | null;
  auditHeadHash: string | null;
}

export interface MonitorSnapshot {
  hub: HubStatus;
  integrations: IntegrationStatus[];
}

export function emptyDrops(): Record<DropReason, number> {
  return { quota: 0, retention: 0, corrupt: 0, purged: 0, consent: 0, malformed: 0, lost: 0 };
}

/** The flat JSON an integration's state topic carries (HA templates read these keys). */
export function integrationStateJson(status: IntegrationStatus): Record<string, string | number | boolean | null> {
  const flat: Record<string, string | number | boolean | null> = {
    connectivity: status.connectivity,
    received: status.received,
    forwarded: status.forwarded,
    retried: status.retried,
    buffered_records: status.bufferedRecords,
    buffered_bytes: status.bufferedBytes,
    ram_records: status.ramRecords,
    oldest_buffered_age_s: status.oldestBufferedAgeS,
    last_delivery: status.lastDelivery,
    last_error: status.lastError,
    sla_violations: status.slaViolations,
    pending_approval: status.pendingApproval,
    audit_overdue: status.auditOverdue,
    open_incidents: status.openIncidents,
    commands_accepted: status.commandsAccepted,
    commands_refused: status.commandsRefused,
    session: status.session,
    session_waits: status.sessionWaits,
  };
  for (const reason of DROP_REASONS) flat[`dropped_${reason}`] = status.dropped[reason];
  flat.dropped_total = DROP_REASONS.reduce((sum, reason) => sum + status.dropped[reason], 0);
  return flat;
}

export function hubStateJson(hub: HubStatus): Record<string, string | number | boolean | null> {
  return {
    version: hub.version,
    uptime_s: hub.uptimeS,
    boot_count: hub.bootCount,
    uplink: hub.uplink,
    wall_clock_known: hub.wallClockKnown,
    readings_received: hub.readingsReceived,
    malformed_inputs: hub.malformedInputs,
    devices_refused: hub.devicesRefused,
    windows_closed_early: hub.windowsClosedEarly,
    integrations: hub.integrations,
    audit_head_seq: hub.auditHeadSeq,
    audit_head_hash: hub.auditHeadHash,
  };
}
