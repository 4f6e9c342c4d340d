/**
 * The web page's view of the real hub: `HubFacade` (modules/web/facade.ts)
 * over the composed `Hub`. Every answer is read from the component that
 * enforces it (contracts from the change manager, consent from the consent
 * book, counters from the monitor snapshot, the audit view from the chain
 * itself), so the page cannot show something the hub does not do.
 *
 * Refusals become `FacadeError`s with the status the router sends: 404 for an
 * unknown integration, purpose or incident, 409 for a decision that no longer
 * applies (superseded or stale version, incident already closed, endpoint
 * change that needs a contract change).
 *
 * The facade keeps two small things of its own: a ring of counter samples
 * for the history charts (bounded, taken with the Timers capability; `stop()`
 * clears the timer) and the last consent decision per purpose (so the page
 * can say who changed it when, without reading the audit log on every call).
 */
import { decode } from 'cbor-x/decode';
import type { SealedEntry } from '../audit/chain.js';
import type { Incident as DeskIncident } from '../audit/incidents.js';
import { describeStamp, HOUR_MS } from '../audit/time.js';
import { toHex } from '../bytes.js';
import type { Contract } from '../contract/types.js';
import { commandTopic } from '../forward/commands.js';
import type { Clock, TimerHandle, Timers } from '../host.js';
import { DROP_REASONS } from '../monitor/status.js';
import { describeTransform } from '../contract/transforms.js';
import type { Stamp } from '../reading.js';
import type { AuthEvent } from '../web/auth.js';
import { describeAuthEvent } from '../web/auth.js';
import {
  FacadeError,
  type Actor,
  type AuditEntry,
  type CommandKey,
  type AuditView,
  type ConsentEntry,
  type ContractDecision,
  type ContractDocument,
  type ContractSummary,
  type CounterHistory,
  type CounterSample,
  type DataMapRow,
  type DeletionReceipt,
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
  type ServiceLevel,
  type SettingsFacade,
} from '../web/facade.js';
import type { Hub } from './hub.js';

export interface WebFacadePowers {
  clock: Clock;
  timers: Timers;
  /** Seconds between counter samples (default 60). */
  sampleIntervalS?: number;
  /** Samples kept (default 120: two hours at one a minute). */
  historyCapacity?: number;
  /** Buffered records the withdrawal preview decrypts to tell purposes apart (default 64: each is an AES-GCM open, inside a synchronous request). */
  previewScanLimit?: number;
  /** The settings area (modules/hub/facade-settings.ts), composed in as it is. */
  settings?: SettingsFacade;
}

export type WebHubFacade = HubFacade & { stop(): void };

interface Decision {
  given: boolean;
  at: Stamp;
  actor: string;
  seq: number;
}

interface Sample {
  wall: number | undefined;
  boot: number;
  mono: number;
  integrations: CounterSample['integrations'];
}

/** The actor string the hub records: "<role>:<name>", so the audit log says in which role someone acted. */
export function actorString(actor: Actor): string {
  return `${actor.role}:${actor.name}`;
}

/** The account name inside an actor string ("member:alice" → "alice"); other actors ("hub", "vendor:x") unchanged. */
export function personOf(actor: string): string {
  const match = /^(?:owner|member|installer):(.+)$/.exec(actor);
  return match ? match[1]! : actor;
}

/** Incident ids as the page uses them in paths: the desk's "<integration>#<n>" with "." for "#". */
function pageIncidentId(deskId: string): string {
  return deskId.replace(/#(\d+)$/, '.$1');
}

function deskIncidentId(pageId: string): string {
  return pageId.replace(/\.(\d+)$/, '#$1');
}

function duration(seconds: number): string {
  if (seconds % 86400 === 0) return seconds === 86400 ? '1 day' : `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

export function createHubFacade(hub: Hub, powers: WebFacadePowers): WebHubFacade {
  const { clock, timers } = powers;
  const intervalS = powers.sampleIntervalS ?? 60;
  const capacity = powers.historyCapacity ?? 120;
  const scanLimit = powers.previewScanLimit ?? 64;
  const samples: Sample[] = [];
  let decisions: Map<string, Decision> | undefined;
  const pairKey = (integration: string, purpose: string) => `${integration}\u0000${purpose}`;

  // ----- time -----

  /** ISO time of a stamp: its wall time, or worked out from this boot's monotonic clock; null when unknowable. */
  function isoOf(stamp: Pick<Stamp, 'boot' | 'mono' | 'wall'>): string | null {
    if (stamp.wall !== undefined) return new Date(stamp.wall).toISOString();
    const wall = clock.wallTime();
    if (wall === undefined || stamp.boot !== clock.bootCount) return null;
    return new Date(wall - (clock.monotonic() - stamp.mono)).toISOString();
  }

  function nowIso(): string | null {
    const wall = clock.wallTime();
    return wall === undefined ? null : new Date(wall).toISOString();
  }

  // ----- lookups -----

  function contractOf(integration: string): Contract {
    const contract = hub.contract(integration);
    if (!contract) throw new FacadeError(404, 'no-such-integration', `There is no integration "${integration}" on this hub (it may have been ended and deleted).`);
    return contract;
  }

  function titleOf(integration: string): string {
    const contract = hub.contract(integration);
    if (!contract) return integration;
    const vendor = contract.vendor.name;
    const shared = hub.integrations.some((id) => id !== integration && hub.contract(id)?.vendor.name === vendor);
    return shared ? `${vendor} (${integration})` : vendor;
  }

  function purposeOf(integration: string, purpose: string) {
    const contract = contractOf(integration);
    const p = contract.purposes.find((q) => q.id === purpose);
    if (!p) {
      throw new FacadeError(404, 'no-such-purpose', `${titleOf(integration)}'s contract has no purpose "${purpose}" (it has: ${contract.purposes.map((q) => q.id).join(', ')}).`);
    }
    return { contract, purpose: p };
  }

  // ----- consent decisions (who, when), cached -----

  function decisionBook(): Map<string, Decision> {
    if (decisions) return decisions;
    // Once per boot: earlier decisions are only in the audit log.
    const book = new Map<string, Decision>();
    for (const e of hub.audit.entries((x) => x.action === 'consent.given' || x.action === 'consent.withdrawn')) {
      book.set(pairKey(e.subject, str(e.details.purpose)), { given: e.action === 'consent.given', at: e.time, actor: e.actor, seq: e.seq });
    }
    decisions = book;
    return book;
  }

  const unsubscribe = hub.consent.onChange((event) => {
    // The hub's own listener ran first and wrote the audit entry: the head is this decision.
    decisionBook().set(pairKey(event.integration, event.purpose), { given: event.given, at: event.time, actor: event.actor, seq: hub.audit.head().seq });
  });

  function consentEntry(integration: string, purposeId: string): ConsentEntry {
    const { purpose } = purposeOf(integration, purposeId);
    const decision = decisionBook().get(pairKey(integration, purposeId));
    return {
      integration,
      integrationTitle: titleOf(integration),
      purpose: purposeId,
      purposeText: purpose.description,
      // A purpose that does not rest on consent flows regardless: say so rather than show a switch that does nothing.
      given: purpose.requiresConsent ? hub.consent.isGiven(integration, purposeId) : true,
      changedAt: decision ? isoOf(decision.at) : null,
      changedBy: decision ? personOf(decision.actor) : null,
      required: !purpose.requiresConsent,
    };
  }

  // ----- withdrawal -----

  function plan(integration: string, purposeId: string): PurgePlan & { last: boolean } {
    const { contract, purpose } = purposeOf(integration, purposeId);
    const title = titleOf(integration);
    const streams = contract.streams.filter((s) => Object.values(s.fields).some((f) => f.purpose === purposeId)).map((s) => s.stream);
    const base = { integration, purpose: purposeId, streams };
    const what = purpose.description.replace(/[.\s]+$/, ''); // quoted inside a sentence
    if (!purpose.requiresConsent) {
      return { ...base, last: false, bufferedRecords: 0, effects: [`"${what}" does not rest on your consent under ${title}'s contract, so it cannot be withdrawn here; to stop it, end the integration (Leaving).`] };
    }
    if (!hub.consent.isGiven(integration, purposeId)) {
      return { ...base, last: false, bufferedRecords: 0, effects: ['Nothing changes: this consent is already withdrawn.'] };
    }
    const allowedAfter = (p: string) => p !== purposeId && (contract.purposes.find((q) => q.id === p)?.requiresConsent === false || hub.consent.isGiven(integration, p));
    const last = !contract.purposes.some((p) => allowedAfter(p.id));
    const buffered = hub.buffer.stats(integration).records;
    const stops = `${title} will no longer receive ${streams.length ? streams.join(', ') : 'any'} data for "${what}".`;
    const already = 'Data the vendor already received stays under its contract; ask them to delete it if you wish.';
    if (last) {
      return {
        ...base,
        last,
        bufferedRecords: buffered,
        effects: [
          stops,
          `This is the last purpose ${title} may use your data for: all ${buffered} record(s) waiting in the hub for it will be deleted now, and the keys that sealed them destroyed.`,
          already,
        ],
      };
    }
    // Other purposes keep consent: the hub skips, at delivery, records that served only this purpose.
    const scanned = hub.buffer.pending(integration, scanLimit);
    let onlyThis = 0;
    let mixed = 0;
    for (const record of scanned) {
      let purposes: unknown;
      try {
        purposes = (decode(record.payload) as { p?: unknown })?.p;
      } catch {
        continue;
      }
      if (!Array.isArray(purposes) || !purposes.includes(purposeId)) continue;
      if (purposes.some((p) => typeof p === 'string' && allowedAfter(p))) mixed++;
      else onlyThis++;
    }
    const effects = [stops, `${onlyThis} record(s) waiting in the hub only for this purpose will be skipped and deleted when ${title} is next delivered to, not sent.`];
    if (mixed > 0) effects.push(`${mixed} waiting record(s) also serve purposes you still allow; they were gathered before and will be sent as they are.`);
    if (scanned.length < buffered) effects.push(`Only the oldest ${scanned.length} of ${buffered} waiting records were checked; the rest are treated the same way.`);
    effects.push(already);
    return { ...base, last, bufferedRecords: onlyThis, effects };
  }

  // ----- overview -----

  function serviceLevels(id: string, contract: Contract, overdue: boolean, openIncidents: number): ServiceLevel[] {
    const sl = hub.delivery(id)?.serviceLevels;
    const promised = contract.serviceLevels;
    const notYet = 'not yet';
    return [
      {
        name: 'Availability',
        promised: `${promised.uptimePercent}%`,
        measured: sl?.uptimeRatio === undefined ? notYet : `${Math.round(sl.uptimeRatio * 1000) / 10}%`,
        met: !sl?.violating.uptime,
      },
      {
        name: 'Delivery time (95%)',
        promised: `within ${promised.p95DeliveryLatencySeconds} s`,
        measured: sl?.latencyP95Ms === undefined ? notYet : `${Math.round(sl.latencyP95Ms / 100) / 10} s`,
        met: !sl?.violating.latency,
      },
      {
        name: 'Oldest waiting',
        promised: `at most ${duration(promised.maxDeliveryLagSeconds)}`,
        measured: sl?.lagMs === undefined ? notYet : `${Math.round(sl.lagMs / 1000)} s`,
        met: !sl?.violating.lag,
      },
      {
        name: 'Breach notification',
        promised: `within ${contract.breachNotification.deadlineHours} hours`,
        measured: overdue ? 'overdue' : openIncidents > 0 ? 'open incident, on time so far' : 'no incidents',
        met: !overdue,
      },
    ];
  }

  function overview(): Overview {
    const snapshot = hub.snapshot();
    const open = incidents().filter((i) => i.resolvedAt === null);
    const integrations = snapshot.integrations.map((status): IntegrationOverview => {
      const contract = contractOf(status.id);
      const mine = open.filter((i) => i.integration === status.id);
      const overdue = mine.some((i) => i.overdue);
      const levels = serviceLevels(status.id, contract, overdue, mine.length);
      const paused = hub.isPaused(status.id);
      const [health, healthReason] = overdue
        ? (['problem', 'A breach notification is overdue.'] as const)
        : status.connectivity === 'offline' && !paused
          ? (['problem', `The hub cannot reach ${titleOf(status.id)}; records wait in the hub within the contract's limits.`] as const)
          : paused
            ? (['attention', 'Delivery is paused; records wait in the hub within the contract\'s limits.'] as const)
            : status.pendingApproval
              ? (['attention', 'A contract change that widens data use waits for your decision.'] as const)
              : levels.some((l) => !l.met)
                ? (['attention', 'The vendor is missing a promised service level.'] as const)
                : status.connectivity === 'degraded'
                  ? (['attention', 'Delivery is unreliable at the moment; the hub keeps retrying.'] as const)
                  : status.auditOverdue
                    ? (['attention', 'The vendor\'s independent audit is overdue under its contract.'] as const)
                    : mine.length > 0
                      ? (['attention', 'An incident is open.'] as const)
                      : (['ok', 'Delivering within its contract.'] as const);
      return { ...status, title: titleOf(status.id), health, healthReason, contractVersion: contract.version, serviceLevels: levels };
    });
    return { hub: snapshot.hub, integrations };
  }

  // ----- counters history -----

  function sample(): void {
    const integrations: CounterSample['integrations'] = {};
    for (const s of hub.snapshot().integrations) {
      let dropped = 0;
      for (const reason of DROP_REASONS) dropped += s.dropped[reason];
      integrations[s.id] = { received: s.received, forwarded: s.forwarded, dropped, retried: s.retried, bufferedRecords: s.bufferedRecords };
    }
    samples.push({ wall: clock.wallTime(), boot: clock.bootCount, mono: clock.monotonic(), integrations });
    while (samples.length > capacity) samples.shift();
  }

  sample();
  let timer: TimerHandle | undefined = timers.repeat(sample, intervalS * 1000);

  // ----- incidents -----

  function toIncident(i: DeskIncident): Incident {
    const detected = i.discovered.wall ?? (isoOf(i.discovered) === null ? undefined : Date.parse(isoOf(i.discovered)!));
    // The desk's own deadline first: it stays right across reboots and for clocks that learnt the time late.
    const deadline = hub.incidents.deadline(i.id) ?? (detected === undefined ? undefined : detected + i.deadlineHours * HOUR_MS);
    const now = clock.wallTime();
    const pastDeadline = deadline !== undefined && now !== undefined && now > deadline;
    return {
      id: pageIncidentId(i.id),
      integration: i.integration,
      title: i.title,
      detectedAt: detected === undefined ? describeStamp(i.discovered) : new Date(detected).toISOString(),
      notifyBy: deadline === undefined ? `${i.deadlineHours} hours after discovery` : new Date(deadline).toISOString(),
      notifiedAt: i.notified ? isoOf(i.notified.at) : null,
      resolvedAt: i.resolved ? isoOf(i.resolved.at) : null,
      overdue: i.state === 'open' && (i.overdue || pastDeadline),
    };
  }

  function incidents(): Incident[] {
    return hub.incidents.list().map(toIncident);
  }

  function incidentStep(id: string, step: (deskId: string) => DeskIncident): Incident {
    const deskId = deskIncidentId(id);
    const current = hub.incidents.get(deskId);
    if (!current) throw new FacadeError(404, 'no-such-incident', `There is no incident "${id}".`);
    try {
      return toIncident(step(deskId));
    } catch (error) {
      throw new FacadeError(409, 'incident-state', `Incident ${id} is ${current.state}: ${String((error as Error)?.message ?? error)}.`);
    }
  }

  // ----- audit -----

  function describeEntry(e: SealedEntry): string {
    const d = e.details;
    const who = titleOf(e.subject);
    switch (e.action) {
      case 'contract.installed':
        return `Contract ${str(d.version)} of ${who} installed.`;
      case 'contract.updated':
        return d.status === 'pending'
          ? `${who} proposed contract ${str(d.version)}; it widens data use and waits for the owner (${str(d.from)} stays in force).`
          : `Contract ${str(d.version)} of ${who} applied at once: it only narrows data use.`;
      case 'contract.approved':
        return `Contract ${str(d.version)} for ${who} approved; it applies from now on.`;
      case 'contract.rejected':
        return `Contract ${str(d.version)} for ${who} rejected${d.reason ? `: ${str(d.reason)}` : ''}; ${str(d.kept)} stays in force.`;
      case 'contract.reverted':
        return `Contract of ${who} reverted from ${str(d.from)} to ${str(d.to)}.`;
      case 'consent.given':
        return `Consent given to ${who} for "${str(d.purpose)}".`;
      case 'consent.withdrawn':
        return `Consent withdrawn from ${who} for "${str(d.purpose)}".`;
      case 'data.purged':
        return `${str(d.records, '0')} buffered record(s) of ${who} purged and its keys destroyed (${str(d.reason, 'purge')}).`;
      case 'data.lost':
        return `A power cut took up to ${str(d.atMost, '0')} record(s) of ${who} from RAM before they reached flash (seqs ${str(d.fromSeq)}–${str(d.toSeq)} skipped).`;
      case 'retention.expired':
        return `${str(d.records, '0')} record(s) waited longer than their contract allows and were deleted.`;
      case 'export.created':
        return `Everything held for ${who} exported (${str(d.undeliveredRecords, '0')} undelivered record(s), ${str(d.auditEntries, '0')} audit entries; SHA-256 ${str(d.sha256).slice(0, 16)}…).`;
      case 'integration.deleted':
        return `${who} ended: delivery stopped, keys destroyed, flash reclaimed${d.completed === false ? ' (a step failed: see details)' : ''}.`;
      case 'incident.opened':
        return `Incident ${pageIncidentId(str(d.id))} registered for ${who}: ${str(d.title)}; notification due within ${str(d.deadlineHours)} hours.`;
      case 'incident.notified':
        return `Incident ${pageIncidentId(str(d.id))}: the vendor's notification was received${d.late === true ? ' (late)' : ''}.`;
      case 'incident.resolved':
        return `Incident ${pageIncidentId(str(d.id))} marked resolved.`;
      case 'incident.overdue':
        return `Incident ${pageIncidentId(str(d.id))} at ${who} was not notified within ${str(d.deadlineHours)} hours.`;
      case 'sla.violation':
        return `${who} broke a promised service level: ${str(d.kind)} ${str(d.observed)} against ${str(d.promised)}.`;
      case 'audit-rights.overdue':
        return `${who}'s independent audit is overdue under its contract.`;
      case 'auth.login':
        return `${e.actor} logged in${d.from ? ` from ${str(d.from)}` : ''}.`;
      case 'auth.login-failed':
        return typeof d.text === 'string' ? d.text : `Failed login for "${e.actor}"${d.from ? ` from ${str(d.from)}` : ''}.`;
      case 'config.changed':
        if (d.event === 'boot') return `Hub started (boot ${str(d.boot)}).`;
        if (d.event === 'delivery.paused') return `Delivery to ${who} paused (${str(d.buffered, '0')} record(s) waiting).`;
        if (d.event === 'delivery.resumed') return `Delivery to ${who} resumed.`;
        if (typeof d.text === 'string') return d.text;
        return `Configuration changed (${str(d.event, 'unspecified')}).`;
      default:
        return typeof d.text === 'string' ? d.text : `${e.action} (${JSON.stringify(d).slice(0, 160)})`;
    }
  }

  function auditView(limit: number): AuditView {
    const all = hub.audit.entries();
    const report = hub.audit.verify();
    const head = hub.audit.head();
    const entries = all
      .slice(-limit)
      .reverse()
      .map((e): AuditEntry => ({
        seq: e.seq,
        at: isoOf(e.time),
        kind: e.action,
        actor: e.actor,
        integration: e.subject === 'hub' || e.subject === hub.hubId ? null : e.subject,
        text: describeEntry(e),
        hash: e.hash,
      }));
    return {
      entries,
      verification: { state: report.ok ? 'verified' : 'broken', checked: report.checked, brokenAt: report.ok ? null : report.fault?.seq ?? null, checkedAt: nowIso() },
      head: head.seq > 0 ? { seq: head.seq, hash: head.hash } : null,
    };
  }

  // ----- contracts -----

  function summaryOf(contract: Contract): string[] {
    const title = titleOf(contract.integration);
    const fields = contract.streams.map((s) => `${s.stream}: ${Object.entries(s.fields).map(([name, rule]) => `${name} (${describeTransform(rule.transform)})`).join(', ')}`);
    const sharing = contract.vendorStorage.onwardSharing;
    return [
      `${title} receives from this hub only ${fields.join('; ')}.`,
      `It keeps the data ${contract.vendorStorage.retentionDays} days in ${contract.vendorStorage.location} and shares it with ${sharing.length ? sharing.map((s) => `${s.name} (${s.purpose})`).join(', ') : 'nobody'}.`,
      `Records wait on this hub at most ${duration(contract.hubBuffer.maxAgeSeconds)} while ${title} is unreachable.`,
      `It must tell you about a breach within ${contract.breachNotification.deadlineHours} hours of discovering it.`,
    ];
  }

  function decisionOf(integration: string, version: string, outcome: ReturnType<Hub['approveChange']>, decision: ContractDecision['decision']): ContractDecision {
    if (!outcome.ok) {
      if (outcome.code === 'unknown-integration') throw new FacadeError(404, 'no-such-integration', `There is no integration "${integration}" on this hub.`);
      const pending = hub.changes.pending(integration);
      const code = outcome.code === 'superseded' ? 'superseded' : pending ? 'stale-version' : 'no-pending-change';
      const hint = pending ? ` The change waiting now is ${pending.version}; reload the page to see it.` : '';
      throw new FacadeError(409, code, `Version ${version} of ${titleOf(integration)} cannot be ${decision}: ${outcome.reason}.${hint}`);
    }
    return { integration, version, decision, auditSeq: hub.audit.head().seq };
  }

  // ----- the facade -----

  const facade: WebHubFacade = {
    ...(powers.settings ?? noSettings()),
    overview,

    dataMap(): DataMapRow[] {
      return hub.dataMap().map((r) => ({
        device: r.deviceId,
        deviceTitle: r.device,
        field: r.field,
        integration: r.integration,
        integrationTitle: titleOf(r.integration),
        transform: r.transform,
        purpose: r.purposeDescription ? `${r.purposeDescription} (${r.purpose})` : r.purpose,
        retention: r.retention,
        vendorStorage: r.vendorStorage,
        onwardSharing: r.onwardSharing,
        flowing: r.consentGiven && !hub.isPaused(r.integration),
      }));
    },

    consent(): ConsentEntry[] {
      return hub.integrations.flatMap((id) => contractOf(id).purposes.map((p) => consentEntry(id, p.id)));
    },

    giveConsent(integration, purpose, actor) {
      const { purpose: p } = purposeOf(integration, purpose);
      // Giving twice changes nothing and writes nothing; a purpose without consent needs no decision.
      if (p.requiresConsent && !hub.consent.isGiven(integration, purpose)) hub.giveConsent(integration, purpose, actorString(actor));
      return consentEntry(integration, purpose);
    },

    withdrawalPreview(integration, purpose) {
      const { last: _last, ...preview } = plan(integration, purpose);
      return preview;
    },

    withdrawConsent(integration, purpose, actor): PurgeResult {
      const { purpose: p } = purposeOf(integration, purpose);
      const { last, ...preview } = plan(integration, purpose);
      if (!p.requiresConsent) throw new FacadeError(409, 'consent-not-needed', preview.effects[0]!);
      if (!hub.consent.isGiven(integration, purpose)) {
        return { ...preview, purgedRecords: 0, auditSeq: decisionBook().get(pairKey(integration, purpose))?.seq ?? hub.audit.head().seq };
      }
      const before = hub.buffer.stats(integration).records;
      hub.withdrawConsent(integration, purpose, actorString(actor));
      const decision = decisionBook().get(pairKey(integration, purpose))!;
      // The last purpose going purges at once (the hub's withdrawal handler); otherwise records are skipped at delivery.
      const purgedRecords = last ? before - hub.buffer.stats(integration).records : 0;
      return { ...preview, purgedRecords, auditSeq: decision.seq };
    },

    contracts(): ContractSummary[] {
      return hub.integrations.map((id) => {
        const contract = contractOf(id);
        const pending = hub.changes.pending(id);
        return {
          integration: id,
          integrationTitle: titleOf(id),
          vendor: contract.vendor.name,
          version: contract.version,
          status: pending ? 'pending-change' : 'active',
          summary: summaryOf(contract),
          purposes: contract.purposes.map((p) => p.description),
          pendingVersion: pending?.version ?? null,
        };
      });
    },

    contractDocument(integration): ContractDocument {
      const contract = contractOf(integration);
      return { integration, version: contract.version, document: contract };
    },

    pendingChange(integration): PendingChange | null {
      const contract = contractOf(integration);
      const pending = hub.changes.pending(integration);
      if (!pending) return null;
      return {
        integration,
        fromVersion: contract.version,
        toVersion: pending.version,
        receivedAt: isoOf(pending.since) ?? describeStamp(pending.since),
        diff: pending.diff.changes.map((c) => ({ kind: c.direction, text: c.summary })),
        narrowingOnly: !pending.diff.widening,
      };
    },

    approveChange(integration, version, actor) {
      contractOf(integration);
      return decisionOf(integration, version, hub.approveChange(integration, version, actorString(actor)), 'approved');
    },

    rejectChange(integration, version, actor, reason) {
      contractOf(integration);
      return decisionOf(integration, version, hub.rejectChange(integration, version, actorString(actor), reason || undefined), 'rejected');
    },

    configureIntegration(integration, settings, actor): IntegrationSettings {
      contractOf(integration);
      const current = hub.delivery(integration)?.endpoint;
      if (settings.endpoint !== undefined && settings.endpoint !== current) {
        throw new FacadeError(
          409,
          'endpoint-needs-contract',
          `Where ${titleOf(integration)}'s data goes is part of its contract (now ${current ?? 'unknown'}); sending it elsewhere widens data use. Load a contract version with the new endpoint (the owner approves it), or set a relay in the hub's configuration file. Nothing was changed.`,
        );
      }
      if (settings.paused === true) hub.pauseDelivery(integration, actorString(actor));
      if (settings.paused === false) hub.resumeDelivery(integration, actorString(actor));
      return { endpoint: hub.delivery(integration)?.endpoint ?? '', paused: hub.isPaused(integration) };
    },

    commandKey(integration, actor): CommandKey {
      contractOf(integration);
      const endpoint = hub.delivery(integration)?.endpoint ?? '';
      const topic = /^mqtts?:\/\/[^/]+\/(.+)$/.exec(endpoint)?.[1];
      const channel = topic
        ? `MQTT: publish signed envelopes to "${commandTopic(decodeURIComponent(topic), hub.hubId)}" on ${endpoint.replace(/^(mqtts?:\/\/[^/]+).*$/, '$1')}`
        : 'HTTPS: return {"commands": [signed envelopes]} in the JSON answer to a delivery';
      hub.audit.record(actorString(actor), 'config.changed', integration, { event: 'command-key.shown' });
      return { integration, key: toHex(hub.keyring.hubKey(`cmd:${integration}`)), channel };
    },

    counterHistory(): CounterHistory {
      const out: CounterSample[] = [];
      for (const s of samples) {
        const at = isoOf({ wall: s.wall, boot: s.boot, mono: s.mono });
        if (at === null) continue; // taken before the hub knew the time, in an earlier boot: cannot be placed
        out.push({ at, integrations: JSON.parse(JSON.stringify(s.integrations)) as CounterSample['integrations'] });
      }
      return { intervalS, capacity, samples: out };
    },

    incidents,

    registerIncident(incident: NewIncident, _actor) {
      contractOf(incident.integration);
      const discoveredAt = incident.detectedAt === undefined ? undefined : Date.parse(incident.detectedAt);
      if (discoveredAt !== undefined && Number.isNaN(discoveredAt)) throw new FacadeError(400, 'bad-time', `"${incident.detectedAt}" is not an ISO date and time.`);
      try {
        // The desk records owner reports under the actor "owner" (only the owner may register them).
        return toIncident(hub.incidents.report({ integration: incident.integration, reportedBy: 'owner', title: incident.title, ...(discoveredAt === undefined ? {} : { discoveredAt }) }));
      } catch (error) {
        throw new FacadeError(400, 'bad-incident', String((error as Error)?.message ?? error));
      }
    },

    markIncidentNotified(id, actor) {
      return incidentStep(id, (deskId) => hub.incidents.markNotified(deskId, actorString(actor), 'marked on the hub page'));
    },

    markIncidentResolved(id, actor) {
      return incidentStep(id, (deskId) => hub.incidents.resolve(deskId, actorString(actor), `marked resolved on the hub page by ${actor.name}`));
    },

    audit: auditView,

    exportIntegration(integration, actor): ExportBundle {
      contractOf(integration);
      const doc = hub.exportIntegration(integration, actorString(actor));
      return { ...doc, exportedAt: isoOf(doc.createdAt) ?? 'unknown' };
    },

    deleteIntegration(integration, actor): DeletionReceipt {
      const title = titleOf(integration);
      const vendor = contractOf(integration).vendor.name;
      const receipt = hub.deleteIntegration(integration, actorString(actor));
      const step = (name: string) => receipt.steps.find((s) => s.step === name);
      const reclaimed = step('reclaim-flash')?.result as { records?: number } | undefined;
      const shredded = step('shred-keys')?.result as { epochsDestroyed?: number[] } | undefined;
      const recordsDeleted = reclaimed?.records ?? 0;
      const keyEpochsDestroyed = shredded?.epochsDestroyed?.length ?? 0;
      const statements = [
        `Delivery to ${title} stopped; this hub sends nothing more to ${vendor}.`,
        `${recordsDeleted} record(s) waiting for ${title} were deleted from the hub's flash.`,
        `The keys of ${keyEpochsDestroyed} key epoch(s) that sealed its records and made its pseudonyms were destroyed: anything left on flash is unreadable and unlinkable.`,
        `The hub will not connect ${title} again, even if its contract stays in the configuration.`,
        `This receipt is entry ${receipt.auditSeq} of the audit log (hash ${receipt.auditHash.slice(0, 16)}…).`,
      ];
      for (const s of receipt.steps) if (!s.ok) statements.push(`Step "${s.step}" failed: ${s.error ?? 'unknown error'}. Tell your installer.`);
      for (const key of [...decisionBook().keys()]) if (key.startsWith(`${integration}\u0000`)) decisionBook().delete(key);
      const deletedAt = step('stop-delivery')?.at;
      return {
        integration,
        deletedAt: (deletedAt && isoOf(deletedAt)) ?? nowIso() ?? 'unknown',
        recordsDeleted,
        keyEpochsDestroyed,
        auditSeq: receipt.auditSeq,
        auditHash: receipt.auditHash,
        statements,
      };
    },

    stop() {
      timers.clear(timer);
      timer = undefined;
      unsubscribe();
    },
  };
  return facade;
}

/** A facade composed without settings (a hub the runtime did not build): the page says so. */
function noSettings(): SettingsFacade {
  const refuse = (): never => {
    throw new FacadeError(503, 'settings-unavailable', 'This hub was started without its settings; change them in the configuration file.');
  };
  return { settings: refuse, changeSettings: refuse, setBthomeKey: refuse, setWifi: refuse };
}

/**
 * The web layer's `onAuthEvent` for a real hub: logins and failed logins
 * (including bad setup codes) go through the hub's LoginMonitor, which writes
 * `auth.login` / `auth.login-failed` to the audit log and raises an alert on
 * a burst of failures; lockouts and account changes are written directly.
 * Logouts, time-outs and refused requests stay out of the audit log (the
 * router already refused them; they change nothing).
 */
export function auditAuthEvent(hub: Hub): (event: AuthEvent) => void {
  return (event) => {
    const from = event.remote ?? '';
    const text = describeAuthEvent(event);
    switch (event.kind) {
      case 'login':
        hub.logins.succeeded(event.role ? `${event.role}:${event.name ?? ''}` : event.name ?? '(unknown)', from);
        return;
      case 'login-failed':
      case 'setup-failed':
        hub.logins.failed(event.name ?? '', from);
        return;
      case 'lockout':
        hub.audit.record(event.name ?? '(unknown)', 'auth.login-failed', 'hub', { event: 'lockout', from, text });
        return;
      case 'password-change-failed':
        // A wrong current password is a guess like a failed login: it counts towards the burst signal.
        hub.logins.failed(event.name ?? '', from);
        return;
      case 'account-created':
      case 'account-removed':
      case 'password-changed':
      case 'invitation-created':
        hub.audit.record('hub', 'config.changed', 'hub', { event: `auth.${event.kind}`, account: event.name ?? null, role: event.role ?? null, text });
        return;
      default:
        return;
    }
  };
}
