/**
 * The JSON API: which path does what, and who may call it. The router checks
 * session, CSRF and role from each route's `access` before the handler runs.
 *
 * Roles (docs/web.md explains the choice):
 * - owner: everything.
 * - member (someone else in the household): sees every page, may withdraw any
 *   consent (any resident can stop a flow of their home's data), and may give
 *   back a consent they withdrew themselves; giving anything else, contract
 *   decisions, incidents, exit and accounts stay with the owner.
 * - installer (time-limited): sees how integrations run and configures them
 *   (endpoint, pause) and the hub settings, names devices; never consent, audit log, exit or accounts.
 */
import { parseDeviceNameRequest } from '../sources/device-names.js';
import type { WebAuth } from './auth.js';
import { FacadeError, type Actor, type HubFacade, type Role } from './facade.js';
import type { IntegrationSettings } from './facade/integration-settings.js';
import { HttpError, jsonResponse, type WebResponse } from './http.js';
import type { Session } from './sessions.js';
import { integrationRoutes } from './api-integrations.js';

export interface ApiContext {
  facade: HubFacade;
  auth: WebAuth;
  session: Session | undefined;
  params: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, unknown>;
  remote: string | undefined;
  token: string | undefined;
  sessionExpired: boolean;
}

export type ApiResult =
  | { kind: 'json'; value: unknown; status?: number; headers?: [string, string][]; newSession?: string; endSession?: boolean }
  | { kind: 'raw'; response: WebResponse };

export interface ApiRoute {
  method: 'GET' | 'POST';
  path: string;
  /** `public`, or the roles allowed. */
  access: 'public' | readonly Role[];
  /** What the route does, for the "cannot do this" message. */
  what: string;
  /** A promise only where the hub must wait on something outside it (a broker's test connection); hosts serve with `handle`. */
  handler(context: ApiContext): ApiResult | Promise<ApiResult>;
}

const ANY: readonly Role[] = Object.freeze(['owner', 'member', 'installer'] as const);
const HOUSEHOLD: readonly Role[] = Object.freeze(['owner', 'member'] as const);
const OWNER: readonly Role[] = Object.freeze(['owner'] as const);
const CONFIGURERS: readonly Role[] = Object.freeze(['owner', 'installer'] as const);
const AUDIT_DEFAULT = 50;
const AUDIT_MAX = 500;

const json = (value: unknown, extra: Partial<Extract<ApiResult, { kind: 'json' }>> = {}): ApiResult => ({ kind: 'json', value, ...extra });

function actor(context: ApiContext): Actor {
  const session = context.session!;
  return { name: session.name, role: session.role };
}

function text(body: Record<string, unknown>, field: string, maxLength = 200): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw new HttpError(400, 'missing-field', `"${field}" is required and must be a non-empty string.`);
  if (value.length > maxLength) throw new HttpError(400, 'field-too-long', `"${field}" must be at most ${maxLength} characters.`);
  return value.trim();
}

function optionalText(body: Record<string, unknown>, field: string, maxLength = 500): string {
  const value = body[field];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new HttpError(400, 'bad-field', `"${field}" must be a string when present.`);
  if (value.length > maxLength) throw new HttpError(400, 'field-too-long', `"${field}" must be at most ${maxLength} characters.`);
  return value.trim();
}

function queryText(query: Record<string, string>, field: string): string {
  const value = query[field];
  if (!value) throw new HttpError(400, 'missing-query', `Add ?${field}=... to the address.`);
  return value;
}

function sessionView(context: ApiContext) {
  const session = context.session;
  return {
    setupRequired: context.auth.setupRequired,
    user: session ? { name: session.name, role: session.role } : null,
    csrf: session ? session.csrf : null,
    sessionExpired: context.sessionExpired,
  };
}

/** A member may give back only a consent they withdrew themselves. */
function checkMemberMayGive(context: ApiContext, integration: string, purpose: string): void {
  if (context.session!.role !== 'member') return;
  const entry = context.facade.consent().find((c) => c.integration === integration && c.purpose === purpose);
  if (!entry) throw new FacadeError(404, 'no-such-consent', `There is no purpose "${purpose}" for integration "${integration}".`);
  if (entry.changedBy !== context.session!.name) {
    throw new HttpError(403, 'forbidden', 'Members can give back only a consent they withdrew themselves; ask the owner to give this one.');
  }
}

function parseSettings(body: Record<string, unknown>): IntegrationSettings {
  const settings: IntegrationSettings = {};
  if (body.endpoint !== undefined) {
    const endpoint = body.endpoint;
    if (typeof endpoint !== 'string' || !/^(mqtts?|https?):\/\/[^\s]{1,200}$/.test(endpoint)) {
      throw new HttpError(400, 'bad-endpoint', '"endpoint" must be an mqtt://, mqtts://, http:// or https:// address.');
    }
    settings.endpoint = endpoint;
  }
  if (body.paused !== undefined) {
    if (typeof body.paused !== 'boolean') throw new HttpError(400, 'bad-field', '"paused" must be true or false.');
    settings.paused = body.paused;
  }
  if (Object.keys(settings).length === 0) throw new HttpError(400, 'nothing-to-change', 'Send "endpoint" and/or "paused".');
  return settings;
}

export function buildApiRoutes(): ApiRoute[] {
  return [
    // ----- session and accounts -----
    { method: 'GET', path: '/api/session', access: 'public', what: 'session state', handler: (c) => json(sessionView(c)) },
    {
      method: 'POST',
      path: '/api/setup/start',
      access: 'public',
      what: 'start enrolment',
      handler: (c) => json(c.auth.startEnrolment(c.body, c.remote)),
    },
    {
      method: 'POST',
      path: '/api/setup/finish',
      access: 'public',
      what: 'finish enrolment',
      handler: (c) => {
        const { token, session } = c.auth.finishEnrolment(c.body, c.remote);
        return json({ user: { name: session.name, role: session.role }, csrf: session.csrf, setupRequired: c.auth.setupRequired }, { newSession: token });
      },
    },
    {
      method: 'POST',
      path: '/api/account/password',
      access: ANY,
      what: 'change your password',
      handler: (c) => json(c.auth.changePassword(c.body, c.session!, c.token, c.remote)),
    },
    {
      method: 'POST',
      path: '/api/login',
      access: 'public',
      what: 'log in',
      handler: (c) => {
        const { token, session } = c.auth.login(c.body, c.remote);
        if (c.token) c.auth.sessions.close(c.token); // a new login replaces any old session of this browser
        return json({ user: { name: session.name, role: session.role }, csrf: session.csrf, setupRequired: false }, { newSession: token });
      },
    },
    {
      method: 'POST',
      path: '/api/logout',
      access: ANY,
      what: 'log out',
      handler: (c) => {
        c.auth.logout(c.token, c.session!, c.remote);
        return json({ loggedOut: true }, { endSession: true });
      },
    },
    { method: 'GET', path: '/api/users', access: OWNER, what: 'see accounts', handler: (c) => json(c.auth.users()) },
    { method: 'POST', path: '/api/users/invite', access: OWNER, what: 'invite someone', handler: (c) => json(c.auth.invite(c.body, c.session!, c.remote), { status: 201 }) },
    { method: 'POST', path: '/api/users/remove', access: OWNER, what: 'remove an account', handler: (c) => json(c.auth.removeUser(c.body, c.session!, c.remote)) },

    // ----- what the hub does -----
    { method: 'GET', path: '/api/overview', access: ANY, what: 'see the overview', handler: (c) => json(c.facade.overview()) },
    { method: 'GET', path: '/api/datamap', access: ANY, what: 'see the data map', handler: (c) => json(c.facade.dataMap()) },
    {
      method: 'POST',
      path: '/api/devices/name',
      access: CONFIGURERS,
      what: 'name a device',
      handler: (c) => {
        const request = parseDeviceNameRequest(c.body);
        if (!request.ok) throw new HttpError(400, 'bad-device-name', `${request.reason}. Nothing was changed.`);
        return json(c.facade.nameDevice(request.value.device, request.value.name, actor(c)));
      },
    },
    { method: 'GET', path: '/api/counters', access: ANY, what: 'see the counters', handler: (c) => json(c.facade.counterHistory()) },

    // ----- consent -----
    { method: 'GET', path: '/api/consent', access: ANY, what: 'see consent', handler: (c) => json({ entries: c.facade.consent() }) },
    {
      method: 'GET',
      path: '/api/consent/preview',
      access: HOUSEHOLD,
      what: 'preview a withdrawal',
      handler: (c) => json(c.facade.withdrawalPreview(queryText(c.query, 'integration'), queryText(c.query, 'purpose'))),
    },
    {
      method: 'POST',
      path: '/api/consent/give',
      access: HOUSEHOLD,
      what: 'give consent',
      handler: (c) => {
        const integration = text(c.body, 'integration', 64);
        const purpose = text(c.body, 'purpose', 64);
        checkMemberMayGive(c, integration, purpose);
        return json(c.facade.giveConsent(integration, purpose, actor(c)));
      },
    },
    {
      method: 'POST',
      path: '/api/consent/withdraw',
      access: HOUSEHOLD,
      what: 'withdraw consent',
      handler: (c) => json(c.facade.withdrawConsent(text(c.body, 'integration', 64), text(c.body, 'purpose', 64), actor(c))),
    },

    // ----- contracts and integrations -----
    { method: 'GET', path: '/api/contracts', access: ANY, what: 'see contracts', handler: (c) => json({ contracts: c.facade.contracts() }) },
    {
      method: 'GET',
      path: '/api/contracts/:integration',
      access: ANY,
      what: 'read a contract',
      handler: (c) => json({ ...c.facade.contractDocument(c.params.integration!), pending: c.facade.pendingChange(c.params.integration!) }),
    },
    {
      method: 'POST',
      path: '/api/contracts/:integration/approve',
      access: OWNER,
      what: 'approve a contract change',
      handler: (c) => json(c.facade.approveChange(c.params.integration!, text(c.body, 'version', 64), actor(c))),
    },
    {
      method: 'POST',
      path: '/api/contracts/:integration/reject',
      access: OWNER,
      what: 'reject a contract change',
      handler: (c) => json(c.facade.rejectChange(c.params.integration!, text(c.body, 'version', 64), actor(c), optionalText(c.body, 'reason'))),
    },
    {
      method: 'POST',
      path: '/api/integrations/:integration/settings',
      access: CONFIGURERS,
      what: 'configure an integration',
      handler: (c) => json(c.facade.configureIntegration(c.params.integration!, parseSettings(c.body), actor(c))),
    },

    {
      method: 'POST',
      path: '/api/integrations/:integration/command-key',
      access: OWNER,
      what: "show the vendor's command key",
      handler: (c) => json(c.facade.commandKey(c.params.integration!, actor(c))),
    },
    ...integrationRoutes(),

    // ----- hub settings -----
    { method: 'GET', path: '/api/settings', access: ANY, what: 'see the hub settings', handler: (c) => json(c.facade.settings()) },
    {
      method: 'POST',
      path: '/api/settings',
      access: CONFIGURERS,
      what: 'change the hub settings',
      handler: async (c) => json(await c.facade.changeSettings(c.body, actor(c))),
    },
    {
      method: 'POST',
      path: '/api/settings/bthome-key',
      access: CONFIGURERS,
      what: 'set a BTHome bindkey',
      handler: (c) => {
        const key = c.body.key;
        if (key !== null && typeof key !== 'string') throw new HttpError(400, 'bad-field', '"key" must be the bindkey (32 hex digits), or null to remove it.');
        return json(c.facade.setBthomeKey(text(c.body, 'mac', 40), key, actor(c)));
      },
    },
    {
      method: 'POST',
      path: '/api/settings/wifi',
      access: CONFIGURERS,
      what: 'change the Wi-Fi network',
      handler: (c) => {
        const password = c.body.password;
        if (password !== undefined && typeof password !== 'string') throw new HttpError(400, 'bad-field', '"password" must be a string ("" for an open network).');
        return json(c.facade.setWifi({ ssid: text(c.body, 'ssid', 64), ...(password !== undefined ? { password } : {}) }, actor(c)));
      },
    },

    // ----- incidents -----
    { method: 'GET', path: '/api/incidents', access: ANY, what: 'see incidents', handler: (c) => json({ incidents: c.facade.incidents() }) },
    {
      method: 'POST',
      path: '/api/incidents',
      access: OWNER,
      what: 'register an incident',
      handler: (c) => {
        const detectedAt = optionalText(c.body, 'detectedAt', 40);
        if (detectedAt && Number.isNaN(Date.parse(detectedAt))) throw new HttpError(400, 'bad-time', '"detectedAt" must be an ISO date and time, like 2026-01-05T14:30:00Z.');
        const incident = { integration: text(c.body, 'integration', 64), title: text(c.body, 'title', 200), ...(detectedAt ? { detectedAt } : {}) };
        return json(c.facade.registerIncident(incident, actor(c)), { status: 201 });
      },
    },
    {
      method: 'POST',
      path: '/api/incidents/:id/notified',
      access: OWNER,
      what: 'mark an incident notified',
      handler: (c) => json(c.facade.markIncidentNotified(c.params.id!, actor(c))),
    },
    {
      method: 'POST',
      path: '/api/incidents/:id/resolved',
      access: OWNER,
      what: 'mark an incident resolved',
      handler: (c) => json(c.facade.markIncidentResolved(c.params.id!, actor(c))),
    },

    // ----- audit log -----
    {
      method: 'GET',
      path: '/api/audit',
      access: HOUSEHOLD,
      what: 'read the audit log',
      handler: (c) => {
        const raw = c.query.limit;
        const limit = raw === undefined ? AUDIT_DEFAULT : Number(raw);
        if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_MAX) {
          throw new HttpError(400, 'bad-limit', `limit must be a whole number from 1 to ${AUDIT_MAX}.`);
        }
        return json(c.facade.audit(limit));
      },
    },

    // ----- exit -----
    {
      method: 'POST',
      path: '/api/exit/:integration/export',
      access: OWNER,
      what: 'export an integration\'s data',
      handler: (c) => {
        const bundle = c.facade.exportIntegration(c.params.integration!, actor(c));
        const day = (bundle.exportedAt ?? '').slice(0, 10) || 'export';
        return {
          kind: 'raw',
          response: jsonResponse(200, bundle, [['Content-Disposition', `attachment; filename="airlock-${c.params.integration!}-${day}.json"`]]),
        };
      },
    },
    {
      method: 'POST',
      path: '/api/exit/:integration/delete',
      access: OWNER,
      what: 'delete an integration',
      handler: (c) => {
        const integration = c.params.integration!;
        if (c.body.confirm !== integration) {
          throw new HttpError(400, 'confirmation-mismatch', `To delete, send "confirm": "${integration}" (the integration's name, typed to confirm). Nothing was deleted.`);
        }
        return json(c.facade.deleteIntegration(integration, actor(c)));
      },
    },
  ];
}

/** A route with its path split once, for matching. */
export interface CompiledRoute extends ApiRoute {
  readonly parts: readonly string[];
}

/**
 * The table, built once at module load and frozen: Moddable's preload keeps it
 * in flash with the code, so neither the boot nor a request copies some sixty
 * routes, their closures and split paths into RAM (issue #19, "Preload what is
 * constant"; `test/node/preload-safety.test.ts` checks it stays frozen).
 */
export const API_ROUTES: readonly CompiledRoute[] = Object.freeze(
  buildApiRoutes().map((route) => Object.freeze({ ...route, parts: Object.freeze(route.path.split('/')) })),
);
