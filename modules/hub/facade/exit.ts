/**
 * The exit area ("Leaving"): export everything held for an integration, then
 * end it through the hub's exit (stop delivery, reclaim flash, shred keys)
 * and turn its receipt into statements the household can keep.
 */
import type { DeletionReceipt, ExitFacade, ExportBundle } from '../../web/facade/exit.js';
import { actorString, type FacadeContext } from './context.js';

export interface ExitPowers {
  /** Called once the integration has ended, so the areas that remember something of it let go. */
  ended(integration: string): void;
}

export function createExitArea({ hub, isoOf, nowIso, contractOf, titleOf }: FacadeContext, powers: ExitPowers): ExitFacade {
  return {
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
        ...forgotten(step('forget-configuration')?.result, title),
        `The hub will not connect ${title} again, even if its contract stays in the configuration, unless you add it again on the Contracts page (it then starts with new keys and no consent).`,
        `This receipt is entry ${receipt.auditSeq} of the audit log (hash ${receipt.auditHash.slice(0, 16)}…).`,
      ];
      for (const s of receipt.steps) if (!s.ok) statements.push(`Step "${s.step}" failed: ${s.error ?? 'unknown error'}. Tell your installer.`);
      powers.ended(integration);
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
  };
}

/** What the exit's last step removed besides records and keys: the contract, consent choices, credentials. */
function forgotten(result: unknown, title: string): string[] {
  const r = result as { contractVersions?: string[]; credentials?: string[] } | undefined;
  if (!r?.contractVersions) return [];
  const credentials = r.credentials?.length ? `, and its credential${r.credentials.length === 1 ? '' : 's'} ${r.credentials.map((c) => `"${c}"`).join(', ')}` : '';
  return [`${title}'s contract (version${r.contractVersions.length === 1 ? '' : 's'} ${r.contractVersions.join(', ')}) and your consent choices for it were removed from the hub${credentials}.`];
}
