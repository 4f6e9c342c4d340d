/**
 * The web page's view of the real hub: `HubFacade` (modules/web/facade.ts)
 * over the composed `Hub`, put together from one part per page area (this
 * folder). Every answer is read from the component that enforces it
 * (contracts from the change manager, consent from the consent book, counters
 * from the monitor snapshot, the audit view from the chain itself), so the
 * page cannot show something the hub does not do.
 *
 * Refusals become `FacadeError`s with the status the router sends: 404 for an
 * unknown integration, purpose or incident, 409 for a decision that no longer
 * applies (superseded or stale version, incident already closed, endpoint
 * change that needs a contract change).
 *
 * Two areas keep something of their own: the counters history (a bounded
 * ring of samples taken with the Timers capability) and consent (the last
 * decision per purpose); `stop()` ends both.
 */
import type { Clock, Timers } from '../../host.js';
import type { HubFacade } from '../../web/facade.js';
import type { SettingsFacade } from '../../web/facade/settings.js';
import type { Hub } from '../hub.js';
import { createAuditArea } from './audit.js';
import { createConsentArea } from './consent.js';
import { createFacadeContext } from './context.js';
import { createContractsArea } from './contracts.js';
import { createDataMapArea } from './data-map.js';
import { createExitArea } from './exit.js';
import { createHistoryArea } from './history.js';
import { createIncidentsArea } from './incidents.js';
import { createIntegrationSettingsArea } from './integration-settings.js';
import { createIntegrationsArea } from './integrations.js';
import type { IntegrationInstaller } from '../integration-installer.js';
import { createOverviewArea } from './overview.js';
import { noSettings } from './settings.js';

export interface WebFacadePowers {
  clock: Clock;
  timers: Timers;
  /** Seconds between counter samples (default 60). */
  sampleIntervalS?: number;
  /** Samples kept (default 120: two hours at one a minute). */
  historyCapacity?: number;
  /** Buffered records the withdrawal preview decrypts to tell purposes apart (default 64: each is an AES-GCM open, inside a synchronous request). */
  previewScanLimit?: number;
  /** Adding and removing integrations (./integrations.ts); without it those requests are refused. */
  installer?: IntegrationInstaller;
  /** The settings area (./settings.ts), built by the runtime that owns the brokers it reconnects. */
  settings?: SettingsFacade;
}

export type WebHubFacade = HubFacade & { stop(): void };

export function createHubFacade(hub: Hub, powers: WebFacadePowers): WebHubFacade {
  const context = createFacadeContext(hub, powers.clock);
  const { forgetIntegration, stop: stopConsent, ...consent } = createConsentArea(context, { previewScanLimit: powers.previewScanLimit ?? 64 });
  const { stop: stopHistory, ...history } = createHistoryArea(context, {
    timers: powers.timers,
    sampleIntervalS: powers.sampleIntervalS ?? 60,
    historyCapacity: powers.historyCapacity ?? 120,
  });
  const incidents = createIncidentsArea(context);
  return {
    ...createOverviewArea(context, incidents.incidents),
    ...createDataMapArea(context),
    ...consent,
    ...createContractsArea(context),
    ...createIntegrationSettingsArea(context),
    ...createIntegrationsArea(context, powers.installer),
    ...history,
    ...incidents,
    ...createAuditArea(context),
    ...createExitArea(context, { ended: forgetIntegration }),
    ...(powers.settings ?? noSettings()),
    stop() {
      stopHistory();
      stopConsent();
    },
  };
}
