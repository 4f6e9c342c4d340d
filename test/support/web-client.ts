/**
 * Talking to a web router the way a browser does (cookie jar, CSRF header,
 * JSON bodies), without a socket, and the small assets a router under test
 * serves. Core suites use it on Node and inside XS.
 */
import { fromUtf8, utf8 } from '../../modules/bytes.js';
import type { WebRequest, WebResponse } from '../../modules/web/http.js';
import { SESSION_COOKIE, type WebRouter } from '../../modules/web/router.js';
import type { WebAssets } from '../../modules/web/static.js';

/** Small on purpose: the suites check the mechanism, the bench sizes the real count. */
export const TEST_ITERATIONS = 50;

/** Two stand-in assets: the router only passes bytes through, so the bytes are labels, not real gzip. */
export function tinyAssets(): WebAssets {
  return new Map([
    ['/index.html', { contentType: 'text/html; charset=utf-8', etag: 'abc123', gzip: utf8('[gzip of index.html]'), identity: utf8('<!doctype html>') }],
    ['/app.js', { contentType: 'text/javascript; charset=utf-8', etag: 'def456', gzip: utf8('[gzip of app.js]') }],
  ]);
}

export interface Reply {
  status: number;
  headers: [string, string][];
  json: any;
  text: string;
  header(name: string): string | undefined;
}

export function reply(response: WebResponse): Reply {
  const text = typeof response.body === 'string' ? response.body : safeText(response.body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    json,
    text,
    header: (name) => response.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1],
  };
}

function safeText(bytes: Uint8Array): string {
  try {
    return fromUtf8(bytes);
  } catch {
    return '';
  }
}

export class Browser {
  cookie: string | undefined;
  csrf: string | undefined;
  readonly #router: WebRouter;

  constructor(router: WebRouter) {
    this.#router = router;
  }

  async request(method: string, path: string, options: { body?: unknown; rawBody?: Uint8Array; headers?: Record<string, string>; csrf?: boolean } = {}): Promise<Reply> {
    const [bare, queryString] = path.split('?');
    const query: Record<string, string> = {};
    for (const pair of (queryString ?? '').split('&').filter(Boolean)) {
      const [k, v] = pair.split('=');
      query[decodeURIComponent(k!)] = decodeURIComponent(v ?? '');
    }
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (this.cookie) headers.cookie = `${SESSION_COOKIE}=${this.cookie}`;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    if (method !== 'GET' && this.csrf && options.csrf !== false) headers['x-csrf-token'] = this.csrf;
    const request: WebRequest = {
      method,
      path: bare!,
      query,
      headers,
      body: options.rawBody ?? (options.body === undefined ? undefined : utf8(JSON.stringify(options.body))),
      remote: '192.168.1.50',
    };
    const r = reply(await this.#router.handle(request));
    const setCookie = r.header('set-cookie');
    if (setCookie) {
      const value = setCookie.split(';')[0]!.split('=')[1]!;
      this.cookie = value === '' ? undefined : value;
    }
    if (r.json && typeof r.json === 'object' && 'csrf' in r.json) this.csrf = r.json.csrf ?? undefined;
    return r;
  }

  get(path: string): Promise<Reply> {
    return this.request('GET', path);
  }

  post(path: string, body: unknown = {}): Promise<Reply> {
    return this.request('POST', path, { body });
  }
}

export const OWNER_PASSWORD = 'correct horse battery';
