/**
 * The incidents area: the hub's incident desk as the page shows it. Ids in
 * page paths are the desk's "<integration>#<n>" with "." for "#".
 */
import type { Incident as DeskIncident } from '../../audit/incidents.js';
import { describeStamp, HOUR_MS } from '../../audit/time.js';
import { FacadeError } from '../../web/facade.js';
import type { Incident, IncidentsFacade, NewIncident } from '../../web/facade/incidents.js';
import { actorString, type FacadeContext } from './context.js';

/** Incident ids as the page uses them in paths: the desk's "<integration>#<n>" with "." for "#". */
export function pageIncidentId(deskId: string): string {
  return deskId.replace(/#(\d+)$/, '.$1');
}

function deskIncidentId(pageId: string): string {
  return pageId.replace(/\.(\d+)$/, '#$1');
}

export function createIncidentsArea({ hub, clock, isoOf, contractOf }: FacadeContext): IncidentsFacade {
  function toIncident(i: DeskIncident): Incident {
    const detected = i.discovered.wall ?? (isoOf(i.discovered) === null ? undefined : Date.parse(isoOf(i.discovered)!));
    // The desk's own deadline first: it stays right across reboots and for clocks that learnt the time late.
    const deadline = hub.incidents.deadline(i.id) ?? (detected === undefined ? undefined : detected + i.deadlineHours * HOUR_MS);
    const now = clock.wallTime();
    const pastDeadline = deadline !== undefined && now !== undefined && now > deadline;
    return {
      id: pageIncidentId(i.id),
      integration: i.integration,
      title: i.title,
      detectedAt: detected === undefined ? describeStamp(i.discovered) : new Date(detected).toISOString(),
      notifyBy: deadline === undefined ? `${i.deadlineHours} hours after discovery` : new Date(deadline).toISOString(),
      notifiedAt: i.notified ? isoOf(i.notified.at) : null,
      resolvedAt: i.resolved ? isoOf(i.resolved.at) : null,
      overdue: i.state === 'open' && (i.overdue || pastDeadline),
    };
  }

  function incidentStep(id: string, step: (deskId: string) => DeskIncident): Incident {
    const deskId = deskIncidentId(id);
    const current = hub.incidents.get(deskId);
    if (!current) throw new FacadeError(404, 'no-such-incident', `There is no incident "${id}".`);
    try {
      return toIncident(step(deskId));
    } catch (error) {
      throw new FacadeError(409, 'incident-state', `Incident ${id} is ${current.state}: ${String((error as Error)?.message ?? error)}.`);
    }
  }

  return {
    incidents(): Incident[] {
      return hub.incidents.list().map(toIncident);
    },

    registerIncident(incident: NewIncident, _actor) {
      contractOf(incident.integration);
      const discoveredAt = incident.detectedAt === undefined ? undefined : Date.parse(incident.detectedAt);
      if (discoveredAt !== undefined && Number.isNaN(discoveredAt)) throw new FacadeError(400, 'bad-time', `"${incident.detectedAt}" is not an ISO date and time.`);
      try {
        // The desk records owner reports under the actor "owner" (only the owner may register them).
        return toIncident(hub.incidents.report({ integration: incident.integration, reportedBy: 'owner', title: incident.title, ...(discoveredAt === undefined ? {} : { discoveredAt }) }));
      } catch (error) {
        throw new FacadeError(400, 'bad-incident', String((error as Error)?.message ?? error));
      }
    },

    markIncidentNotified(id, actor) {
      return incidentStep(id, (deskId) => hub.incidents.markNotified(deskId, actorString(actor), 'marked on the hub page'));
    },

    markIncidentResolved(id, actor) {
      return incidentStep(id, (deskId) => hub.incidents.resolve(deskId, actorString(actor), `marked resolved on the hub page by ${actor.name}`));
    },
  };
}
