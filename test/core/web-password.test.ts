// Changing a password (ETSI EN 303 645 5.1-4) and the per-host PBKDF2 iteration count: the
// current password and the CSRF token are required, a wrong current password is throttled like
// a login, the change is audited on the real hub, and every other session of the account ends.
// Hashes keep their own iteration count, so a hash made with another count still verifies.
import test from 'ava';
import { createWebRouter } from '../../modules/web/router.js';
import { makeContract } from '../support/contracts.js';
import { makeHubWebRig } from '../support/hub-web-rig.js';
import { Browser, OWNER_PASSWORD, tinyAssets, TEST_ITERATIONS } from '../support/web-client.js';
import { makeWebFixture } from '../support/web-fixture.js';

const NEW_PASSWORD = 'a much longer passphrase';

test('the owner changes the password: other sessions end, this one stays, the old password stops working', async (t) => {
  const f = makeWebFixture();
  const { owner, secret } = await f.setUpOwner();
  const elsewhere = await f.login('owner', OWNER_PASSWORD, secret);
  t.is((await elsewhere.get('/api/overview')).status, 200);
  const before = JSON.parse(f.host.store.get('web', 'u.owner') as string);

  const changed = await owner.post('/api/account/password', { oldPassword: OWNER_PASSWORD, newPassword: NEW_PASSWORD });
  t.is(changed.status, 200, changed.text);
  t.deepEqual(changed.json, { changed: true, otherSessionsEnded: 1 });
  t.is((await owner.get('/api/overview')).status, 200, 'the session that changed it goes on');
  t.is((await elsewhere.get('/api/overview')).status, 401, 'the other session ended');

  const after = JSON.parse(f.host.store.get('web', 'u.owner') as string);
  t.not(after.hash, before.hash);
  t.not(after.salt, before.salt, 'a fresh salt');
  t.is(after.iterations, TEST_ITERATIONS);
  t.is((await f.browser().post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: f.code(secret) })).status, 401);
  f.host.clock.advance(5_000);
  t.is((await f.browser().post('/api/login', { name: 'owner', password: NEW_PASSWORD, totp: f.code(secret) })).status, 200);
  t.true(f.events.some((e) => e.kind === 'password-changed' && e.name === 'owner'));
});

test('a change needs the current password and the CSRF token; wrong guesses are throttled like logins', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const noCsrf = await owner.request('POST', '/api/account/password', { body: { oldPassword: OWNER_PASSWORD, newPassword: NEW_PASSWORD }, csrf: false });
  t.is(noCsrf.status, 403);
  t.is(noCsrf.json.error, 'csrf');
  t.is((await f.browser().post('/api/account/password', { oldPassword: OWNER_PASSWORD, newPassword: NEW_PASSWORD })).status, 401, 'no session, no change');
  t.is((await owner.post('/api/account/password', { oldPassword: OWNER_PASSWORD, newPassword: 'short' })).status, 400);
  t.is((await owner.post('/api/account/password', { oldPassword: OWNER_PASSWORD, newPassword: OWNER_PASSWORD })).json.error, 'same-password');

  const wrong = await owner.post('/api/account/password', { oldPassword: 'not the password', newPassword: NEW_PASSWORD });
  t.is(wrong.status, 403);
  t.is(wrong.json.error, 'bad-old-password');
  const tooSoon = await owner.post('/api/account/password', { oldPassword: 'still not it', newPassword: NEW_PASSWORD });
  t.is(tooSoon.status, 429, 'the next guess must wait, as after a failed login');
  t.true(f.events.some((e) => e.kind === 'password-change-failed' && e.reason === 'bad-password'));
  t.is((await owner.get('/api/overview')).status, 200, 'a failed change does not end the session');
  const stored = JSON.parse(f.host.store.get('web', 'u.owner') as string);
  t.true(f.router.auth.accounts.verifyPassword(stored, OWNER_PASSWORD), 'the password did not change');
});

test('a password change is audited on the hub', async (t) => {
  const r = makeHubWebRig([makeContract()]);
  const { owner } = await r.setUpOwner();
  const changed = await owner.post('/api/account/password', { oldPassword: OWNER_PASSWORD, newPassword: NEW_PASSWORD });
  t.is(changed.status, 200, changed.text);
  const entries = r.hub.audit.entries((e) => e.action === 'config.changed' && (e.details as { event?: string }).event === 'auth.password-changed');
  t.is(entries.length, 1);
  t.like(entries[0]!.details, { account: 'owner' });
  await r.close();
});

test('hashes keep their iteration count: one made with another count still verifies and is raised at login', async (t) => {
  const f = makeWebFixture();
  const { secret } = await f.setUpOwner();
  t.is(JSON.parse(f.host.store.get('web', 'u.owner') as string).iterations, TEST_ITERATIONS);
  // The same store under a host that hashes with more iterations (as the desktop does with 600 000).
  const stronger = createWebRouter({
    clock: f.host.clock, random: f.host.random, crypto: f.host.crypto, store: f.host.store, log: f.host.log,
    facade: f.facade, assets: tinyAssets(), pbkdf2Iterations: TEST_ITERATIONS * 3,
  });
  const b = new Browser(stronger);
  const login = await b.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: f.code(secret) });
  t.is(login.status, 200, login.text);
  const raised = JSON.parse(f.host.store.get('web', 'u.owner') as string);
  t.is(raised.iterations, TEST_ITERATIONS * 3, 'raised to the host\'s count at login');
  t.true(stronger.auth.accounts.verifyPassword(raised, OWNER_PASSWORD));
});
