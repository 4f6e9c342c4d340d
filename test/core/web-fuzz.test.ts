// Property-based fuzzing of the page API over the real composed hub: random methods, paths,
// query strings, headers and bodies. Whoever sends them, the router never throws, never
// answers 5xx (its only 5xx is the documented `internal` for a facade bug, and none may
// happen), always sends the security headers, and answers /api/ with a JSON error that says
// what is wrong. Without a session, or with a session but without its CSRF token, nothing
// the household can see changes. AIRLOCK_FUZZ_RUNS=<n> runs each property n times.
import test from 'ava';
import fc from 'fast-check';
import { fromUtf8, utf8 } from '../../modules/bytes.js';
import type { Contract } from '../../modules/contract/types.js';
import { buildApiRoutes } from '../../modules/web/api.js';
import { MAX_BODY_BYTES, SECURITY_HEADERS, type WebRequest, type WebResponse } from '../../modules/web/http.js';
import { SESSION_COOKIE } from '../../modules/web/router.js';
import { jsonValue } from '../support/arbitraries.js';
import { makeContract } from '../support/contracts.js';
import { fuzzRuns } from '../support/fuzz.js';
import { makeHubWebRig, type HubWebRig } from '../support/hub-web-rig.js';

const ROUTES = buildApiRoutes();

function contracts(): Contract[] {
  const leak = makeContract({ integration: 'leak-insurer' });
  leak.vendor.name = 'Northshore Insurance';
  return [makeContract(), leak];
}

/** Everything the household can see change: consent, contracts, incidents, accounts, delivery, buffers. */
function householdState(r: HubWebRig): string {
  const ids = r.hub.integrations;
  return JSON.stringify({
    ids,
    consent: r.facade.consent(),
    contracts: r.facade.contracts(),
    pending: ids.map((id) => r.facade.pendingChange(id)),
    incidents: r.facade.incidents(),
    paused: ids.map((id) => r.hub.isPaused(id)),
    endpoints: ids.map((id) => r.hub.delivery(id)?.endpoint),
    buffered: ids.map((id) => r.hub.buffer.stats(id).records),
    users: r.router.auth.users(),
  });
}

/** Objects built with fromEntries: any key (even "__proto__" or "valueOf") is safe under frozen intrinsics. */
const entries = <T>(key: fc.Arbitrary<string>, value: fc.Arbitrary<T>, maxLength = 4) =>
  fc.array(fc.tuple(key, value), { maxLength }).map((pairs) => Object.fromEntries(pairs) as Record<string, T>);

const idLike = fc.oneof(
  fc.constantFrom('energy-saver', 'leak-insurer', 'owner', 'kim', 'inc-1', '1.0.0', '..', '.', '%2e%2e', '..%2f..%2fetc', '%00', '%zz', '%E2%82%AC', 'a'.repeat(70), ''),
  fc.string({ maxLength: 16 }).map((s) => encodeURIComponent(s)),
  fc.string({ maxLength: 16 }),
);

const paths: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...ROUTES.map((r) => r.path)), fc.array(idLike, { minLength: 2, maxLength: 2 })).map(([path, [a, b]]) => path.replace(/:[a-z]+/, a!).replace(/:[a-z]+/, b!)) },
  { weight: 2, arbitrary: fc.array(idLike, { maxLength: 5 }).map((segments) => `/api/${segments.join('/')}`) },
  { weight: 2, arbitrary: fc.constantFrom('/', '/index.html', '/app.js', '/api', '/api/', '//api/session', '/API/session', '/api/session/', '/api/../api/users', '/app.js/..', '/..%2f..%2fetc%2fpasswd') },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

const methods = fc.oneof(fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'get', 'post', ''), fc.string({ maxLength: 8 }));

const FIELDS = ['integration', 'purpose', 'version', 'name', 'password', 'totp', 'code', 'role', 'accessHours', 'endpoint', 'paused', 'title', 'reason', 'detectedAt', 'confirm', 'clientTime'];
const fieldValues = fc.oneof(
  fc.constantFrom('energy-saver', 'leak-insurer', 'energy-advice', 'safety', '1.0.0', 'owner', 'member', 'installer', 'mqtts://x.example:8883', true, false, 0, -1, 1e308, ''),
  jsonValue({ maxDepth: 2 }),
);

const bodies: fc.Arbitrary<Uint8Array | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 64 }),
  jsonValue({ maxDepth: 4 }).map((v) => utf8(JSON.stringify(v))),
  { weight: 4, arbitrary: entries(fc.constantFrom(...FIELDS), fieldValues, 6).map((v) => utf8(JSON.stringify(v))) },
  fc.constantFrom(utf8('{'), utf8('{"a":'), utf8('[]'), utf8('null'), utf8('"x"'), new Uint8Array([0xff, 0xfe, 0x7b]), new Uint8Array(MAX_BODY_BYTES + 1).fill(0x20)),
);

const headerNames = fc.oneof(fc.constantFrom('content-type', 'cookie', 'x-csrf-token', 'accept-encoding', 'if-none-match', 'origin', 'content-length'), fc.string({ maxLength: 10 }));
const headerValues = fc.oneof(
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'multipart/form-data', 'gzip', '*', `${SESSION_COOKIE}=${'0'.repeat(64)}`, `${SESSION_COOKIE}=`),
  fc.string({ maxLength: 40 }),
);

interface Shape {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

const requests: fc.Arbitrary<Shape> = fc.record({
  method: methods,
  path: paths,
  query: entries(fc.oneof(fc.constantFrom('integration', 'purpose', 'limit'), fc.string({ maxLength: 8 })), fc.string({ maxLength: 20 }), 3),
  headers: entries(headerNames, headerValues, 5),
  body: bodies,
});

function checkResponse(request: WebRequest, response: WebResponse): string | undefined {
  const where = `${request.method} ${JSON.stringify(request.path)}`;
  if (!Number.isInteger(response.status) || response.status < 200 || response.status >= 500) return `${where}: status ${response.status}`;
  for (const [name] of SECURITY_HEADERS) if (!response.headers.some(([n]) => n === name)) return `${where}: no ${name} header`;
  if (request.path.startsWith('/api/') && response.status >= 400) {
    let parsed: { error?: unknown; message?: unknown } | undefined;
    try {
      parsed = JSON.parse(typeof response.body === 'string' ? response.body : fromUtf8(response.body)) as typeof parsed;
    } catch {
      return `${where}: ${response.status} without a JSON body`;
    }
    if (typeof parsed?.error !== 'string' || typeof parsed.message !== 'string' || parsed.message.length === 0) return `${where}: ${response.status} without {error, message}`;
  }
  return undefined;
}

function toRequest(shape: Shape, extraHeaders: Record<string, string> = {}): WebRequest {
  return { method: shape.method, path: shape.path, query: shape.query, headers: { ...shape.headers, ...extraHeaders }, body: shape.body, remote: '192.168.1.66' };
}

async function enrolMember(r: HubWebRig, owner: ReturnType<HubWebRig['browser']>) {
  const invited = await owner.post('/api/users/invite', { name: 'kim', role: 'member' });
  const kim = r.browser();
  const started = await kim.post('/api/setup/start', { code: invited.json.code });
  const finished = await kim.post('/api/setup/finish', { code: invited.json.code, password: 'kim password 1', totp: r.code(started.json.secret) });
  if (finished.status !== 200) throw new Error(`enrol: ${finished.status} ${finished.text}`);
  r.host.clock.advance(30_000);
  return kim;
}

test('anonymous random requests: no throw, no 5xx, JSON errors, security headers, no state change', async (t) => {
  const r = makeHubWebRig(contracts());
  await r.setUpOwner();
  r.plug(1234);
  const before = householdState(r);
  let tried = 0;
  const statuses = new Set<number>();
  await fc.assert(
    fc.asyncProperty(requests, async (shape) => {
      tried++;
      const request = toRequest(shape);
      const response = await r.router.handle(request);
      statuses.add(response.status);
      const problem = checkResponse(request, response);
      if (problem) throw new Error(problem);
      const after = householdState(r);
      if (after !== before) throw new Error(`${request.method} ${request.path} changed the household's state without a session`);
    }),
    { numRuns: fuzzRuns(300) },
  );
  t.is(householdState(r), before);
  t.true(statuses.size >= 5, `the fuzzer reached several outcomes: ${[...statuses].sort().join(', ')}`);
  t.log(`anonymous: ${tried} requests, statuses ${[...statuses].sort().join(', ')}`);
  await r.close();
});

test('a logged-in member without the CSRF token changes nothing, whatever it sends', async (t) => {
  const r = makeHubWebRig(contracts());
  const { owner } = await r.setUpOwner();
  await owner.post('/api/consent/give', { integration: 'energy-saver', purpose: 'energy-advice' });
  const kim = await enrolMember(r, owner);
  const before = householdState(r);
  let tried = 0;
  await fc.assert(
    fc.asyncProperty(requests, fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), async (shape, csrf) => {
      tried++;
      const headers: Record<string, string> = { cookie: `${SESSION_COOKIE}=${kim.cookie}` };
      // A guessed token (never the session's own: that one has 128 random bits).
      if (csrf !== undefined) headers['x-csrf-token'] = csrf;
      const request = toRequest(shape, headers);
      const response = await r.router.handle(request);
      const problem = checkResponse(request, response);
      if (problem) throw new Error(problem);
      if (householdState(r) !== before) throw new Error(`${request.method} ${request.path} changed state without the CSRF token`);
    }),
    { numRuns: fuzzRuns(200) },
  );
  t.is(householdState(r), before);
  t.is((await kim.get('/api/session')).json.user?.name, 'kim', 'the member session survived the fuzzing');
  t.log(`member without CSRF: ${tried} requests`);
  await r.close();
});

test('the owner with a valid session and CSRF token sending random bodies to every route gets no 5xx', async (t) => {
  const r = makeHubWebRig(contracts());
  const { owner } = await r.setUpOwner();
  r.plug(1234);
  const errors: string[] = [];
  const usable = ROUTES.filter((route) => route.path !== '/api/logout' && route.path !== '/api/login');
  let tried = 0;
  const statuses = new Set<number>();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...usable), fc.array(idLike, { minLength: 2, maxLength: 2 }), bodies, async (route, [a, b], body) => {
      tried++;
      const path = route.path.replace(/:[a-z]+/, a!).replace(/:[a-z]+/, b!);
      const request: WebRequest = {
        method: route.method,
        path,
        query: {},
        headers: { cookie: `${SESSION_COOKIE}=${owner.cookie}`, 'x-csrf-token': owner.csrf!, 'content-type': 'application/json' },
        body,
        remote: '192.168.1.50',
      };
      const response = await r.router.handle(request);
      statuses.add(response.status);
      const problem = checkResponse(request, response);
      if (problem) {
        errors.push(problem);
        throw new Error(`${problem}: ${typeof response.body === 'string' ? response.body : fromUtf8(response.body)}`);
      }
    }),
    { numRuns: fuzzRuns(300) },
  );
  t.deepEqual(errors, []);
  t.true(statuses.has(200) && statuses.has(400), `valid and invalid bodies were both tried: ${[...statuses].sort().join(', ')}`);
  t.log(`owner: ${tried} requests over ${usable.length} routes, statuses ${[...statuses].sort().join(', ')}`);
  await r.close();
});
