/**
 * The audit log area: the newest entries of the hash chain in plain language,
 * read from the chain itself, with its verification and head.
 */
import type { SealedEntry } from '../../audit/chain.js';
import type { AuditEntry, AuditFacade, AuditView } from '../../web/facade/audit.js';
import { str, type FacadeContext } from './context.js';
import { pageIncidentId } from './incidents.js';

export function createAuditArea({ hub, isoOf, nowIso, titleOf }: FacadeContext): AuditFacade {
  function describeEntry(e: SealedEntry): string {
    const d = e.details;
    const who = titleOf(e.subject);
    switch (e.action) {
      case 'contract.installed':
        return `Contract ${str(d.version)} of ${who} installed.`;
      case 'contract.updated':
        return d.status === 'pending'
          ? `${who} proposed contract ${str(d.version)}; it widens data use and waits for the owner (${str(d.from)} stays in force).`
          : `Contract ${str(d.version)} of ${who} applied at once: it only narrows data use.`;
      case 'contract.approved':
        return `Contract ${str(d.version)} for ${who} approved; it applies from now on.`;
      case 'contract.rejected':
        return `Contract ${str(d.version)} for ${who} rejected${d.reason ? `: ${str(d.reason)}` : ''}; ${str(d.kept)} stays in force.`;
      case 'contract.reverted':
        return `Contract of ${who} reverted from ${str(d.from)} to ${str(d.to)}.`;
      case 'consent.given':
        return `Consent given to ${who} for "${str(d.purpose)}".`;
      case 'consent.withdrawn':
        return `Consent withdrawn from ${who} for "${str(d.purpose)}".`;
      case 'data.purged':
        return `${str(d.records, '0')} buffered record(s) of ${who} purged and its keys destroyed (${str(d.reason, 'purge')}).`;
      case 'data.lost':
        return `A power cut took up to ${str(d.atMost, '0')} record(s) of ${who} from RAM before they reached flash (seqs ${str(d.fromSeq)}–${str(d.toSeq)} skipped).`;
      case 'retention.expired':
        return `${str(d.records, '0')} record(s) waited longer than their contract allows and were deleted.`;
      case 'export.created':
        return `Everything held for ${who} exported (${str(d.undeliveredRecords, '0')} undelivered record(s), ${str(d.auditEntries, '0')} audit entries; SHA-256 ${str(d.sha256).slice(0, 16)}…).`;
      case 'integration.deleted':
        return `${who} ended: delivery stopped, keys destroyed, flash reclaimed${d.completed === false ? ' (a step failed: see details)' : ''}.`;
      case 'incident.opened':
        return `Incident ${pageIncidentId(str(d.id))} registered for ${who}: ${str(d.title)}; notification due within ${str(d.deadlineHours)} hours.`;
      case 'incident.notified':
        return `Incident ${pageIncidentId(str(d.id))}: the vendor's notification was received${d.late === true ? ' (late)' : ''}.`;
      case 'incident.resolved':
        return `Incident ${pageIncidentId(str(d.id))} marked resolved.`;
      case 'incident.overdue':
        return `Incident ${pageIncidentId(str(d.id))} at ${who} was not notified within ${str(d.deadlineHours)} hours.`;
      case 'sla.violation':
        return `${who} broke a promised service level: ${str(d.kind)} ${str(d.observed)} against ${str(d.promised)}.`;
      case 'audit-rights.overdue':
        return `${who}'s independent audit is overdue under its contract.`;
      case 'auth.login':
        return `${e.actor} logged in${d.from ? ` from ${str(d.from)}` : ''}.`;
      case 'auth.login-failed':
        return typeof d.text === 'string' ? d.text : `Failed login for "${e.actor}"${d.from ? ` from ${str(d.from)}` : ''}.`;
      case 'config.changed':
        if (d.event === 'boot') return `Hub started (boot ${str(d.boot)}).`;
        if (d.event === 'delivery.paused') return `Delivery to ${who} paused (${str(d.buffered, '0')} record(s) waiting).`;
        if (d.event === 'delivery.resumed') return `Delivery to ${who} resumed.`;
        if (typeof d.text === 'string') return d.text;
        return `Configuration changed (${str(d.event, 'unspecified')}).`;
      default:
        return typeof d.text === 'string' ? d.text : `${e.action} (${JSON.stringify(d).slice(0, 160)})`;
    }
  }

  return {
    audit(limit: number): AuditView {
      const all = hub.audit.entries();
      const report = hub.audit.verify();
      const head = hub.audit.head();
      const entries = all
        .slice(-limit)
        .reverse()
        .map((e): AuditEntry => ({
          seq: e.seq,
          at: isoOf(e.time),
          kind: e.action,
          actor: e.actor,
          integration: e.subject === 'hub' || e.subject === hub.hubId ? null : e.subject,
          text: describeEntry(e),
          hash: e.hash,
        }));
      return {
        entries,
        verification: { state: report.ok ? 'verified' : 'broken', checked: report.checked, brokenAt: report.ok ? null : report.fault?.seq ?? null, checkedAt: nowIso() },
        head: head.seq > 0 ? { seq: head.seq, hash: head.hash } : null,
      };
    },
  };
}
