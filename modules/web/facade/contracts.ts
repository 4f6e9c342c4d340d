// The page's contracts area: each integration's contract in plain language, and the changes that wait for the owner.
import type { Actor } from '../facade.js';

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

export interface ContractsFacade {
  contracts(): ContractSummary[];
  contractDocument(integration: string): ContractDocument;
  pendingChange(integration: string): PendingChange | null;
  /** `version` must equal the pending change's `toVersion` (refuses a stale page). */
  approveChange(integration: string, version: string, actor: Actor): ContractDecision;
  rejectChange(integration: string, version: string, actor: Actor, reason: string): ContractDecision;
}
