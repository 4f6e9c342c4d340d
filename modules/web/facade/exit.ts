// The page's exit ("Leaving"): export everything held for an integration, then end it with a receipt.
import type { Actor } from '../facade.js';

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

export interface ExitFacade {
  exportIntegration(integration: string, actor: Actor): ExportBundle;
  /** Ends the integration: deletes its records, destroys its keys, returns a receipt. */
  deleteIntegration(integration: string, actor: Actor): DeletionReceipt;
}
