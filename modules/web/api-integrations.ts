/**
 * The API of the page's "Add an integration" area. Owner and installer
 * (time-limited) may add integrations, replace contracts and enter
 * credentials; giving consent stays with the household (api.ts), removing
 * is the owner's exit (export, delete, receipt). Members only see.
 */
import type { ApiContext, ApiResult, ApiRoute } from './api.js';
import type { Actor, Role } from './facade.js';
import { HttpError } from './http.js';

const CONFIGURERS: readonly Role[] = Object.freeze(['owner', 'installer'] as const);

const json = (value: unknown, status?: number): ApiResult => ({ kind: 'json', value, ...(status ? { status } : {}) });

function actor(context: ApiContext): Actor {
  return { name: context.session!.name, role: context.session!.role };
}

/** The contract as text: a string (pasted or uploaded, so duplicate keys can be found), or an object the page parsed. */
function contractText(body: Record<string, unknown>): string {
  const value = body.contract;
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  throw new HttpError(400, 'missing-field', '"contract" is required: the contract\'s JSON text.');
}

function optionalEndpoint(body: Record<string, unknown>): string | undefined {
  const value = body.endpoint;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !/^(mqtts?|https?):\/\/[^\s]{1,300}$/.test(value)) {
    throw new HttpError(400, 'bad-endpoint', '"endpoint" must be an mqtt://, mqtts://, http:// or https:// address when present.');
  }
  return value;
}

function secrets(body: Record<string, unknown>): Record<string, string> | undefined {
  const value = body.secrets;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'bad-field', '"secrets" must be an object of credential name → value.');
  const out: Record<string, string> = {};
  for (const [name, secret] of Object.entries(value as Record<string, unknown>)) {
    if (typeof secret !== 'string') throw new HttpError(400, 'bad-field', `"secrets.${name}" must be a string.`);
    if (secret !== '') out[name] = secret; // an empty box keeps the stored value
  }
  return out;
}

function field(body: Record<string, unknown>, name: string, max: number): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw new HttpError(400, 'missing-field', `"${name}" is required and must be a non-empty string.`);
  if (value.length > max) throw new HttpError(400, 'field-too-long', `"${name}" must be at most ${max} characters.`);
  return value;
}

export function integrationRoutes(): ApiRoute[] {
  return [
    {
      method: 'POST',
      path: '/api/integrations/preview',
      access: CONFIGURERS,
      what: 'preview an integration',
      handler: (c) => json(c.facade.previewIntegration(contractText(c.body), optionalEndpoint(c.body))),
    },
    {
      method: 'POST',
      path: '/api/integrations/install',
      access: CONFIGURERS,
      what: 'add an integration',
      handler: (c) => {
        const endpoint = optionalEndpoint(c.body);
        const given = secrets(c.body);
        const installed = c.facade.installIntegration({ contract: contractText(c.body), ...(given ? { secrets: given } : {}), ...(endpoint ? { endpoint } : {}) }, actor(c));
        return json(installed, installed.status === 'added' ? 201 : 200);
      },
    },
    {
      method: 'POST',
      path: '/api/integrations/fetch',
      access: CONFIGURERS,
      what: 'fetch a contract from an address',
      handler: (c) => json(c.facade.startContractFetch(field(c.body, 'url', 300), actor(c)), 202),
    },
    { method: 'GET', path: '/api/integrations/fetch', access: CONFIGURERS, what: 'see a contract fetch', handler: (c) => json(c.facade.contractFetch()) },
    {
      method: 'POST',
      path: '/api/integrations/:integration/secret',
      access: CONFIGURERS,
      what: "replace an integration's credential",
      handler: (c) => json(c.facade.replaceSecret(c.params.integration!, field(c.body, 'name', 64), field(c.body, 'value', 4000), actor(c))),
    },
  ];
}
