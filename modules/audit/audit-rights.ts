/**
 * Audit rights: a contract names when the vendor was last audited and how
 * often it must be re-audited; past that, the integration is "audit overdue"
 * (a counter flag and a line on the page). Turning overdue is audited once.
 */
import type { Clock } from '../host.js';
import type { AuditLog } from './log.js';
import type { ContractLike } from './contract-shape.js';
import { DAY_MS } from './time.js';

export interface AuditRightsStatus {
  /** ISO date of the last audit, if stated. */
  lastAudit?: string;
  intervalDays?: number;
  /** ISO date by which the next audit is due. */
  nextDue?: string;
  auditOverdue: boolean;
  /** Why the status could not be worked out, e.g. a bad date or unknown wall time. */
  problem?: string;
}

/** Pure: the status at wall time `now` (undefined when the hub does not know the time). */
export function auditRightsStatus(contract: ContractLike | undefined, now: number | undefined): AuditRightsStatus {
  const terms = contract?.audit;
  if (!terms?.intervalDays) return { auditOverdue: false };
  const status: AuditRightsStatus = { intervalDays: terms.intervalDays, auditOverdue: false };
  if (!terms.lastAudit) {
    // An interval with no audit on record: an audit is owed now.
    return { ...status, auditOverdue: true, problem: 'the contract names a re-audit interval but no last audit date' };
  }
  status.lastAudit = terms.lastAudit;
  const last = Date.parse(terms.lastAudit);
  if (!Number.isFinite(last)) return { ...status, problem: `audit.lastAudit "${terms.lastAudit}" is not an ISO date` };
  const due = last + terms.intervalDays * DAY_MS;
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

  check(integration: string, contract: ContractLike | undefined): AuditRightsStatus {
    const status = auditRightsStatus(contract, this.#clock.wallTime());
    if (status.auditOverdue && !this.#overdue.has(integration)) {
      this.#overdue.add(integration);
      this.#audit.record('hub', 'audit-rights.overdue', integration, { lastAudit: status.lastAudit, intervalDays: status.intervalDays, nextDue: status.nextDue });
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
