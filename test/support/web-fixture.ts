/**
 * A web router over DemoFacade and a test host, with helpers to talk to it
 * the way a browser does (cookie jar, CSRF header, JSON bodies). Core suites
 * use it on Node and inside XS.
 */
import { fromUtf8, utf8 } from '../../modules/bytes.js';
import type { AuthEvent } from '../../modules/web/auth.js';
import type { WebRequest, WebResponse } from '../../modules/web/http.js';
import { createWebRouter, SESSION_COOKIE, type WebRouter } from '../../modules/web/router.js';
import type { WebAssets } from '../../modules/web/static.js';
import { base32Decode, totp } from '../../modules/web/totp.js';
import { DemoFacade } from './demo-facade.js';
import { makeTestHost, type TestHost } from './test-host.js';

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

export interface WebFixture {
  host: TestHost;
  facade: DemoFacade;
  router: WebRouter;
  events: AuthEvent[];
  setupCode: string;
  browser(): Browser;
  /** The current TOTP code for a base32 secret, at the host's wall time (plus an offset in steps). */
  code(secret: string, stepOffset?: number): string;
  /** Logs in an existing account with its current TOTP code. */
  login(name: string, password: string, secret: string): Promise<Browser>;
  /** Runs first-boot setup; returns a logged-in owner browser and the TOTP secret. */
  setUpOwner(password?: string): Promise<{ owner: Browser; secret: string }>;
}

export const OWNER_PASSWORD = 'correct horse battery';

export function makeWebFixture(options: { seed?: number } = {}): WebFixture {
  const host = makeTestHost({ seed: options.seed ?? 7 });
  const facade = new DemoFacade({ clock: host.clock, crypto: host.crypto });
  const events: AuthEvent[] = [];
  const router = createWebRouter({
    clock: host.clock,
    random: host.random,
    crypto: host.crypto,
    store: host.store,
    log: host.log,
    facade,
    assets: tinyAssets(),
    pbkdf2Iterations: TEST_ITERATIONS,
    onAuthEvent: (event) => events.push(event),
  });
  const setupCode = router.auth.boot()!;
  const code = (secret: string, stepOffset = 0) => totp(host.crypto, base32Decode(secret), host.clock.wallTime()! + stepOffset * 30_000);
  const fixture: WebFixture = {
    host,
    facade,
    router,
    events,
    setupCode,
    browser: () => new Browser(router),
    code,
    async login(name, password, secret) {
      const b = new Browser(router);
      const r = await b.post('/api/login', { name, password, totp: code(secret) });
      if (r.status !== 200) throw new Error(`login: ${r.status} ${r.text}`);
      host.clock.advance(30_000);
      return b;
    },
    async setUpOwner(password = OWNER_PASSWORD) {
      const owner = new Browser(router);
      const started = await owner.post('/api/setup/start', { code: setupCode });
      if (started.status !== 200) throw new Error(`setup/start: ${started.status} ${started.text}`);
      const secret = started.json.secret as string;
      const finished = await owner.post('/api/setup/finish', { code: setupCode, name: 'owner', password, totp: code(secret) });
      if (finished.status !== 200) throw new Error(`setup/finish: ${finished.status} ${finished.text}`);
      // The next login must use a later step (replay guard): move past this one.
      host.clock.advance(30_000);
      return { owner, secret };
    },
  };
  return fixture;
}

/** Invites and enrols another account; returns its logged-in browser and secret. */
export async function enrol(fixture: WebFixture, owner: Browser, name: string, role: 'member' | 'installer', accessHours?: number): Promise<{ browser: Browser; secret: string }> {
  const invited = await owner.post('/api/users/invite', { name, role, ...(accessHours ? { accessHours } : {}) });
  if (invited.status !== 201) throw new Error(`invite: ${invited.status} ${invited.text}`);
  const browser = fixture.browser();
  const started = await browser.post('/api/setup/start', { code: invited.json.code });
  if (started.status !== 200) throw new Error(`start: ${started.status} ${started.text}`);
  const finished = await browser.post('/api/setup/finish', { code: invited.json.code, password: `${name} password 1`, totp: fixture.code(started.json.secret) });
  if (finished.status !== 200) throw new Error(`finish: ${finished.status} ${finished.text}`);
  fixture.host.clock.advance(30_000);
  return { browser, secret: started.json.secret };
}
