/**
 * The hub's web layer: one function from request to response. Serves the
 * embedded page, the JSON API under /api/, and enforces sessions, roles and
 * CSRF before any handler runs, so a refused request changes nothing.
 *
 * Order of checks for every request: size (413) → route and method (404/405)
 * → content type and JSON (415/400) → session (401) → CSRF (403) → role
 * (403) → handler. Errors are JSON `{error, message}`; the message says what
 * to do.
 */
import { fromUtf8 } from '../bytes.js';
import { API_ROUTES, type ApiContext, type ApiResult } from './api.js';
import { WebAuth, type AuthOptions } from './auth.js';
import { FacadeError, type HubFacade } from './facade.js';
import {
  errorResponse,
  HttpError,
  jsonResponse,
  MAX_BODY_BYTES,
  readCookie,
  type WebRequest,
  type WebResponse,
} from './http.js';
import { constantTimeEqual } from '../constant-time.js';
import { serveAsset, type WebAssets } from './static.js';

export const SESSION_COOKIE = 'airlock_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface WebRouterOptions extends AuthOptions {
  facade: HubFacade;
  assets: WebAssets;
  /** Add `Secure` to the session cookie (only when served over HTTPS). */
  secureCookies?: boolean;
}

export interface WebRouter {
  /** The request → response function host adapters call. */
  handle(request: WebRequest): Promise<WebResponse>;
  /**
   * The same, answered synchronously, for routes that do not wait (every one
   * but a settings change, which waits for the broker's test connection).
   */
  respond(request: WebRequest): WebResponse;
  readonly auth: WebAuth;
}

export function createWebRouter(options: WebRouterOptions): WebRouter {
  const auth = new WebAuth(options);
  const routes = API_ROUTES;
  const cookieFlags = `Path=/; HttpOnly; SameSite=Strict${options.secureCookies ? '; Secure' : ''}`;
  const setCookie = (token: string): [string, string] => ['Set-Cookie', `${SESSION_COOKIE}=${token}; ${cookieFlags}; Max-Age=${auth.sessions.maxAgeSeconds}`];
  const clearCookie: [string, string] = ['Set-Cookie', `${SESSION_COOKIE}=; ${cookieFlags}; Max-Age=0`];

  function refusal(error: unknown, request: WebRequest): WebResponse {
    if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message, error.headers);
    if (error instanceof FacadeError) return errorResponse(error.status, error.code, error.message);
    options.log.error('web: handler failed', { path: request.path, error: String(error) });
    return errorResponse(500, 'internal', 'The hub could not complete this request; nothing was changed that it did not report. Details are in the hub log.');
  }

  function answer(request: WebRequest): WebResponse | Promise<WebResponse> {
    try {
      if (request.body && request.body.length > MAX_BODY_BYTES) {
        return errorResponse(413, 'body-too-large', `The request body is ${request.body.length} bytes; the hub accepts at most ${MAX_BODY_BYTES}.`);
      }
      if (!request.path.startsWith('/api/')) {
        const asset = serveAsset(options.assets, request);
        if (asset) return asset;
        return errorResponse(404, 'not-found', `There is no page at ${request.path.slice(0, 80)}. Open / for the hub's page.`);
      }
      const response = respondApi(request);
      return response instanceof Promise ? response.catch((error: unknown) => refusal(error, request)) : response;
    } catch (error) {
      return refusal(error, request);
    }
  }

  function respond(request: WebRequest): WebResponse {
    const response = answer(request);
    if (response instanceof Promise) {
      void response.catch(() => undefined);
      return errorResponse(500, 'internal', `${request.method} ${request.path.slice(0, 80)} answers later; the host must serve it with handle().`);
    }
    return response;
  }

  function respondApi(request: WebRequest): WebResponse | Promise<WebResponse> {
    const segments = request.path.split('/');
    const candidates = routes.filter((route) => matches(route.parts, segments));
    if (candidates.length === 0) {
      throw new HttpError(404, 'unknown-route', `There is no API at ${request.path.slice(0, 80)}. See docs/web.md for the list.`);
    }
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const route = candidates.find((candidate) => candidate.method === method);
    if (!route) {
      const allowed = [...new Set(candidates.map((candidate) => candidate.method))].join(', ');
      throw new HttpError(405, 'method-not-allowed', `${request.method} is not allowed on ${request.path}; use ${allowed}.`, [['Allow', allowed]]);
    }
    const params = extractParams(route.parts, segments);
    const body = method === 'GET' ? {} : parseJsonBody(request);

    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    const found = auth.sessions.lookup(token);
    const remote = request.remote;
    if (found.state === 'expired') {
      auth.report({ kind: 'session-expired', ...(remote ? { remote } : {}) });
    }
    const session = found.state === 'valid' ? found.session : undefined;

    if (route.access !== 'public') {
      if (!session) {
        const expired = found.state === 'expired';
        return errorResponse(
          401,
          expired ? 'session-expired' : 'not-logged-in',
          expired ? 'Your session has ended (time out). Log in again.' : 'Log in first.',
          expired ? [clearCookie] : [],
        );
      }
      if (method !== 'GET') {
        const sent = request.headers[CSRF_HEADER];
        if (!sent || !constantTimeEqual(sent, session.csrf)) {
          auth.report({ kind: 'csrf-rejected', name: session.name, role: session.role, ...(remote ? { remote } : {}) });
          throw new HttpError(403, 'csrf', `The request lacks the page's ${CSRF_HEADER} token; reload the page and try again.`);
        }
      }
      if (!route.access.includes(session.role)) {
        auth.report({ kind: 'forbidden', name: session.name, role: session.role, reason: `${method} ${route.path}`, ...(remote ? { remote } : {}) });
        throw new HttpError(403, 'forbidden', `A ${session.role} account cannot do this (${route.what}); ask the hub's owner.`);
      }
    }

    const context: ApiContext = {
      facade: options.facade,
      auth,
      session,
      params,
      query: request.query,
      body,
      remote,
      token,
      sessionExpired: found.state === 'expired',
    };
    const finish = (result: ApiResult): WebResponse => {
      if (result.kind === 'json') {
        const headers: [string, string][] = [...(result.headers ?? [])];
        if (result.newSession) headers.push(setCookie(result.newSession));
        if (result.endSession || (found.state === 'expired' && !result.newSession)) headers.push(clearCookie);
        return jsonResponse(result.status ?? 200, result.value, headers);
      }
      return result.response;
    };
    const result = route.handler(context);
    return result instanceof Promise ? result.then(finish) : finish(result);
  }

  return Object.freeze({
    respond,
    handle: (request: WebRequest) => Promise.resolve().then(() => answer(request)),
    auth,
  });
}

function matches(parts: readonly string[], segments: readonly string[]): boolean {
  if (parts.length !== segments.length) return false;
  return parts.every((part, i) => part.startsWith(':') || part === segments[i]);
}

function extractParams(parts: readonly string[], segments: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  parts.forEach((part, i) => {
    if (!part.startsWith(':')) return;
    let value: string;
    try {
      value = decodeURIComponent(segments[i]!);
    } catch {
      throw new HttpError(400, 'bad-path', `The path segment "${segments[i]!.slice(0, 40)}" is not valid percent-encoding.`);
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) {
      throw new HttpError(400, 'bad-id', `"${value.slice(0, 40)}" is not a valid ${part.slice(1)}: use letters, digits, ".", "_" or "-" (at most 64).`);
    }
    params[part.slice(1)] = value;
  });
  return params;
}

function parseJsonBody(request: WebRequest): Record<string, unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    // Requiring JSON also means a cross-site form cannot post here without a CORS preflight.
    throw new HttpError(415, 'json-required', `Send the request body as JSON with "Content-Type: application/json" (got "${type || 'none'}").`);
  }
  const bytes = request.body ?? new Uint8Array(0);
  if (bytes.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(bytes));
  } catch (error) {
    throw new HttpError(400, 'bad-json', `The request body is not valid JSON (${(error as Error).message}). Send one JSON object.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'bad-json', 'The request body must be one JSON object, like {"integration": "..."}.');
  }
  return parsed as Record<string, unknown>;
}
