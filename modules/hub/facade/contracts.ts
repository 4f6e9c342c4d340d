/**
 * The contracts area: each integration's contract in plain language, the
 * document as loaded, and the change management's pending change with the
 * owner's decision on it. A decision that no longer applies (superseded, a
 * stale version) is a 409 saying what waits now.
 */
import { describeStamp } from '../../audit/time.js';
import { describeTransform } from '../../contract/transforms.js';
import type { Contract } from '../../contract/types.js';
import { FacadeError } from '../../web/facade.js';
import type { ContractDecision, ContractDocument, ContractsFacade, ContractSummary, PendingChange } from '../../web/facade/contracts.js';
import type { Hub } from '../hub.js';
import { actorString, duration, type FacadeContext } from './context.js';

export function createContractsArea({ hub, isoOf, contractOf, titleOf }: FacadeContext): ContractsFacade {
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

  return {
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
  };
}
