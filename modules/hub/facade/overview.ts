/**
 * The overview area: each integration's counters from the monitor snapshot,
 * its promised service levels against what the forwarder measured, and one
 * health verdict with the reason that decided it.
 */
import type { Contract } from '../../contract/types.js';
import type { Incident } from '../../web/facade/incidents.js';
import type { IntegrationOverview, Overview, OverviewFacade, ServiceLevel } from '../../web/facade/overview.js';
import { duration, type FacadeContext } from './context.js';

export function createOverviewArea({ hub, contractOf, titleOf }: FacadeContext, incidents: () => Incident[]): OverviewFacade {
  function serviceLevels(id: string, contract: Contract, overdue: boolean, openIncidents: number): ServiceLevel[] {
    const sl = hub.delivery(id)?.serviceLevels;
    const promised = contract.serviceLevels;
    const notYet = 'not yet';
    return [
      {
        name: 'Availability',
        promised: `${promised.uptimePercent}%`,
        measured: sl?.uptimeRatio === undefined ? notYet : `${Math.round(sl.uptimeRatio * 1000) / 10}%`,
        met: !sl?.violating.uptime,
      },
      {
        name: 'Delivery time (95%)',
        promised: `within ${promised.p95DeliveryLatencySeconds} s`,
        measured: sl?.latencyP95Ms === undefined ? notYet : `${Math.round(sl.latencyP95Ms / 100) / 10} s`,
        met: !sl?.violating.latency,
      },
      {
        name: 'Oldest waiting',
        promised: `at most ${duration(promised.maxDeliveryLagSeconds)}`,
        measured: sl?.lagMs === undefined ? notYet : `${Math.round(sl.lagMs / 1000)} s`,
        met: !sl?.violating.lag,
      },
      {
        name: 'Breach notification',
        promised: `within ${contract.breachNotification.deadlineHours} hours`,
        measured: overdue ? 'overdue' : openIncidents > 0 ? 'open incident, on time so far' : 'no incidents',
        met: !overdue,
      },
    ];
  }

  return {
    overview(): Overview {
      const snapshot = hub.snapshot();
      const open = incidents().filter((i) => i.resolvedAt === null);
      const integrations = snapshot.integrations.map((status): IntegrationOverview => {
        const contract = contractOf(status.id);
        const mine = open.filter((i) => i.integration === status.id);
        const overdue = mine.some((i) => i.overdue);
        const levels = serviceLevels(status.id, contract, overdue, mine.length);
        const paused = hub.isPaused(status.id);
        const [health, healthReason] = overdue
          ? (['problem', 'A breach notification is overdue.'] as const)
          : status.connectivity === 'offline' && !paused
            ? (['problem', `The hub cannot reach ${titleOf(status.id)}; records wait in the hub within the contract's limits.`] as const)
            : paused
              ? (['attention', 'Delivery is paused; records wait in the hub within the contract\'s limits.'] as const)
              : status.pendingApproval
                ? (['attention', 'A contract change that widens data use waits for your decision.'] as const)
                : levels.some((l) => !l.met)
                  ? (['attention', 'The vendor is missing a promised service level.'] as const)
                  : status.connectivity === 'degraded'
                    ? (['attention', 'Delivery is unreliable at the moment; the hub keeps retrying.'] as const)
                    : status.auditOverdue
                      ? (['attention', 'The vendor\'s independent audit is overdue under its contract.'] as const)
                      : mine.length > 0
                        ? (['attention', 'An incident is open.'] as const)
                        : (['ok', 'Delivering within its contract.'] as const);
        return { ...status, title: titleOf(status.id), health, healthReason, contractVersion: contract.version, serviceLevels: levels };
      });
      return { hub: snapshot.hub, integrations };
    },
  };
}
