/**
 * Everything the hub's web page needs from the rest of the hub, as one
 * interface of plain, JSON-serializable results. The web layer (router, auth,
 * pages) is written against this and nothing else; `modules/hub/facade/`
 * implements it over the composed hub, one file per page area, as the area
 * types here are split (`modules/web/facade/<area>.ts`).
 *
 * Methods are synchronous on purpose: Moddable's HTTP server asks for the
 * response inside the same callback that delivered the request, so the
 * router must be able to answer without awaiting (see hosts/moddable/http-server.ts).
 *
 * Methods that change something receive the `Actor` (who, in which role) so
 * the hub can write it to the audit log. They throw `FacadeError` for a
 * refusal the person should read (unknown integration, stale version, ...);
 * the router turns it into a JSON error with its status.
 */
import type { AuditFacade } from './facade/audit.js';
import type { ConsentFacade } from './facade/consent.js';
import type { ContractsFacade } from './facade/contracts.js';
import type { DataMapFacade } from './facade/data-map.js';
import type { ExitFacade } from './facade/exit.js';
import type { HistoryFacade } from './facade/history.js';
import type { IncidentsFacade } from './facade/incidents.js';
import type { IntegrationSettingsFacade } from './facade/integration-settings.js';
import type { IntegrationAdmin } from './facade/integrations.js';
import type { OverviewFacade } from './facade/overview.js';
import type { SettingsFacade } from './facade/settings.js';

export type Role = 'owner' | 'member' | 'installer';

export interface Actor {
  readonly name: string;
  readonly role: Role;
}

/** A refusal with an HTTP status and a message written for the person using the page. */
export class FacadeError extends Error {
  // A class field (define semantics): assigning `name` would hit the frozen Error.prototype.name on a hardened XS.
  override readonly name = 'FacadeError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The page's areas, each in its own file under `modules/web/facade/`. */
export interface HubFacade
  extends OverviewFacade,
    DataMapFacade,
    ConsentFacade,
    ContractsFacade,
    IntegrationSettingsFacade,
    IntegrationAdmin,
    HistoryFacade,
    IncidentsFacade,
    AuditFacade,
    ExitFacade,
    SettingsFacade {}
