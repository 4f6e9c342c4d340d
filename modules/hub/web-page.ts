/**
 * The hub's local page over a composed Hub: the facade and the router, wired
 * by the runtime both roots call (modules/hub/runtime.ts).
 * Only the assets and the server differ per host.
 */
import type { Host, Logger } from '../host.js';
import { createWebRouter, type WebRouter } from '../web/router.js';
import type { SettingsFacade } from '../web/facade/settings.js';
import type { WebAssets } from '../web/static.js';
import type { Hub } from './hub.js';
import { auditAuthEvent } from './facade/auth-audit.js';
import { createHubFacade } from './facade/hub-facade.js';
import type { IntegrationInstaller } from './integration-installer.js';

export interface HubWebPage {
  facade: ReturnType<typeof createHubFacade>;
  router: WebRouter;
}

export interface HubWebPageOptions {
  /** PBKDF2 iterations for new password hashes: a per-host figure (modules/web/auth.ts DEFAULT_PBKDF2_ITERATIONS is the board's). */
  pbkdf2Iterations?: number;
  /** Adding and removing integrations from the page; without it those requests are refused. */
  installer?: IntegrationInstaller;
  /** The settings area (facade/settings.ts); without it the page's settings answer 503. */
  settings?: SettingsFacade;
}

export function createHubWebPage(
  hub: Hub,
  host: Pick<Host, 'clock' | 'timers' | 'random' | 'crypto' | 'store'>,
  log: Logger,
  assets: WebAssets,
  options: HubWebPageOptions = {},
): HubWebPage {
  const facade = createHubFacade(hub, {
    clock: host.clock,
    timers: host.timers,
    ...(options.installer ? { installer: options.installer } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const router = createWebRouter({
    clock: host.clock,
    random: host.random,
    crypto: host.crypto,
    store: host.store,
    log,
    facade,
    assets,
    onAuthEvent: auditAuthEvent(hub),
    ...(options.pbkdf2Iterations !== undefined ? { pbkdf2Iterations: options.pbkdf2Iterations } : {}),
  });
  return { facade, router };
}
