/**
 * Incidents and breach-notification deadlines. An incident is registered by
 * the owner (API) or the vendor (authenticated command, see
 * vendor-commands.ts) with its discovery time; its deadline is discovery +
 * the contract's notification hours (72 when unstated, GDPR Art. 33). States:
 * open -> notified -> resolved. An incident still open at its deadline is
 * overdue: counted, alerted and audited exactly once.
 */
import type { Clock } from '../host.js';
import type { Stamp } from '../reading.js';
import type { AuditLog } from './log.js';
import { dataCategories, notificationHours, type ContractLike } from './contract-shape.js';
import type { AlertSink } from './signals.js';
import { describeStamp, elapsedMs, HOUR_MS, stampNow } from './time.js';

export type IncidentState = 'open' | 'notified' | 'resolved';

export interface Incident {
  id: string;
  integration: string;
  reportedBy: 'owner' | 'vendor';
  /** The vendor's own reference, when it gave one. */
  vendorRef?: string;
  title: string;
  description: string;
  /** Data categories involved ("<stream>.<field>"). */
  categories: string[];
  discovered: Stamp;
  deadlineHours: number;
  state: IncidentState;
  overdue: boolean;
  notified?: { at: Stamp; note: string };
  resolved?: { at: Stamp; actionsTaken: string };
}

export interface IncidentReport {
  integration: string;
  reportedBy: 'owner' | 'vendor';
  title: string;
  description?: string;
  /** Defaults to every category the contract sends (the conservative reading). */
  categories?: string[];
  /** Wall ms when the breach was discovered; defaults to now. */
  discoveredAt?: number;
  vendorRef?: string;
}

export interface IncidentCounters {
  opened: number;
  notified: number;
  resolved: number;
  overdue: number;
  openNow: number;
}

export interface IncidentDeskPowers {
  audit: AuditLog;
  clock: Clock;
  /** The enforced contract of an integration (e.g. ChangeManager.enforced). */
  contract: (integration: string) => ContractLike | undefined;
  onAlert?: AlertSink;
}

/** The largest |ms| a Date can hold (ECMA-262 21.4.1.22 TimeClip). */
const MAX_DATE_MS = 8.64e15;

export class IncidentError extends Error {
  override name = 'IncidentError';
}

export class IncidentDesk {
  readonly #audit: AuditLog;
  readonly #clock: Clock;
  readonly #contract: (integration: string) => ContractLike | undefined;
  readonly #onAlert: AlertSink | undefined;
  readonly #incidents = new Map<string, Incident>();
  readonly #counters = { opened: 0, notified: 0, resolved: 0, overdue: 0 };
  #next = 1;

  constructor({ audit, clock, contract, onAlert }: IncidentDeskPowers) {
    this.#audit = audit;
    this.#clock = clock;
    this.#contract = contract;
    this.#onAlert = onAlert;
  }

  report(input: IncidentReport): Incident {
    if (!input.title?.trim()) throw new IncidentError('incident: "title" is required (what happened, in a few words)');
    // Checked before anything changes: an instant outside the Date range would fail later, in the audit entry.
    if (input.discoveredAt !== undefined && !(Number.isFinite(input.discoveredAt) && Math.abs(input.discoveredAt) <= MAX_DATE_MS)) {
      throw new IncidentError(`incident: "discoveredAt" must be ms since the Unix epoch within the Date range (±${MAX_DATE_MS}), got ${input.discoveredAt}`);
    }
    const now = stampNow(this.#clock);
    const discovered: Stamp = input.discoveredAt === undefined ? now : { ...now, wall: input.discoveredAt };
    const contract = this.#contract(input.integration);
    const incident: Incident = {
      id: `${input.integration}#${this.#next++}`,
      integration: input.integration,
      reportedBy: input.reportedBy,
      title: input.title.trim(),
      description: input.description?.trim() ?? '',
      categories: input.categories?.length ? [...input.categories] : dataCategories(contract),
      discovered,
      deadlineHours: notificationHours(contract),
      state: 'open',
      overdue: false,
    };
    if (input.vendorRef !== undefined) incident.vendorRef = input.vendorRef;
    this.#incidents.set(incident.id, incident);
    this.#counters.opened++;
    this.#audit.record(input.reportedBy === 'vendor' ? `vendor:${input.integration}` : 'owner', 'incident.opened', input.integration, {
      id: incident.id,
      title: incident.title,
      categories: incident.categories,
      discovered: describeStamp(discovered),
      deadlineHours: incident.deadlineHours,
      vendorRef: incident.vendorRef,
    });
    this.check();
    return { ...incident };
  }

  /** The people who must be told were told: stops the deadline clock. */
  markNotified(id: string, actor: string, note = ''): Incident {
    const incident = this.#get(id, ['open']);
    incident.state = 'notified';
    incident.notified = { at: stampNow(this.#clock), note };
    this.#counters.notified++;
    this.#audit.record(actor, 'incident.notified', incident.integration, { id, note, late: incident.overdue });
    return { ...incident };
  }

  resolve(id: string, actor: string, actionsTaken: string): Incident {
    const incident = this.#get(id, ['open', 'notified']);
    incident.state = 'resolved';
    incident.resolved = { at: stampNow(this.#clock), actionsTaken };
    this.#counters.resolved++;
    this.#audit.record(actor, 'incident.resolved', incident.integration, { id, actionsTaken, wasNotified: incident.notified !== undefined });
    return { ...incident };
  }

  /**
   * Marks incidents still open past their deadline as overdue (each once),
   * with a counter, an alert and an audit entry. Call it from a timer
   * (e.g. every minute); returns the newly overdue ones.
   */
  check(): Incident[] {
    const now = stampNow(this.#clock);
    const found: Incident[] = [];
    for (const incident of this.#incidents.values()) {
      if (incident.state !== 'open' || incident.overdue) continue;
      const elapsed = elapsedMs(incident.discovered, now);
      if (elapsed === undefined || elapsed <= incident.deadlineHours * HOUR_MS) continue;
      incident.overdue = true;
      this.#counters.overdue++;
      const hoursLate = Math.floor((elapsed - incident.deadlineHours * HOUR_MS) / HOUR_MS);
      this.#audit.record('hub', 'incident.overdue', incident.integration, { id: incident.id, deadlineHours: incident.deadlineHours, hoursLate });
      this.#onAlert?.({
        kind: 'incident.overdue',
        integration: incident.integration,
        message: `Incident "${incident.title}" at ${incident.integration} was not notified within ${incident.deadlineHours} hours of discovery.`,
        at: now,
        details: { id: incident.id, deadlineHours: incident.deadlineHours },
      });
      found.push({ ...incident });
    }
    return found;
  }

  get(id: string): Incident | undefined {
    const incident = this.#incidents.get(id);
    return incident && { ...incident };
  }

  list(integration?: string): Incident[] {
    return [...this.#incidents.values()].filter((i) => !integration || i.integration === integration).map((i) => ({ ...i }));
  }

  counters(): IncidentCounters {
    let openNow = 0;
    for (const i of this.#incidents.values()) if (i.state !== 'resolved') openNow++;
    return { ...this.#counters, openNow };
  }

  /** What the homeowner reads: what happened, which data, what was done, and whether the deadline held. */
  summary(id: string): string {
    const i = this.#incidents.get(id);
    if (!i) throw new IncidentError(`incident: no incident "${id}"`);
    const who = i.reportedBy === 'vendor' ? `${i.integration} reported` : 'You reported';
    const deadline = i.discovered.wall !== undefined ? new Date(i.discovered.wall + i.deadlineHours * HOUR_MS).toISOString() : `${i.deadlineHours} hours after discovery`;
    const lines = [
      `What happened: ${i.title}${i.description ? ` - ${i.description}` : ''}.`,
      `${who} it; it was discovered ${describeStamp(i.discovered)}.`,
      `Data involved: ${i.categories.length ? i.categories.join(', ') : 'none named'}.`,
      i.resolved
        ? `What was done: ${i.resolved.actionsTaken}.`
        : i.notified
          ? `What was done so far: notified${i.notified.note ? ` (${i.notified.note})` : ''}; not resolved yet.`
          : 'What was done: nothing reported yet.',
      i.overdue
        ? `The notification deadline (${deadline}) was missed.`
        : i.state === 'open'
          ? `Notification is due by ${deadline}.`
          : 'The notification deadline was met.',
    ];
    return lines.join('\n');
  }

  #get(id: string, allowed: IncidentState[]): Incident {
    const incident = this.#incidents.get(id);
    if (!incident) throw new IncidentError(`incident: no incident "${id}"`);
    if (!allowed.includes(incident.state)) {
      throw new IncidentError(`incident ${id} is ${incident.state}; this step needs it to be ${allowed.join(' or ')}`);
    }
    return incident;
  }
}
