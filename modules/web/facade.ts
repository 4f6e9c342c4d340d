/**
 * Everything the hub's web page needs from the rest of the hub, as one
 * interface of plain, JSON-serializable results. The web layer (router, auth,
 * pages) is written against this and nothing else; the composition root
 * implements it over the contract store, pipeline, consent, flash log,
 * forwarder, counters and audit log. `test/support/demo-facade.ts` is an
 * in-memory fixture of the same interface.
 *
 * Methods are synchronous on purpose: Moddable's HTTP server asks for the
 * response inside the same callback that delivered the request, so the
 * router must be able to answer without awaiting (see hosts/moddable/http-server.ts).
 *
 * Methods that change something receive the `Actor` (who, in which role) so
 * the hub can write it to the audit log. They throw `FacadeError` for a
 * refusal the person should read (unknown integration, stale version, ...);
 * the router turns it into a JSON error with its status.
 */
import type { HubStatus, IntegrationStatus } from '../monitor/status.js';

export type Role = 'owner' | 'member' | 'installer';

export interface Actor {
  readonly name: string;
  readonly role: Role;
}

/** A refusal with an HTTP status and a message written for the person using the page. */
export class FacadeError extends Error {
  // A class field (define semantics): assigning `name` would hit the frozen Error.prototype.name on a hardened XS.
  override readonly name = 'FacadeError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// ---------- Overview ----------

/** One promised service level and how the vendor is doing against it. */
export interface ServiceLevel {
  /** e.g. "delivery latency (95th percentile)", "availability", "breach notification". */
  name: string;
  promised: string;
  measured: string;
  met: boolean;
}

export interface IntegrationOverview extends IntegrationStatus {
  /** The name a homeowner recognises, e.g. "GreenWatt energy saver". */
  title: string;
  /** `ok`, `attention` (something to look at), `problem` (broken or in breach). */
  health: 'ok' | 'attention' | 'problem';
  /** One sentence saying why the health is what it is. */
  healthReason: string;
  contractVersion: string;
  serviceLevels: ServiceLevel[];
}

export interface Overview {
  hub: HubStatus;
  integrations: IntegrationOverview[];
}

// ---------- Data map ----------

export interface DataMapRow {
  device: string;
  /** The device's human name, e.g. "Kitchen plug". */
  deviceTitle: string;
  field: string;
  integration: string;
  integrationTitle: string;
  /** The transform in plain language, e.g. "rounded to 10 W, averaged over 15 minutes". */
  transform: string;
  purpose: string;
  /** How long it may wait in the hub's buffer, in plain language, e.g. "up to 7 days". */
  retention: string;
  /** What the vendor says it keeps and where, e.g. "12 months, EU (Ireland)". */
  vendorStorage: string;
  /** Who else the vendor passes it to, or "nobody". */
  onwardSharing: string;
  /** Whether the data currently flows (consent given and contract active). */
  flowing: boolean;
}

// ---------- Consent ----------

export interface ConsentEntry {
  integration: string;
  integrationTitle: string;
  purpose: string;
  /** The purpose as the contract explains it to the household. */
  purposeText: string;
  given: boolean;
  /** ISO time of the last change, or null when never decided. */
  changedAt: string | null;
  /** The account name that made the last change, or null. */
  changedBy: string | null;
  /** Whether the contract marks the purpose as required for the service to work at all. */
  required: boolean;
}

/** What withdrawing a consent does (previewed before, reported after). */
export interface PurgePlan {
  integration: string;
  purpose: string;
  /** Buffered records that will be removed from the hub before they are sent. */
  bufferedRecords: number;
  /** Streams that stop flowing to this integration. */
  streams: string[];
  /** Plain-language consequences, e.g. "GreenWatt will no longer see your heating use". */
  effects: string[];
}

export interface PurgeResult extends PurgePlan {
  /** Records actually removed. */
  purgedRecords: number;
  /** Audit log sequence number of the decision. */
  auditSeq: number;
}

// ---------- Contracts ----------

export interface ContractSummary {
  integration: string;
  integrationTitle: string;
  vendor: string;
  version: string;
  status: 'active' | 'pending-change' | 'ended';
  /** A few sentences in plain language. */
  summary: string[];
  purposes: string[];
  /** The pending change's version when one waits for the owner. */
  pendingVersion: string | null;
}

export interface ContractDocument {
  integration: string;
  version: string;
  /** The machine-readable contract as loaded (any JSON). */
  document: unknown;
}

export interface DiffLine {
  /** `widening`: more data, longer, more sharing; `narrowing`: less. */
  kind: 'widening' | 'narrowing';
  text: string;
}

export interface PendingChange {
  integration: string;
  fromVersion: string;
  toVersion: string;
  /** ISO time the change arrived. */
  receivedAt: string;
  diff: DiffLine[];
  /** True when nothing widens: the hub may adopt it, the owner is only informed. */
  narrowingOnly: boolean;
}

export interface ContractDecision {
  integration: string;
  version: string;
  decision: 'approved' | 'rejected';
  auditSeq: number;
}

/** What an installer (or owner) may set for an integration; consent is not among it. */
export interface IntegrationSettings {
  /** Delivery endpoint, e.g. "mqtts://ingest.greenwatt.example:8883". */
  endpoint?: string;
  /** Pause delivery (records keep buffering within retention). */
  paused?: boolean;
}

// ---------- Counters history ----------

export interface CounterSample {
  /** ISO time of the sample. */
  at: string;
  /** Per integration id: the cumulative counters at that time. */
  integrations: Record<
    string,
    { received: number; forwarded: number; dropped: number; retried: number; bufferedRecords: number }
  >;
}

export interface CounterHistory {
  /** Seconds between samples. */
  intervalS: number;
  /** The ring's capacity (oldest samples fall off). */
  capacity: number;
  /** Oldest first. */
  samples: CounterSample[];
}

// ---------- Incidents ----------

export interface Incident {
  id: string;
  integration: string;
  title: string;
  /** ISO time the breach was detected. */
  detectedAt: string;
  /** ISO time by which the vendor must notify (per the contract). */
  notifyBy: string;
  notifiedAt: string | null;
  resolvedAt: string | null;
  /** Not notified and past `notifyBy` at the time of the call. */
  overdue: boolean;
}

export interface NewIncident {
  integration: string;
  title: string;
  /** ISO time; defaults to now. */
  detectedAt?: string;
}

// ---------- Audit log ----------

export interface AuditEntry {
  seq: number;
  /** ISO time, or null when the hub did not know the time. */
  at: string | null;
  /** e.g. "consent.withdraw", "contract.approve", "auth.login". */
  kind: string;
  actor: string | null;
  integration: string | null;
  /** One plain-language line. */
  text: string;
  /** Hex hash chaining this entry to the previous one. */
  hash: string;
}

export interface AuditView {
  entries: AuditEntry[];
  verification: {
    state: 'verified' | 'broken' | 'unverified';
    /** Entries checked. */
    checked: number;
    /** First sequence number that did not verify, or null. */
    brokenAt: number | null;
    /** ISO time of the check. */
    checkedAt: string | null;
  };
  head: { seq: number; hash: string } | null;
}

// ---------- Exit ----------

/** Everything the hub holds about an integration, for the household to keep. */
export interface ExportBundle {
  integration: string;
  exportedAt: string;
  /** Any JSON: contract history, consent history, buffered records (decrypted), audit entries. */
  [part: string]: unknown;
}

export interface DeletionReceipt {
  integration: string;
  deletedAt: string;
  recordsDeleted: number;
  keyEpochsDestroyed: number;
  auditSeq: number;
  /** Hex hash of the receipt's audit entry, so the receipt can be checked against the log. */
  auditHash: string;
  /** Plain-language statements of what was done. */
  statements: string[];
}

// ---------- Hub settings (modules/hub/facade-settings.ts) ----------

/** A broker as the page shows it: never its password, only whether one is set. */
export interface BrokerView {
  /** mqtt(s)://host:port; "embedded" for the desktop's built-in broker. */
  url: string;
  username: string;
  passwordSet: boolean;
  caSet: boolean;
}

export interface SettingsView {
  hubId: string;
  /** IANA name the page shows times in; null: the browser's own. */
  timeZone: string | null;
  localBroker: BrokerView | null;
  /** null: monitoring goes to the home broker. */
  monitorBroker: BrokerView | null;
  sources: {
    zigbee2mqtt: { on: boolean; baseTopic: string };
    tasmota: { on: boolean; fullTopic: string };
    esphome: { on: boolean; nodes: string[] };
    /** `keys`: the MACs that have a bindkey (never the keys). */
    bthome: { on: boolean; keys: string[] };
  };
  /** The board's Wi-Fi network (a computer uses its own network: `available` false). */
  wifi: { available: boolean; ssid: string | null };
  /** Keys set on the page (the rest come from the configuration file). */
  fromPage: string[];
  /** Saved keys that take effect at the next restart. */
  restartNeeded: string[];
}

export interface SettingsOutcome {
  settings: SettingsView;
  /** Keys this save changed. */
  changed: string[];
  /** Of those, the ones in effect now. */
  applied: string[];
  /** Of those, the ones that need a restart. */
  restartNeeded: string[];
  /** The audit entry of the change. */
  auditSeq: number;
}

/** The hub settings part of the facade: validated, tested against the broker, saved atomically and audited. */
export interface SettingsFacade {
  settings(): SettingsView;
  /** `change`: the page's form as JSON (docs/web.md "Settings"); refused as a whole, with every problem and its path. */
  changeSettings(change: Record<string, unknown>, actor: Actor): Promise<SettingsOutcome>;
  /** Sets (32 hex digits) or removes (null) a BTHome device's bindkey. */
  setBthomeKey(mac: string, key: string | null, actor: Actor): SettingsOutcome;
  setWifi(credentials: { ssid: string; password?: string }, actor: Actor): SettingsOutcome;
}

// ---------- The facade ----------

export interface CommandKey {
  integration: string;
  /** 64 hex digits. */
  key: string;
  /** Where the vendor sends commands, in words (docs/delivery.md "Commands from the vendor"). */
  channel: string;
}

export interface HubFacade extends SettingsFacade {
  overview(): Overview;
  dataMap(): DataMapRow[];

  consent(): ConsentEntry[];
  giveConsent(integration: string, purpose: string, actor: Actor): ConsentEntry;
  /** What withdrawing would purge, without doing it. */
  withdrawalPreview(integration: string, purpose: string): PurgePlan;
  withdrawConsent(integration: string, purpose: string, actor: Actor): PurgeResult;

  contracts(): ContractSummary[];
  contractDocument(integration: string): ContractDocument;
  pendingChange(integration: string): PendingChange | null;
  /** `version` must equal the pending change's `toVersion` (refuses a stale page). */
  approveChange(integration: string, version: string, actor: Actor): ContractDecision;
  rejectChange(integration: string, version: string, actor: Actor, reason: string): ContractDecision;
  configureIntegration(integration: string, settings: IntegrationSettings, actor: Actor): IntegrationSettings;
  /**
   * The key the vendor signs its commands with (HMAC-SHA256, docs/audit.md), for the owner to
   * hand over at setup, and where the vendor sends them. Showing it is audited.
   */
  commandKey(integration: string, actor: Actor): CommandKey;

  counterHistory(): CounterHistory;

  incidents(): Incident[];
  registerIncident(incident: NewIncident, actor: Actor): Incident;
  markIncidentNotified(id: string, actor: Actor): Incident;
  markIncidentResolved(id: string, actor: Actor): Incident;

  /** The newest `limit` entries (newest first), the verification state and the chain head. */
  audit(limit: number): AuditView;

  exportIntegration(integration: string, actor: Actor): ExportBundle;
  /** Ends the integration: deletes its records, destroys its keys, returns a receipt. */
  deleteIntegration(integration: string, actor: Actor): DeletionReceipt;
}
