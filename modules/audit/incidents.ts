/**
 * Incidents and breach-notification deadlines. An incident is registered by
 * the owner (API) or the vendor (authenticated command, see
 * vendor-commands.ts) with its discovery time; its deadline is discovery +
 * the contract's `breachNotification.deadlineHours` (72, GDPR Art. 33, for an integration with no contract). States:
 * open -> notified -> resolved. An incident still open at its deadline is
 * overdue: counted, alerted and audited exactly once.
 *
 * The deadline clock survives reboots (a 72-hour clock that restarts at
 * every power cut would never expire). Unresolved incidents are kept in the
 * key-value store, one entry each (`incident/i<n>`, at most
 * MAX_KEPT_INCIDENTS of them: NVS on the board is 16 KB), written when they
 * open, change state or go overdue, and deleted when resolved:
 * - when the hub knows the wall time at discovery (or learns it later), the
 *   deadline is kept as a wall-clock instant and holds exactly across
 *   reboots. After a boot that does not know the time yet, the last wall time
 *   the hub saw plus this boot's uptime is a lower bound of now: an incident
 *   is overdue as soon as that bound passes the deadline, and exactly when
 *   SNTP answers;
 * - while the wall time was never known, the clock counts the hub's uptime:
 *   time spent is saved every SPENT_SAVE_MS, so a reboot loses at most that
 *   much plus the time the hub was off. It becomes a wall-clock deadline the
 *   moment the hub learns the time.
 */
import type { Clock, KeyValueStore, Logger } from '../host.js';
import { MAX_VALUE_BYTES } from '../store-rules.js';
import type { Stamp } from '../reading.js';
import type { AuditLog } from './log.js';
import { dataCategories } from '../contract/terms.js';
import type { Contract } from '../contract/types.js';
import { GDPR_BREACH_HOURS } from '../contract/warnings.js';
import type { AlertSink } from './signals.js';
import { describeStamp, HOUR_MS, stampNow } from './time.js';

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
  /** Unresolved incidents beyond MAX_KEPT_INCIDENTS: their clocks do not survive a reboot. */
  notKept: number;
  /** Unresolved incidents read back from the store at boot. */
  restored: number;
  /** Resolved incidents dropped from memory to make room (MAX_HELD_INCIDENTS); their history is in the audit log. */
  forgotten: number;
  /** Reports refused because MAX_HELD_INCIDENTS incidents were all unresolved. */
  refused: number;
}

export interface IncidentDeskPowers {
  audit: AuditLog;
  clock: Clock;
  /** The enforced contract of an integration (e.g. ChangeManager.enforced). */
  contract: (integration: string) => Contract | undefined;
  onAlert?: AlertSink;
  /** Keeps unresolved incidents and their deadline clocks across reboots. */
  store?: KeyValueStore;
  log?: Logger;
}

/** Unresolved incidents kept across reboots; more are handled but counted as `notKept`. */
export const MAX_KEPT_INCIDENTS = 8;
/**
 * Incidents held in memory (open, notified and resolved). A new report beyond
 * this forgets the oldest resolved one (the audit log keeps its history); when
 * all are unresolved the report is refused, so a flood of reports cannot
 * exhaust the board's RAM.
 */
export const MAX_HELD_INCIDENTS = 64;
/** How often the uptime-only clock of an incident with no wall time is saved. */
export const SPENT_SAVE_MS = 15 * 60_000;
const STORE_DOMAIN = 'incident';
const NEXT_KEY = 'next';
/** Kept text is cut to these lengths so an entry fits NVS (the full text is in the audit log). */
const KEPT_TEXT = 160;
const KEPT_CATEGORIES = 12;

/**
 * The deadline clock. `wall`: the deadline as a wall-clock instant, once known.
 * Otherwise `spentMs` of uptime in earlier boots plus this boot's since `since`.
 * `anchor`: a wall time known to have passed by (boot, mono), for a lower bound of now.
 */
interface DeadlineClock {
  wall?: number;
  spentMs: number;
  since: number;
  savedSpentMs: number;
  anchor?: { wall: number; boot: number; mono: number };
}

/** The largest |ms| a Date can hold (ECMA-262 21.4.1.22 TimeClip). */
const MAX_DATE_MS = 8.64e15;

export class IncidentError extends Error {
  override name = 'IncidentError';
}

export class IncidentDesk {
  readonly #audit: AuditLog;
  readonly #clock: Clock;
  readonly #contract: (integration: string) => Contract | undefined;
  readonly #onAlert: AlertSink | undefined;
  readonly #incidents = new Map<string, Incident>();
  readonly #counters = { opened: 0, notified: 0, resolved: 0, overdue: 0, notKept: 0, restored: 0, forgotten: 0, refused: 0 };
  readonly #clocks = new Map<string, DeadlineClock>();
  readonly #store: KeyValueStore | undefined;
  readonly #log: Logger | undefined;
  /** Store key per kept incident id. */
  readonly #keys = new Map<string, string>();
  #next = 1;

  constructor({ audit, clock, contract, onAlert, store, log }: IncidentDeskPowers) {
    this.#audit = audit;
    this.#clock = clock;
    this.#contract = contract;
    this.#onAlert = onAlert;
    this.#store = store;
    this.#log = log;
    this.#restore();
  }

  report(input: IncidentReport): Incident {
    if (!input.title?.trim()) throw new IncidentError('incident: "title" is required (what happened, in a few words)');
    // Checked before anything changes: an instant outside the Date range would fail later, in the audit entry.
    if (input.discoveredAt !== undefined && !(Number.isFinite(input.discoveredAt) && Math.abs(input.discoveredAt) <= MAX_DATE_MS)) {
      throw new IncidentError(`incident: "discoveredAt" must be ms since the Unix epoch within the Date range (±${MAX_DATE_MS}), got ${input.discoveredAt}`);
    }
    this.#makeRoom(input.integration);
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
      deadlineHours: contract?.breachNotification.deadlineHours ?? GDPR_BREACH_HOURS,
      state: 'open',
      overdue: false,
    };
    if (input.vendorRef !== undefined) incident.vendorRef = input.vendorRef;
    this.#incidents.set(incident.id, incident);
    this.#counters.opened++;
    const clock: DeadlineClock = { spentMs: 0, since: discovered.mono, savedSpentMs: 0 };
    if (discovered.wall !== undefined) {
      clock.wall = discovered.wall + incident.deadlineHours * HOUR_MS;
      clock.anchor = { wall: discovered.wall, boot: discovered.boot, mono: discovered.mono };
    }
    this.#clocks.set(incident.id, clock);
    this.#store?.set(STORE_DOMAIN, NEXT_KEY, this.#next);
    this.#keep(incident);
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

  /** Forgets the oldest resolved incident when MAX_HELD_INCIDENTS are held; refuses the report when none is resolved. */
  #makeRoom(integration: string): void {
    if (this.#incidents.size < MAX_HELD_INCIDENTS) return;
    for (const incident of this.#incidents.values()) {
      if (incident.state !== 'resolved') continue;
      this.#incidents.delete(incident.id);
      this.#clocks.delete(incident.id);
      this.#counters.forgotten++;
      return;
    }
    this.#counters.refused++;
    this.#log?.warn(`incident for ${integration} refused: ${MAX_HELD_INCIDENTS} incidents are unresolved`);
    throw new IncidentError(`incident: ${MAX_HELD_INCIDENTS} incidents are unresolved, the most the hub holds; resolve the ones that are over before reporting another`);
  }

  /** The people who must be told were told: stops the deadline clock. */
  markNotified(id: string, actor: string, note = ''): Incident {
    const incident = this.#get(id, ['open']);
    incident.state = 'notified';
    incident.notified = { at: stampNow(this.#clock), note };
    this.#counters.notified++;
    this.#keep(incident);
    this.#audit.record(actor, 'incident.notified', incident.integration, { id, note, late: incident.overdue });
    return { ...incident };
  }

  resolve(id: string, actor: string, actionsTaken: string): Incident {
    const incident = this.#get(id, ['open', 'notified']);
    incident.state = 'resolved';
    incident.resolved = { at: stampNow(this.#clock), actionsTaken };
    this.#counters.resolved++;
    this.#unkeep(incident.id);
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
      const late = this.#lateMs(incident, now);
      if (late === undefined || late <= 0) continue;
      incident.overdue = true;
      this.#counters.overdue++;
      this.#keep(incident);
      const hoursLate = Math.floor(late / HOUR_MS);
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

  /** The deadline as a wall-clock instant, when the hub knows it. */
  deadline(id: string): number | undefined {
    return this.#clocks.get(id)?.wall;
  }

  /**
   * How far past its deadline an open incident is (negative: time left), or
   * undefined when the hub cannot tell yet. Learns the wall-clock deadline of
   * an uptime-only clock once the time is known, and saves the uptime clock
   * on its cadence.
   */
  #lateMs(incident: Incident, now: Stamp): number | undefined {
    const clock = this.#clocks.get(incident.id);
    if (!clock) return undefined;
    const deadlineMs = incident.deadlineHours * HOUR_MS;
    if (clock.wall === undefined) {
      const spent = clock.spentMs + Math.max(0, now.mono - clock.since);
      if (now.wall !== undefined) {
        clock.wall = now.wall + (deadlineMs - spent);
        clock.anchor = { wall: now.wall, boot: now.boot, mono: now.mono };
        this.#keep(incident);
      } else {
        if (spent - clock.savedSpentMs >= SPENT_SAVE_MS) this.#keep(incident);
        return spent - deadlineMs;
      }
    }
    // While the time is known, move the anchor forward on the cadence, so the bound after an offline boot stays tight.
    if (now.wall !== undefined && (!clock.anchor || now.wall - clock.anchor.wall >= SPENT_SAVE_MS)) this.#keep(incident);
    const lowerBound = now.wall ?? this.#wallLowerBound(clock, now);
    return lowerBound === undefined ? undefined : lowerBound - clock.wall;
  }

  /** A wall time that has certainly passed: the anchor plus the monotonic time since (within its boot) or this boot's uptime. */
  #wallLowerBound(clock: DeadlineClock, now: Stamp): number | undefined {
    const a = clock.anchor;
    if (!a) return undefined;
    return a.boot === now.boot ? a.wall + Math.max(0, now.mono - a.mono) : a.wall + now.mono;
  }

  /** Saves an unresolved incident and its clock (bounded; see MAX_KEPT_INCIDENTS). */
  #keep(incident: Incident): void {
    const store = this.#store;
    const clock = this.#clocks.get(incident.id);
    if (!store || !clock) return;
    let key = this.#keys.get(incident.id);
    if (key === undefined) {
      if (this.#keys.size >= MAX_KEPT_INCIDENTS) {
        this.#counters.notKept++;
        this.#log?.warn(`incident ${incident.id}: ${MAX_KEPT_INCIDENTS} unresolved incidents are already kept; this one's deadline clock will not survive a reboot. Resolve old incidents.`);
        return;
      }
      const used = new Set(this.#keys.values());
      for (let n = 0; key === undefined; n++) if (!used.has(`i${n}`)) key = `i${n}`;
      this.#keys.set(incident.id, key);
    }
    const now = stampNow(this.#clock);
    const spent = clock.wall === undefined ? clock.spentMs + Math.max(0, now.mono - clock.since) : 0;
    clock.savedSpentMs = spent;
    // The anchor moves forward whenever the time is known, so the lower bound after a reboot is tight.
    if (now.wall !== undefined) clock.anchor = { wall: now.wall, boot: now.boot, mono: now.mono };
    const kept = {
      ...incident,
      title: cut(incident.title),
      description: cut(incident.description),
      categories: incident.categories.slice(0, KEPT_CATEGORIES).map(cut),
      ...(incident.notified ? { notified: { at: incident.notified.at, note: cut(incident.notified.note) } } : {}),
      clock: { ...(clock.wall !== undefined ? { wall: clock.wall } : {}), spentMs: spent, ...(clock.anchor ? { anchor: clock.anchor } : {}) },
    };
    let text = JSON.stringify(kept);
    if (new TextEncoder().encode(text).length > MAX_VALUE_BYTES) text = JSON.stringify({ ...kept, description: '', categories: [] });
    try {
      store.set(STORE_DOMAIN, key, text);
    } catch (error) {
      this.#log?.error(`incident ${incident.id}: could not be saved (${(error as Error).message}); its clock will not survive a reboot`);
    }
  }

  #unkeep(id: string): void {
    const key = this.#keys.get(id);
    if (key === undefined) return;
    this.#keys.delete(id);
    this.#store?.delete(STORE_DOMAIN, key);
  }

  /** Reads the kept incidents back at boot: uptime-only clocks resume from what they had spent. */
  #restore(): void {
    const store = this.#store;
    if (!store) return;
    const next = store.get(STORE_DOMAIN, NEXT_KEY);
    if (typeof next === 'number' && next > 0) this.#next = next;
    for (const key of store.keys(STORE_DOMAIN)) {
      if (key === NEXT_KEY) continue;
      const raw = store.get(STORE_DOMAIN, key);
      let kept: (Incident & { clock?: { wall?: number; spentMs?: number; anchor?: DeadlineClock['anchor'] } }) | undefined;
      try {
        kept = typeof raw === 'string' ? (JSON.parse(raw) as typeof kept) : undefined;
      } catch {
        kept = undefined;
      }
      if (!kept || typeof kept.id !== 'string' || typeof kept.deadlineHours !== 'number' || !kept.clock || kept.state === 'resolved') {
        this.#log?.warn(`incident store: entry ${key} is unreadable; removed (its history is in the audit log)`);
        store.delete(STORE_DOMAIN, key);
        continue;
      }
      const { clock: saved, ...incident } = kept;
      const clock: DeadlineClock = { spentMs: Number(saved.spentMs) || 0, since: 0, savedSpentMs: Number(saved.spentMs) || 0 };
      if (typeof saved.wall === 'number') clock.wall = saved.wall;
      if (saved.anchor && typeof saved.anchor.wall === 'number') clock.anchor = saved.anchor;
      this.#incidents.set(incident.id, incident);
      this.#clocks.set(incident.id, clock);
      this.#keys.set(incident.id, key);
      this.#counters.restored++;
      const n = Number(/#(\d+)$/.exec(incident.id)?.[1]);
      if (Number.isInteger(n) && n >= this.#next) this.#next = n + 1;
    }
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
    const wall = this.#clocks.get(id)?.wall;
    const deadline = wall !== undefined ? new Date(wall).toISOString() : `${i.deadlineHours} hours after discovery`;
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

function cut(text: string): string {
  return text.length > KEPT_TEXT ? `${text.slice(0, KEPT_TEXT - 1)}…` : text;
}
