/**
 * TEST FIXTURE: an in-memory HubFacade for the web layer's suites and the
 * browser tests. It is not the hub: the real facade is wired by the
 * composition root over the contract store, pipeline, flash log, forwarder
 * and audit log. It behaves like one (consent gates the data map and the
 * counters, withdrawals purge buffered records, contract changes carry a diff,
 * the audit log is a real SHA-256 hash chain) so the pages show realistic data.
 */
import { toHex, utf8 } from '../../modules/bytes.js';
import type { Clock, Crypto } from '../../modules/host.js';
import { emptyDrops } from '../../modules/monitor/status.js';
import {
  FacadeError,
  type Actor,
  type CommandKey,
  type AuditEntry,
  type AuditView,
  type ConsentEntry,
  type ContractDecision,
  type ContractSummary,
  type CounterHistory,
  type CounterSample,
  type DataMapRow,
  type DeletionReceipt,
  type DiffLine,
  type ExportBundle,
  type HubFacade,
  type Incident,
  type IntegrationOverview,
  type IntegrationSettings,
  type NewIncident,
  type Overview,
  type PendingChange,
  type PurgePlan,
  type PurgeResult,
} from '../../modules/web/facade.js';

interface Purpose {
  id: string;
  text: string;
  required: boolean;
  given: boolean;
  changedAt: string | null;
  changedBy: string | null;
  streams: string[];
  effect: string;
}

interface Flow {
  device: string;
  deviceTitle: string;
  field: string;
  transform: string;
  purpose: string;
  retention: string;
}

interface DemoIntegration {
  id: string;
  title: string;
  vendor: string;
  version: string;
  summary: string[];
  vendorStorage: string;
  onwardSharing: string;
  purposes: Purpose[];
  flows: Flow[];
  settings: IntegrationSettings;
  pending: PendingChange | null;
  pendingDocument: unknown;
  document: Record<string, unknown>;
  buffered: number;
  received: number;
  forwarded: number;
  retried: number;
  slaViolations: number;
  connectivity: 'online' | 'degraded' | 'offline';
  notifyHours: number;
}

const HOUR = 3_600_000;
const SAMPLE_INTERVAL_S = 1800;
const SAMPLE_CAPACITY = 48;

export class DemoFacade implements HubFacade {
  readonly #clock: Clock;
  readonly #crypto: Crypto;
  readonly #integrations = new Map<string, DemoIntegration>();
  readonly #incidents: Omit<Incident, 'overdue'>[] = [];
  readonly #audit: AuditEntry[] = [];
  readonly #samples: CounterSample[] = [];
  #incidentSeq = 0;
  /** Set to simulate a tampered log (the page must show "broken"). */
  tamperAt: number | null = null;

  constructor(powers: { clock: Clock; crypto: Crypto }) {
    this.#clock = powers.clock;
    this.#crypto = powers.crypto;
    for (const integration of seedIntegrations(this.#iso(-30 * 24 * HOUR))) this.#integrations.set(integration.id, integration);
    this.#seedHistory();
    this.#record('hub.boot', null, null, 'Hub started; contracts loaded for GreenWatt, AquaGuard and SafeHome.');
    this.#record('consent.give', 'owner', 'greenwatt', 'Consent given to GreenWatt for energy advice.');
    this.#record('consent.withdraw', 'owner', 'aquaguard', 'Consent withdrawn from AquaGuard for risk pricing; 0 buffered records purged.');
    this.#record('contract.received', null, 'aquaguard', 'AquaGuard proposed contract 2.1.0; it widens data use and waits for the owner.');
    const detected = this.#now() - 80 * HOUR;
    this.#incidents.push({
      id: `inc-${++this.#incidentSeq}`,
      integration: 'safehome',
      title: 'SafeHome reported unauthorised access to its alarm-event database',
      detectedAt: new Date(detected).toISOString(),
      notifyBy: new Date(detected + 72 * HOUR).toISOString(),
      notifiedAt: null,
      resolvedAt: null,
    });
    this.#record('incident.register', 'owner', 'safehome', 'Incident registered: unauthorised access at SafeHome; vendor must notify within 72 hours.');
  }

  // ----- overview -----

  overview(): Overview {
    const integrations = [...this.#integrations.values()].map((i): IntegrationOverview => {
      const pendingApproval = i.pending !== null && !i.pending.narrowingOnly;
      const openIncidents = this.incidents().filter((inc) => inc.integration === i.id && inc.resolvedAt === null);
      const overdue = openIncidents.some((inc) => inc.overdue);
      const serviceLevels = [
        { name: 'Delivery within 5 minutes (95% of records)', promised: '95%', measured: i.id === 'safehome' ? '91%' : '99.2%', met: i.id !== 'safehome' },
        { name: 'Endpoint availability (30 days)', promised: '99.5%', measured: i.connectivity === 'online' ? '99.9%' : '97.1%', met: i.connectivity === 'online' },
        { name: 'Breach notification', promised: `within ${i.notifyHours} hours`, measured: overdue ? 'overdue' : 'on time', met: !overdue },
      ];
      const health = overdue || i.connectivity === 'offline' ? 'problem' : pendingApproval || serviceLevels.some((s) => !s.met) ? 'attention' : 'ok';
      const healthReason = overdue
        ? 'A breach notification is overdue.'
        : pendingApproval
          ? 'A contract change that widens data use waits for your decision.'
          : serviceLevels.some((s) => !s.met)
            ? 'The vendor is missing a promised service level.'
            : 'Delivering on time, within its contract.';
      const forwardedAt = this.#now() - (i.id === 'safehome' ? 40 * 60_000 : 90_000);
      return {
        id: i.id,
        vendor: i.vendor,
        title: i.title,
        connectivity: i.connectivity,
        received: i.received,
        forwarded: i.forwarded,
        dropped: { ...emptyDrops(), consent: this.#flowingStreams(i).length === i.flows.length ? 0 : 37, retention: i.id === 'safehome' ? 4 : 0 },
        retried: i.retried,
        bufferedRecords: i.buffered,
        bufferedBytes: i.buffered * 96,
        ramRecords: 0,
        oldestBufferedAgeS: i.buffered > 0 ? 240 : null,
        lastDelivery: new Date(forwardedAt).toISOString(),
        lastError: i.connectivity === 'online' ? null : 'connect ETIMEDOUT ingest.safehome.example:8883',
        slaViolations: i.slaViolations,
        pendingApproval,
        auditOverdue: overdue,
        openIncidents: openIncidents.length,
        commandsAccepted: 0,
        commandsRefused: 0,
        session: null,
        sessionWaits: 0,
        health,
        healthReason,
        contractVersion: i.version,
        serviceLevels,
      };
    });
    return {
      hub: {
        hubId: 'hub-7f3a',
        version: '0.1.0',
        uptimeS: Math.floor(this.#clock.monotonic() / 1000) + 3 * 86400,
        bootCount: this.#clock.bootCount,
        uplink: 'online',
        wallClockKnown: this.#clock.wallTime() !== undefined,
        readingsReceived: integrations.reduce((sum, i) => sum + i.received, 0) + 1204,
        malformedInputs: 3,
        integrations: integrations.length,
        auditHeadSeq: this.#audit.at(-1)?.seq ?? null,
        auditHeadHash: this.#audit.at(-1)?.hash ?? null,
      },
      integrations,
    };
  }

  // ----- data map -----

  dataMap(): DataMapRow[] {
    const rows: DataMapRow[] = [];
    for (const i of this.#integrations.values()) {
      for (const flow of i.flows) {
        const purpose = i.purposes.find((p) => p.id === flow.purpose)!;
        rows.push({
          device: flow.device,
          deviceTitle: flow.deviceTitle,
          field: flow.field,
          integration: i.id,
          integrationTitle: i.title,
          transform: flow.transform,
          purpose: purpose.text,
          retention: flow.retention,
          vendorStorage: i.vendorStorage,
          onwardSharing: i.onwardSharing,
          flowing: purpose.given && !i.settings.paused,
        });
      }
    }
    return rows;
  }

  // ----- consent -----

  consent(): ConsentEntry[] {
    return [...this.#integrations.values()].flatMap((i) =>
      i.purposes.map((p) => ({
        integration: i.id,
        integrationTitle: i.title,
        purpose: p.id,
        purposeText: p.text,
        given: p.given,
        changedAt: p.changedAt,
        changedBy: p.changedBy,
        required: p.required,
      })),
    );
  }

  giveConsent(integration: string, purpose: string, actor: Actor): ConsentEntry {
    const { i, p } = this.#purpose(integration, purpose);
    if (!p.given) {
      p.given = true;
      p.changedAt = this.#iso();
      p.changedBy = actor.name;
      this.#record('consent.give', actor.name, integration, `Consent given to ${i.title} for ${p.text.toLowerCase()}.`);
    }
    return this.consent().find((c) => c.integration === integration && c.purpose === purpose)!;
  }

  withdrawalPreview(integration: string, purpose: string): PurgePlan {
    const { i, p } = this.#purpose(integration, purpose);
    const share = i.purposes.length ? Math.round(i.buffered / i.purposes.filter((q) => q.given).length || 0) : 0;
    return {
      integration,
      purpose,
      bufferedRecords: p.given ? share : 0,
      streams: p.streams,
      effects: p.given
        ? [p.effect, `${share} record(s) waiting in the hub for ${i.title} will be deleted before they are sent.`, 'Data the vendor already received stays under its contract; ask them to delete it if you wish.']
        : ['Nothing changes: this consent is already withdrawn.'],
    };
  }

  withdrawConsent(integration: string, purpose: string, actor: Actor): PurgeResult {
    const plan = this.withdrawalPreview(integration, purpose);
    const { i, p } = this.#purpose(integration, purpose);
    let purged = 0;
    if (p.given) {
      p.given = false;
      p.changedAt = this.#iso();
      p.changedBy = actor.name;
      purged = Math.min(plan.bufferedRecords, i.buffered);
      i.buffered -= purged;
      this.#record('consent.withdraw', actor.name, integration, `Consent withdrawn from ${i.title} for ${p.text.toLowerCase()}; ${purged} buffered record(s) purged.`);
    }
    return { ...plan, purgedRecords: purged, auditSeq: this.#audit.at(-1)!.seq };
  }

  // ----- contracts -----

  contracts(): ContractSummary[] {
    return [...this.#integrations.values()].map((i) => ({
      integration: i.id,
      integrationTitle: i.title,
      vendor: i.vendor,
      version: i.version,
      status: i.pending ? 'pending-change' : 'active',
      summary: i.summary,
      purposes: i.purposes.map((p) => p.text),
      pendingVersion: i.pending?.toVersion ?? null,
    }));
  }

  contractDocument(integration: string) {
    const i = this.#integration(integration);
    return { integration, version: i.version, document: i.document };
  }

  pendingChange(integration: string): PendingChange | null {
    return this.#integration(integration).pending;
  }

  approveChange(integration: string, version: string, actor: Actor): ContractDecision {
    const i = this.#integration(integration);
    const pending = this.#checkPending(i, version);
    i.version = pending.toVersion;
    i.document = i.pendingDocument as Record<string, unknown>;
    i.flows.push({
      device: 'bath-climate',
      deviceTitle: 'Bathroom climate sensor',
      field: 'humidity',
      transform: 'hourly average, rounded to 5 %',
      purpose: 'leak-detection',
      retention: 'up to 14 days',
    });
    i.summary = [...i.summary, 'Since 2.1.0: hourly bathroom humidity (rounded to 5 %) to spot hidden leaks.'];
    i.pending = null;
    this.#record('contract.approve', actor.name, integration, `Contract ${version} for ${i.title} approved; it applies from now on.`);
    return { integration, version, decision: 'approved', auditSeq: this.#audit.at(-1)!.seq };
  }

  rejectChange(integration: string, version: string, actor: Actor, reason: string): ContractDecision {
    const i = this.#integration(integration);
    this.#checkPending(i, version);
    i.pending = null;
    this.#record('contract.reject', actor.name, integration, `Contract ${version} for ${i.title} rejected${reason ? `: ${reason}` : ''}; ${i.version} stays in force.`);
    return { integration, version, decision: 'rejected', auditSeq: this.#audit.at(-1)!.seq };
  }

  configureIntegration(integration: string, settings: IntegrationSettings, actor: Actor): IntegrationSettings {
    const i = this.#integration(integration);
    Object.assign(i.settings, settings);
    this.#record('integration.configure', actor.name, integration, `Settings of ${i.title} changed by ${actor.role} ${actor.name}: ${JSON.stringify(settings)}.`);
    return { ...i.settings };
  }

  commandKey(integration: string, actor: Actor): CommandKey {
    const i = this.#integration(integration);
    this.#record('integration.configure', actor.name, integration, `Command key of ${i.title} shown to ${actor.role} ${actor.name}.`);
    return { integration, key: '00'.repeat(32), channel: 'demo: no channel' };
  }

  // ----- counters -----

  counterHistory(): CounterHistory {
    return { intervalS: SAMPLE_INTERVAL_S, capacity: SAMPLE_CAPACITY, samples: this.#samples.map((s) => structuredCloneJson(s)) };
  }

  /** Advances the demo by one sample interval: integrations with consent receive and forward. */
  tick(): void {
    for (const i of this.#integrations.values()) {
      const flowing = this.#flowingStreams(i).length;
      const arriving = flowing * 6;
      i.received += arriving;
      i.forwarded += i.settings.paused ? 0 : arriving;
    }
    this.#sample(this.#now());
  }

  // ----- incidents -----

  incidents(): Incident[] {
    const now = this.#now();
    return this.#incidents.map((inc) => ({ ...inc, overdue: inc.notifiedAt === null && inc.resolvedAt === null && now > Date.parse(inc.notifyBy) }));
  }

  registerIncident(incident: NewIncident, actor: Actor): Incident {
    const i = this.#integration(incident.integration);
    const detected = incident.detectedAt ? Date.parse(incident.detectedAt) : this.#now();
    const entry = {
      id: `inc-${++this.#incidentSeq}`,
      integration: i.id,
      title: incident.title,
      detectedAt: new Date(detected).toISOString(),
      notifyBy: new Date(detected + i.notifyHours * HOUR).toISOString(),
      notifiedAt: null,
      resolvedAt: null,
    };
    this.#incidents.push(entry);
    this.#record('incident.register', actor.name, i.id, `Incident registered for ${i.title}: ${incident.title}.`);
    return this.incidents().find((inc) => inc.id === entry.id)!;
  }

  markIncidentNotified(id: string, actor: Actor): Incident {
    const inc = this.#incident(id);
    inc.notifiedAt ??= this.#iso();
    this.#record('incident.notified', actor.name, inc.integration, `Incident ${id}: the vendor's notification was received.`);
    return this.incidents().find((i) => i.id === id)!;
  }

  markIncidentResolved(id: string, actor: Actor): Incident {
    const inc = this.#incident(id);
    inc.resolvedAt ??= this.#iso();
    this.#record('incident.resolved', actor.name, inc.integration, `Incident ${id} marked resolved.`);
    return this.incidents().find((i) => i.id === id)!;
  }

  // ----- audit -----

  /** Adds an entry as the audit log would (used for auth events in the demo). */
  recordAuth(kind: string, actor: string | null, text: string): void {
    this.#record(`auth.${kind}`, actor, null, text);
  }

  audit(limit: number): AuditView {
    let previous = '0'.repeat(64);
    let brokenAt: number | null = null;
    for (const entry of this.#audit) {
      const text = this.tamperAt === entry.seq ? entry.text + ' (altered)' : entry.text;
      if (this.#chain(previous, { ...entry, text }) !== entry.hash && brokenAt === null) brokenAt = entry.seq;
      previous = entry.hash;
    }
    const head = this.#audit.at(-1);
    return {
      entries: this.#audit
        .slice(-limit)
        .reverse()
        .map((e) => ({ ...e, text: this.tamperAt === e.seq ? e.text + ' (altered)' : e.text })),
      verification: { state: brokenAt === null ? 'verified' : 'broken', checked: this.#audit.length, brokenAt, checkedAt: this.#iso() },
      head: head ? { seq: head.seq, hash: head.hash } : null,
    };
  }

  // ----- exit -----

  exportIntegration(integration: string, actor: Actor): ExportBundle {
    const i = this.#integration(integration);
    this.#record('exit.export', actor.name, integration, `All data held for ${i.title} exported.`);
    return {
      integration,
      exportedAt: this.#iso(),
      vendor: i.vendor,
      contract: { version: i.version, document: i.document },
      consent: this.consent().filter((c) => c.integration === integration),
      settings: { ...i.settings },
      bufferedRecords: Array.from({ length: i.buffered }, (_, n) => ({
        stream: i.flows[n % i.flows.length]!.field,
        time: new Date(this.#now() - n * 60_000).toISOString(),
        fields: { value: 20 + (n % 7) },
      })),
      counters: { received: i.received, forwarded: i.forwarded, retried: i.retried },
      incidents: this.incidents().filter((inc) => inc.integration === integration),
      audit: this.#audit.filter((e) => e.integration === integration),
    };
  }

  deleteIntegration(integration: string, actor: Actor): DeletionReceipt {
    const i = this.#integration(integration);
    const recordsDeleted = i.buffered;
    this.#integrations.delete(integration);
    this.#record(
      'exit.delete',
      actor.name,
      integration,
      `${i.title} ended: ${recordsDeleted} buffered record(s) deleted, 2 key epochs destroyed, consent and contract removed.`,
    );
    const entry = this.#audit.at(-1)!;
    return {
      integration,
      deletedAt: entry.at!,
      recordsDeleted,
      keyEpochsDestroyed: 2,
      auditSeq: entry.seq,
      auditHash: entry.hash,
      statements: [
        `${recordsDeleted} record(s) waiting for ${i.title} were deleted from the hub.`,
        'The keys that sealed its records and pseudonyms were destroyed: anything left on flash is unreadable and unlinkable.',
        `${i.title}'s contract and consent choices were removed; this hub sends nothing more to ${i.vendor}`,
        `This receipt is entry ${entry.seq} of the audit log.`,
      ],
    };
  }

  // ----- helpers -----

  #now(): number {
    return this.#clock.wallTime() ?? Date.UTC(2026, 0, 1);
  }

  #iso(offsetMs = 0): string {
    return new Date(this.#now() + offsetMs).toISOString();
  }

  #integration(id: string): DemoIntegration {
    const i = this.#integrations.get(id);
    if (!i) throw new FacadeError(404, 'no-such-integration', `There is no integration "${id}" (it may have been deleted).`);
    return i;
  }

  #purpose(integration: string, purpose: string): { i: DemoIntegration; p: Purpose } {
    const i = this.#integration(integration);
    const p = i.purposes.find((q) => q.id === purpose);
    if (!p) throw new FacadeError(404, 'no-such-purpose', `${i.title}'s contract has no purpose "${purpose}".`);
    return { i, p };
  }

  #incident(id: string): Omit<Incident, 'overdue'> {
    const inc = this.#incidents.find((i) => i.id === id);
    if (!inc) throw new FacadeError(404, 'no-such-incident', `There is no incident "${id}".`);
    return inc;
  }

  #checkPending(i: DemoIntegration, version: string): PendingChange {
    if (!i.pending) throw new FacadeError(409, 'no-pending-change', `${i.title} has no contract change waiting.`);
    if (i.pending.toVersion !== version) {
      throw new FacadeError(409, 'stale-version', `The waiting change is ${i.pending.toVersion}, not ${version}; reload the page to see it.`);
    }
    return i.pending;
  }

  #flowingStreams(i: DemoIntegration): Flow[] {
    return i.flows.filter((f) => i.purposes.find((p) => p.id === f.purpose)?.given);
  }

  #chain(previous: string, entry: Omit<AuditEntry, 'hash'>): string {
    const { seq, at, kind, actor, integration, text } = entry;
    return toHex(this.#crypto.sha256(utf8(previous + JSON.stringify({ seq, at, kind, actor, integration, text }))));
  }

  #record(kind: string, actor: string | null, integration: string | null, text: string): void {
    const previous = this.#audit.at(-1)?.hash ?? '0'.repeat(64);
    const entry = { seq: (this.#audit.at(-1)?.seq ?? 0) + 1, at: this.#iso(), kind, actor, integration, text };
    this.#audit.push({ ...entry, hash: this.#chain(previous, entry) });
  }

  #seedHistory(): void {
    const now = this.#now();
    const start = now - (SAMPLE_CAPACITY - 1) * SAMPLE_INTERVAL_S * 1000;
    const totals = new Map([...this.#integrations.keys()].map((id) => [id, { received: 0, forwarded: 0, dropped: 0, retried: 0 }]));
    for (let n = 0; n < SAMPLE_CAPACITY; n++) {
      const at = start + n * SAMPLE_INTERVAL_S * 1000;
      const hour = new Date(at).getUTCHours();
      const daytime = hour >= 7 && hour <= 22;
      for (const [id, t] of totals) {
        const base = id === 'greenwatt' ? 24 : id === 'aquaguard' ? 6 : 10;
        const arriving = base + (daytime ? base : 0) + ((n * 7 + id.length) % 5);
        t.received += arriving;
        // SafeHome's endpoint was unreachable for a few hours: records buffered, then retried.
        const outage = id === 'safehome' && n >= 30 && n < 36;
        t.forwarded += outage ? 0 : arriving + (id === 'safehome' && n === 36 ? arriving * 6 : 0);
        t.retried += outage ? 3 : 0;
        t.dropped += id === 'aquaguard' ? 1 : 0;
      }
      this.#samples.push({
        at: new Date(at).toISOString(),
        integrations: Object.fromEntries(
          [...totals].map(([id, t]) => [id, { ...t, bufferedRecords: Math.max(0, t.received - t.forwarded) }]),
        ),
      });
    }
    for (const [id, t] of totals) {
      const i = this.#integrations.get(id)!;
      i.received = t.received;
      i.forwarded = t.forwarded - i.buffered;
      i.retried = t.retried;
    }
  }

  #sample(at: number): void {
    this.#samples.push({
      at: new Date(at).toISOString(),
      integrations: Object.fromEntries(
        [...this.#integrations.values()].map((i) => [
          i.id,
          { received: i.received, forwarded: i.forwarded, dropped: 0, retried: i.retried, bufferedRecords: i.buffered },
        ]),
      ),
    });
    while (this.#samples.length > SAMPLE_CAPACITY) this.#samples.shift();
  }
}

function structuredCloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function seedIntegrations(contractDate: string): DemoIntegration[] {
  const purpose = (id: string, text: string, given: boolean, streams: string[], effect: string, required = false): Purpose => ({
    id,
    text,
    required,
    given,
    changedAt: given || id === 'risk-pricing' ? contractDate : null,
    changedBy: given || id === 'risk-pricing' ? 'owner' : null,
    streams,
    effect,
  });
  const aquaguardDiff: DiffLine[] = [
    { kind: 'widening', text: 'New data: bathroom humidity, hourly average rounded to 5 %, for leak detection.' },
    { kind: 'widening', text: 'Records may wait in the hub up to 14 days instead of 7 when AquaGuard is unreachable.' },
    { kind: 'narrowing', text: 'No longer receives the leak sensor\'s battery level.' },
  ];
  return [
    {
      id: 'greenwatt',
      title: 'GreenWatt energy saver',
      vendor: 'GreenWatt B.V.',
      version: '1.2.0',
      summary: [
        'GreenWatt sees how much electricity your kitchen plug and heat pump use, averaged over 15 minutes.',
        'It uses this to give you energy-saving advice. It never sees when you are at home.',
        'It keeps the data 12 months in the EU and shares it with nobody.',
      ],
      vendorStorage: '12 months, EU (Netherlands)',
      onwardSharing: 'nobody',
      purposes: [
        purpose('energy-advice', 'Energy-saving advice', true, ['kitchen-plug/power', 'heat-pump/energy'], 'GreenWatt will no longer see your electricity use, and its advice will stop updating.'),
        purpose('tariff-matching', 'Matching you to cheaper tariffs', false, ['heat-pump/energy'], 'GreenWatt will no longer compare tariffs for you.'),
      ],
      flows: [
        { device: 'kitchen-plug', deviceTitle: 'Kitchen plug', field: 'power', transform: 'rounded to 10 W, averaged over 15 minutes', purpose: 'energy-advice', retention: 'up to 7 days' },
        { device: 'heat-pump', deviceTitle: 'Heat pump meter', field: 'energy', transform: 'daily total in kWh', purpose: 'energy-advice', retention: 'up to 7 days' },
        { device: 'heat-pump', deviceTitle: 'Heat pump meter', field: 'energy', transform: 'monthly total in kWh', purpose: 'tariff-matching', retention: 'up to 31 days' },
      ],
      settings: { endpoint: 'mqtts://ingest.greenwatt.example:8883', paused: false },
      pending: null,
      pendingDocument: null,
      document: contractDocument('greenwatt', '1.2.0', 'GreenWatt B.V.', 72),
      buffered: 12,
      received: 0,
      forwarded: 0,
      retried: 0,
      slaViolations: 0,
      connectivity: 'online',
      notifyHours: 72,
    },
    {
      id: 'aquaguard',
      title: 'AquaGuard leak monitor',
      vendor: 'Northshore Insurance plc',
      version: '2.0.0',
      summary: [
        'Your insurer is told at once when the bathroom leak sensor detects water.',
        'It receives nothing else about your home, and keeps leak alerts 6 years as insurance records.',
        'It may pass a leak alert to the plumber you choose, and to nobody else.',
      ],
      vendorStorage: '6 years, UK (London)',
      onwardSharing: 'your chosen plumber (leak alerts only)',
      purposes: [
        purpose('leak-detection', 'Detecting water leaks', true, ['bath-leak/water_leak'], 'Your insurer will not be warned about leaks; your policy\'s leak cover may require it.', true),
        purpose('risk-pricing', 'Adjusting your premium', false, ['bath-leak/water_leak'], 'Your premium will not use leak history.'),
      ],
      flows: [
        { device: 'bath-leak', deviceTitle: 'Bathroom leak sensor', field: 'water_leak', transform: 'sent as is (wet or dry)', purpose: 'leak-detection', retention: 'up to 7 days' },
        { device: 'bath-leak', deviceTitle: 'Bathroom leak sensor', field: 'battery', transform: 'bucketed: ok / low', purpose: 'leak-detection', retention: 'up to 7 days' },
        { device: 'bath-leak', deviceTitle: 'Bathroom leak sensor', field: 'water_leak', transform: 'count of leaks per year', purpose: 'risk-pricing', retention: 'up to 31 days' },
      ],
      settings: { endpoint: 'https://api.northshore.example/v1/telemetry', paused: false },
      pending: { integration: 'aquaguard', fromVersion: '2.0.0', toVersion: '2.1.0', receivedAt: contractDate, diff: aquaguardDiff, narrowingOnly: false },
      pendingDocument: contractDocument('aquaguard', '2.1.0', 'Northshore Insurance plc', 72),
      document: contractDocument('aquaguard', '2.0.0', 'Northshore Insurance plc', 72),
      buffered: 3,
      received: 0,
      forwarded: 0,
      retried: 0,
      slaViolations: 0,
      connectivity: 'online',
      notifyHours: 72,
    },
    {
      id: 'safehome',
      title: 'SafeHome alarm response',
      vendor: 'SafeHome Security GmbH',
      version: '3.0.1',
      summary: [
        'SafeHome receives door and motion events while the alarm is armed, so its control room can respond.',
        'Door events are sent as they happen; motion is reduced to "movement in the hall: yes/no" per minute.',
        'It keeps events 90 days in Germany and shares them with the police only when an alarm is confirmed.',
      ],
      vendorStorage: '90 days, EU (Germany)',
      onwardSharing: 'police, only for a confirmed alarm',
      purposes: [
        purpose('alarm-response', 'Responding to alarms', true, ['front-door/contact', 'hall-motion/occupancy'], 'SafeHome\'s control room will not see alarms from your home.', true),
      ],
      flows: [
        { device: 'front-door', deviceTitle: 'Front door contact', field: 'contact', transform: 'sent as is (open or closed), only while armed', purpose: 'alarm-response', retention: 'up to 1 day' },
        { device: 'hall-motion', deviceTitle: 'Hall motion sensor', field: 'occupancy', transform: 'yes/no per minute, only while armed', purpose: 'alarm-response', retention: 'up to 1 day' },
      ],
      settings: { endpoint: 'mqtts://ingest.safehome.example:8883', paused: false },
      pending: null,
      pendingDocument: null,
      document: contractDocument('safehome', '3.0.1', 'SafeHome Security GmbH', 24),
      buffered: 5,
      received: 0,
      forwarded: 0,
      retried: 0,
      slaViolations: 2,
      connectivity: 'degraded',
      notifyHours: 72,
    },
  ];
}

function contractDocument(id: string, version: string, vendor: string, notifyHours: number): Record<string, unknown> {
  return {
    contract: id,
    version,
    vendor,
    endpoint: { protocol: id === 'aquaguard' ? 'https' : 'mqtt', qos: 1 },
    purposes: id === 'greenwatt' ? ['energy-advice', 'tariff-matching'] : id === 'aquaguard' ? ['leak-detection', 'risk-pricing'] : ['alarm-response'],
    data: { pseudonymize: ['device'], encode: 'cbor', sealed: 'aes-256-gcm' },
    retention: { hubBufferDays: version === '2.1.0' ? 14 : 7, vendorMonths: id === 'aquaguard' ? 72 : id === 'greenwatt' ? 12 : 3 },
    serviceLevels: { deliveryP95Seconds: 300, availability: 0.995 },
    breachNotification: { withinHours: notifyHours, contact: `privacy@${id}.example` },
    exit: { export: 'json', deleteWithinDays: 30 },
  };
}
