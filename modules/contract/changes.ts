/**
 * Contract change management: a new version that only narrows applies at
 * once; one that widens anything waits, while the old version keeps being
 * enforced, until the owner approves or rejects it. The owner can revert to
 * the previous approved version in one step. Every step is audited.
 *
 * A version that both widens and narrows waits as a whole: a contract
 * version is applied or not, never partly.
 */
import type { AuditLog } from '../audit/log.js';
import { stampNow } from '../audit/time.js';
import type { Clock } from '../host.js';
import type { Stamp } from '../reading.js';
import { describeDiff, type ContractDiff } from './diff.js';
import type { Contract } from './types.js';

export { describeDiff, type ContractDiff, type ContractChange } from './diff.js';

export type ChangeOutcome =
  | { ok: true; status: 'installed' | 'applied' | 'pending' | 'unchanged' | 'approved' | 'rejected' | 'reverted'; version: string; diff?: ContractDiff }
  | { ok: false; code: 'superseded' | 'no-pending' | 'no-previous' | 'unknown-integration'; reason: string };

export interface ContractHistoryEvent {
  event: 'installed' | 'applied' | 'pending' | 'approved' | 'rejected' | 'superseded' | 'reverted';
  version: string;
  at: Stamp;
  actor: string;
  summary?: string;
}

interface IntegrationState {
  /** Approved versions in order; the last one is enforced. */
  approved: Contract[];
  pending?: { contract: Contract; diff: ContractDiff; since: Stamp };
  /** Versions that were pending and were replaced by a newer one. */
  superseded: Set<string>;
  history: ContractHistoryEvent[];
}

export interface ChangeManagerPowers {
  audit: AuditLog;
  clock: Clock;
  /** Called whenever the enforced version of an integration changes: hand it to the pipeline. */
  onEnforce?: (integration: string, contract: Contract) => void;
}

export interface ChangeCounters {
  applied: number;
  heldPending: number;
  approved: number;
  rejected: number;
  reverted: number;
  refused: number;
}

export class ChangeManager {
  readonly #audit: AuditLog;
  readonly #clock: Clock;
  readonly #onEnforce: ((integration: string, contract: Contract) => void) | undefined;
  readonly #states = new Map<string, IntegrationState>();
  readonly #counters: ChangeCounters = { applied: 0, heldPending: 0, approved: 0, rejected: 0, reverted: 0, refused: 0 };

  constructor({ audit, clock, onEnforce }: ChangeManagerPowers) {
    this.#audit = audit;
    this.#clock = clock;
    this.#onEnforce = onEnforce;
  }

  enforced(integration: string): Contract | undefined {
    const approved = this.#states.get(integration)?.approved;
    return approved?.[approved.length - 1];
  }

  pending(integration: string): { version: string; diff: ContractDiff; since: Stamp } | undefined {
    const p = this.#states.get(integration)?.pending;
    return p && { version: p.contract.version, diff: p.diff, since: p.since };
  }

  history(integration: string): ContractHistoryEvent[] {
    return [...(this.#states.get(integration)?.history ?? [])];
  }

  /** Every version this hub has seen for the integration (approved ones in order, then a pending one). */
  versions(integration: string): Contract[] {
    const s = this.#states.get(integration);
    return s ? [...s.approved, ...(s.pending ? [s.pending.contract] : [])] : [];
  }

  counters(): ChangeCounters {
    return { ...this.#counters };
  }

  /**
   * Restores, without a new audit entry, the version this hub enforced before
   * a restart (its installation or approval was audited then). Only for an
   * integration this manager does not know yet.
   */
  restore(contract: Contract): void {
    if (this.#states.has(contract.integration)) return;
    this.#states.set(contract.integration, { approved: [contract], superseded: new Set(), history: [] });
    this.#onEnforce?.(contract.integration, contract);
  }

  /**
   * Forgets an integration that was removed (after its exit was exported):
   * a later re-add starts as a fresh installation, not as a change of the
   * removed contract. The audit log keeps what happened.
   */
  forget(integration: string): void {
    this.#states.delete(integration);
  }

  /** Installs a contract version for `contract.integration`. */
  install(contract: Contract, actor = 'installer'): ChangeOutcome {
    const integration = contract.integration;
    const version = contract.version;
    const state = this.#states.get(integration);
    const current = this.enforced(integration);
    if (!state || !current) {
      const fresh: IntegrationState = { approved: [contract], superseded: new Set(), history: [] };
      this.#states.set(integration, fresh);
      this.#note(fresh, 'installed', version, actor);
      this.#audit.record(actor, 'contract.installed', integration, { version, categories: contract.streams.map((s) => s.stream) });
      this.#onEnforce?.(integration, contract);
      return { ok: true, status: 'installed', version };
    }
    if (current.version === version) return { ok: true, status: 'unchanged', version };
    const diff = describeDiff(current, contract);
    const superseded = this.#supersedePending(state, version, actor);
    const details = { version, from: current.version, superseded, changes: diff.changes.map((c) => ({ direction: c.direction, path: c.path, summary: c.summary })) };
    if (!diff.widening) {
      state.approved.push(contract);
      this.#counters.applied++;
      this.#note(state, 'applied', version, actor, diff.summary);
      this.#audit.record(actor, 'contract.updated', integration, { ...details, status: 'applied' });
      this.#onEnforce?.(integration, contract);
      return { ok: true, status: 'applied', version, diff };
    }
    state.pending = { contract, diff, since: stampNow(this.#clock) };
    this.#counters.heldPending++;
    this.#note(state, 'pending', version, actor, diff.summary);
    this.#audit.record(actor, 'contract.updated', integration, { ...details, status: 'pending' });
    return { ok: true, status: 'pending', version, diff };
  }

  /** The owner accepts the pending widening `version`; a superseded or unknown version is refused. */
  approve(integration: string, version: string, actor = 'owner'): ChangeOutcome {
    const checked = this.#checkPending(integration, version);
    if (!checked.ok) return checked;
    const { state, pending } = checked;
    state.approved.push(pending.contract);
    delete state.pending;
    this.#counters.approved++;
    this.#note(state, 'approved', version, actor, pending.diff.summary);
    this.#audit.record(actor, 'contract.approved', integration, { version, summary: pending.diff.summary });
    this.#onEnforce?.(integration, pending.contract);
    return { ok: true, status: 'approved', version, diff: pending.diff };
  }

  /** The owner refuses the pending `version`; the enforced version stays. A reason, when given, goes to the audit entry. */
  reject(integration: string, version: string, actor = 'owner', reason?: string): ChangeOutcome {
    const checked = this.#checkPending(integration, version);
    if (!checked.ok) return checked;
    const { state, pending } = checked;
    delete state.pending;
    this.#counters.rejected++;
    this.#note(state, 'rejected', version, actor);
    const details: Record<string, string> = { version, kept: this.enforced(integration)!.version };
    if (reason) details.reason = reason;
    this.#audit.record(actor, 'contract.rejected', integration, details);
    return { ok: true, status: 'rejected', version };
  }

  /** Rolls back to the previous approved version in one step; a pending change is dropped with it. */
  revert(integration: string, actor = 'owner'): ChangeOutcome {
    const state = this.#states.get(integration);
    if (!state) return this.#refuse('unknown-integration', `no contract is installed for "${integration}"`);
    if (state.approved.length < 2) return this.#refuse('no-previous', `"${integration}" has no earlier approved version to revert to`);
    const from = state.approved.pop()!;
    const to = state.approved[state.approved.length - 1]!;
    const dropped = this.#supersedePending(state, to.version, actor);
    this.#counters.reverted++;
    this.#note(state, 'reverted', to.version, actor, `from ${from.version}`);
    this.#audit.record(actor, 'contract.reverted', integration, { from: from.version, to: to.version, droppedPending: dropped });
    this.#onEnforce?.(integration, to);
    return { ok: true, status: 'reverted', version: to.version };
  }

  #checkPending(integration: string, version: string):
    | { ok: true; state: IntegrationState; pending: NonNullable<IntegrationState['pending']> }
    | (ChangeOutcome & { ok: false }) {
    const state = this.#states.get(integration);
    if (!state) return this.#refuse('unknown-integration', `no contract is installed for "${integration}"`);
    const pending = state.pending;
    if (pending && pending.contract.version === version) return { ok: true, state, pending };
    if (state.superseded.has(version)) {
      return this.#refuse('superseded', `version ${version} of "${integration}" was superseded${pending ? ` by version ${pending.contract.version}, which is the one waiting for a decision` : ''}; review the current change instead`);
    }
    return this.#refuse('no-pending', `version ${version} of "${integration}" is not waiting for approval${pending ? ` (version ${pending.contract.version} is)` : ''}`);
  }

  /** Drops the pending version, remembering it so a late approval of it is refused; returns it. */
  #supersedePending(state: IntegrationState, by: string, actor: string): string | undefined {
    if (!state.pending) return undefined;
    const old = state.pending.contract.version;
    state.superseded.add(old);
    this.#note(state, 'superseded', old, actor, `by ${by}`);
    delete state.pending;
    return old;
  }

  #refuse(code: 'superseded' | 'no-pending' | 'no-previous' | 'unknown-integration', reason: string): ChangeOutcome & { ok: false } {
    this.#counters.refused++;
    return { ok: false, code, reason };
  }

  #note(state: IntegrationState, event: ContractHistoryEvent['event'], version: string, actor: string, summary?: string): void {
    const item: ContractHistoryEvent = { event, version, at: stampNow(this.#clock), actor };
    if (summary !== undefined) item.summary = summary;
    state.history.push(item);
  }
}
