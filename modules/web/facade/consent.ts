// The page's consent area: each purpose's decision, and what withdrawing it purges.
import type { Actor } from '../facade.js';

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

export interface ConsentFacade {
  consent(): ConsentEntry[];
  giveConsent(integration: string, purpose: string, actor: Actor): ConsentEntry;
  /** What withdrawing would purge, without doing it. */
  withdrawalPreview(integration: string, purpose: string): PurgePlan;
  withdrawConsent(integration: string, purpose: string, actor: Actor): PurgeResult;
}
