// Attacks on the hub's page, over the real composed hub. What already has its own test:
// - lockout with growing delays: web-auth.test.ts "failed logins grow the delay, then lock the account"
// - setup-code guessing: web-auth.test.ts "setup-code guessing is throttled too"
// - CSRF missing or forged: web-api.test.ts "a state change without the CSRF token is refused and reported"
// - role matrix on the household fixture: web-api.test.ts "role matrix: who may see and do what"
// - static path traversal: web-api.test.ts "path traversal on static files is refused with 400"
// - oversized and malformed bodies: web-api.test.ts "malformed JSON, non-object bodies, wrong content type and oversized bodies"
// - random requests of every kind: web-fuzz.test.ts
// This suite adds session fixation, every owner-only route against members and installers,
// brute force that rotates names to escape the lockout, cross-session CSRF tokens, cross-site
// form posts, and traversal through API path parameters. Over real sockets: test/node/web-hostile.test.ts.
import test from 'ava';
import type { Contract } from '../../modules/contract/types.js';
import { buildApiRoutes } from '../../modules/web/api.js';
import { SESSION_COOKIE } from '../../modules/web/router.js';
import { makeContract } from '../support/contracts.js';
import { makeHubWebRig, type HubWebRig } from '../support/hub-web-rig.js';
import { Browser, OWNER_PASSWORD } from '../support/web-client.js';

function contracts(): Contract[] {
  const leak = makeContract({ integration: 'leak-insurer' });
  leak.vendor.name = 'Northshore Insurance';
  return [makeContract(), leak];
}

function householdState(r: HubWebRig): string {
  const ids = r.hub.integrations;
  return JSON.stringify({
    ids,
    consent: r.facade.consent(),
    contracts: r.facade.contracts(),
    incidents: r.facade.incidents(),
    paused: ids.map((id) => r.hub.isPaused(id)),
    users: r.router.auth.users(),
  });
}

async function enrol(r: HubWebRig, owner: Browser, name: string, role: 'member' | 'installer'): Promise<{ browser: Browser; secret: string }> {
  const invited = await owner.post('/api/users/invite', { name, role, ...(role === 'installer' ? { accessHours: 8 } : {}) });
  if (invited.status !== 201) throw new Error(`invite: ${invited.status} ${invited.text}`);
  const browser = r.browser();
  const started = await browser.post('/api/setup/start', { code: invited.json.code });
  const finished = await browser.post('/api/setup/finish', { code: invited.json.code, password: `${name} password 1`, totp: r.code(started.json.secret) });
  if (finished.status !== 200) throw new Error(`finish: ${finished.status} ${finished.text}`);
  r.host.clock.advance(30_000);
  return { browser, secret: started.json.secret };
}

test('session fixation: a token planted before login is never honoured, and login replaces the old session', async (t) => {
  const r = makeHubWebRig(contracts());
  const { owner, secret } = await r.setUpOwner();
  const { browser: kim } = await enrol(r, owner, 'kim', 'member');

  // 1. An attacker-chosen token (well-formed) planted in the victim's browser.
  const victim = r.browser();
  const planted = 'ab'.repeat(32);
  victim.cookie = planted;
  t.is((await victim.get('/api/session')).json.user, null, 'the planted token is no session');
  const login = await victim.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: r.code(secret) });
  t.is(login.status, 200, login.text);
  t.not(victim.cookie, planted, 'login issues a fresh token');
  const attacker = r.browser();
  attacker.cookie = planted;
  t.is((await attacker.get('/api/session')).json.user, null, 'the planted token is still nothing after the victim logged in');
  t.is((await attacker.get('/api/users')).status, 401);
  r.host.clock.advance(30_000);

  // 2. The attacker plants their own valid (member) session; the owner logs in over it.
  const kimToken = kim.cookie!;
  const shared = r.browser();
  shared.cookie = kimToken;
  t.is((await shared.get('/api/session')).json.user.role, 'member');
  const over = await shared.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: r.code(secret) });
  t.is(over.status, 200, over.text);
  t.not(shared.cookie, kimToken, 'the owner gets a token of their own');
  const stale = r.browser();
  stale.cookie = kimToken;
  t.is((await stale.get('/api/session')).json.user, null, 'the session the browser had before is closed, not upgraded');
  t.is((await shared.get('/api/users')).status, 200, 'the new session is the owner\'s');
  await r.close();
});

test('members and installers calling any route their role lacks get 403, change nothing, and are reported', async (t) => {
  const r = makeHubWebRig(contracts());
  const { owner } = await r.setUpOwner();
  await owner.post('/api/consent/give', { integration: 'energy-saver', purpose: 'energy-advice' });
  await owner.post('/api/incidents', { integration: 'energy-saver', title: 'Vendor breach' });
  const accounts = { member: (await enrol(r, owner, 'kim', 'member')).browser, installer: (await enrol(r, owner, 'fitter', 'installer')).browser };
  const before = householdState(r);
  // Bodies that would succeed for the owner, so a missing role check would show as a change.
  const bodies: Record<string, unknown> = {
    '/api/users/invite': { name: 'mallory', role: 'owner' },
    '/api/users/remove': { name: 'owner' },
    '/api/consent/give': { integration: 'energy-saver', purpose: 'energy-advice' },
    '/api/consent/withdraw': { integration: 'energy-saver', purpose: 'energy-advice' },
    '/api/contracts/:integration/approve': { version: '1.0.0' },
    '/api/contracts/:integration/reject': { version: '1.0.0', reason: 'no' },
    '/api/integrations/:integration/settings': { paused: true },
    '/api/incidents': { integration: 'energy-saver', title: 'fake' },
    '/api/exit/:integration/delete': { confirm: 'energy-saver' },
  };
  let refused = 0;
  for (const [role, browser] of Object.entries(accounts) as ['member' | 'installer', Browser][]) {
    for (const route of buildApiRoutes()) {
      if (route.access === 'public' || route.access.includes(role)) continue;
      const path = route.path.replace(':integration', 'energy-saver').replace(':id', 'energy-saver-1');
      const reply = route.method === 'GET' ? await browser.get(path) : await browser.post(path, bodies[route.path] ?? {});
      t.is(reply.status, 403, `${role} ${route.method} ${route.path}: ${reply.text}`);
      t.is(reply.json.error, 'forbidden', `${role} ${route.method} ${route.path}`);
      t.is(householdState(r), before, `${role} ${route.method} ${route.path} changed nothing`);
      t.true(r.events.some((e) => e.kind === 'forbidden' && e.reason === `${route.method} ${route.path}`), `${role} ${route.path} reported`);
      refused++;
    }
  }
  t.true(refused >= 10, `${refused} refusals checked`);
  // And the only role-changing route, invite, cannot mint an owner even for the owner.
  const minted = await owner.post('/api/users/invite', { name: 'second', role: 'owner' });
  t.is(minted.status, 400, minted.text);
  t.log(`${refused} owner-only or household-only calls refused for members and installers`);
  await r.close();
});

// Found writing this suite: the failure table is bounded (64 keys, least recent forgotten), so 64
// made-up names pushed the owner's nine failures out and the lockout never came. Names without
// an account now have a table of their own (modules/web/auth.ts).
test('brute force: rotating through made-up names neither unlocks the owner nor tells names apart', async (t) => {
  const r = makeHubWebRig(contracts());
  const { secret } = await r.setUpOwner();
  const attacker = r.browser();
  const tryOwner = () => attacker.post('/api/login', { name: 'owner', password: 'guess', totp: '123456' });
  // Fail the owner nine times (each after its delay), one short of the lockout.
  for (let n = 0; n < 9; n++) {
    const reply = await tryOwner();
    t.is(reply.status, 401);
    r.host.clock.advance(Number(reply.header('retry-after')) * 1000);
  }
  // Then flood the throttle with failures for 200 other names.
  let unknownReply: Awaited<ReturnType<typeof tryOwner>> | undefined;
  for (let n = 0; n < 200; n++) {
    const reply = await attacker.post('/api/login', { name: `user${n}`, password: 'guess', totp: '123456' });
    t.true(reply.status === 401 || reply.status === 429, `${reply.status}`);
    unknownReply ??= reply;
  }
  r.host.clock.advance(61_000);
  const tenth = await tryOwner();
  t.is(tenth.status, 429, 'the tenth failure for the owner still locks the account');
  t.is(tenth.json.error, 'locked');
  const real = await attacker.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: r.code(secret) });
  t.is(real.status, 429, 'even the right password waits out the lockout');
  // An unknown name fails exactly like a wrong password for a real one.
  t.is(unknownReply!.status, 401);
  const wrongForReal = await r.browser().post('/api/login', { name: 'owner2', password: 'guess', totp: '123456' });
  t.is(wrongForReal.json.message, unknownReply!.json.message);
  await r.close();
});

test('CSRF: another session\'s token, a token in the query, or a cross-site form post change nothing', async (t) => {
  const r = makeHubWebRig(contracts());
  const { owner } = await r.setUpOwner();
  await owner.post('/api/consent/give', { integration: 'energy-saver', purpose: 'energy-advice' });
  const { browser: kim } = await enrol(r, owner, 'kim', 'member');
  const before = householdState(r);
  const body = { integration: 'energy-saver', purpose: 'energy-advice' };
  const crossed = await owner.request('POST', '/api/consent/withdraw', { body, csrf: false, headers: { 'x-csrf-token': kim.csrf! } });
  t.is(crossed.status, 403);
  t.is(crossed.json.error, 'csrf');
  const inQuery = await owner.request('POST', `/api/consent/withdraw?csrf=${owner.csrf}&x-csrf-token=${owner.csrf}`, { body, csrf: false });
  t.is(inQuery.status, 403);
  const form = await owner.request('POST', '/api/consent/withdraw', {
    rawBody: new TextEncoder().encode('integration=energy-saver&purpose=energy-advice'),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    csrf: false,
  });
  t.is(form.status, 415, 'a form (what another site can post without a preflight) is not JSON');
  t.is(householdState(r), before);
  // The same request with the page's own token works: the refusals were about the token.
  t.is((await owner.post('/api/consent/withdraw', body)).status, 200);
  t.not(householdState(r), before);
  await r.close();
});

test('path traversal through API parameters is refused before any handler', async (t) => {
  const r = makeHubWebRig(contracts());
  const { owner } = await r.setUpOwner();
  const before = householdState(r);
  for (const id of ['..', '.', '%2e%2e', '..%2f..%2fusers', '%2e%2e%2fusers', 'a%00b', '..%5c..%5cetc', '%252e%252e', '%zz']) {
    for (const path of [`/api/contracts/${id}`, `/api/exit/${id}/export`, `/api/contracts/${id}/approve`]) {
      const reply = path.endsWith('/export') || path.endsWith('/approve') ? await owner.post(path, { version: '1.0.0' }) : await owner.get(path);
      t.true(reply.status === 400 || reply.status === 404, `${path}: ${reply.status}`);
      t.true(['bad-id', 'bad-path', 'unknown-route', 'no-such-integration'].includes(reply.json.error), `${path}: ${reply.json.error}`);
    }
  }
  t.is(householdState(r), before);
  await r.close();
});

test('the session cookie is HttpOnly, SameSite=Strict, path-wide, and its value is only a random token', async (t) => {
  const r = makeHubWebRig(contracts());
  const { secret } = await r.setUpOwner();
  const login = await r.browser().post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: r.code(secret) });
  const cookie = login.header('set-cookie')!;
  t.regex(cookie, new RegExp(`^${SESSION_COOKIE}=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict`));
  t.notRegex(cookie, /owner/, 'the cookie names nobody');
  await r.close();
});
