/**
 * Audit rights: a contract names when the vendor was last audited and how
 * often it must be re-audited; past that, the integration is "audit overdue"
 * (a counter flag and a line on the page). Turning overdue is audited once.
 */
import type { Contract } from '../contract/types.js';
import type { Clock } from '../host.js';
import type { AuditLog } from './log.js';

export interface AuditRightsStatus {
  /** ISO date of the last audit (the contract's `audit.lastAuditDate`). */
  lastAudit?: string;
  /** The contract's `audit.reauditIntervalMonths`. */
  intervalMonths?: number;
  /** ISO date by which the next audit is due: the last audit plus the interval in calendar months. */
  nextDue?: string;
  auditOverdue: boolean;
  /** Why the status could not be worked out, e.g. a bad date or unknown wall time. */
  problem?: string;
}

const ISO_DATE = (): RegExp => /^(\d{4})-(\d{2})-(\d{2})$/;

/** `months` calendar months after an ISO date (ms, UTC); a day past the month's end becomes its last day. */
function addMonths(iso: string, months: number): number | undefined {
  const m = ISO_DATE().exec(iso);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const start = Date.UTC(year, month, day);
  if (new Date(start).getUTCDate() !== day) return undefined; // "2025-02-30"
  const lastDay = new Date(Date.UTC(year, month + months + 1, 0)).getUTCDate();
  return Date.UTC(year, month + months, Math.min(day, lastDay));
}

/** Pure: the status at wall time `now` (undefined when the hub does not know the time). */
export function auditRightsStatus(contract: Contract | undefined, now: number | undefined): AuditRightsStatus {
  if (!contract) return { auditOverdue: false };
  const { lastAuditDate, reauditIntervalMonths } = contract.audit;
  const status: AuditRightsStatus = { lastAudit: lastAuditDate, intervalMonths: reauditIntervalMonths, auditOverdue: false };
  const due = addMonths(lastAuditDate, reauditIntervalMonths);
  if (due === undefined) return { ...status, problem: `audit.lastAuditDate "${lastAuditDate}" is not a calendar date` };
  status.nextDue = new Date(due).toISOString().slice(0, 10);
  if (now === undefined) return { ...status, problem: 'wall time unknown' };
  status.auditOverdue = now > due;
  return status;
}

/** Tracks integrations and writes one audit entry when one turns overdue. */
export class AuditRights {
  readonly #audit: AuditLog;
  readonly #clock: Clock;
  readonly #overdue = new Set<string>();

  constructor({ audit, clock }: { audit: AuditLog; clock: Clock }) {
    this.#audit = audit;
    this.#clock = clock;
  }

  check(integration: string, contract: Contract | undefined): AuditRightsStatus {
    const status = auditRightsStatus(contract, this.#clock.wallTime());
    if (status.auditOverdue && !this.#overdue.has(integration)) {
      this.#overdue.add(integration);
      this.#audit.record('hub', 'audit-rights.overdue', integration, { lastAudit: status.lastAudit, intervalMonths: status.intervalMonths, nextDue: status.nextDue });
    } else if (!status.auditOverdue) {
      this.#overdue.delete(integration);
    }
    return status;
  }

  /** Integrations currently overdue: the `auditOverdue` counter. */
  overdue(): string[] {
    return [...this.#overdue];
  }
}
