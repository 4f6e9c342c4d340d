import test from 'ava';
import { describeAuthEvent } from '../../modules/web/auth.js';
import { OWNER_PASSWORD } from '../support/web-client.js';
import { enrol, makeWebFixture } from '../support/web-fixture.js';

test('first boot prints a one-time setup code on the console and keeps only its hash', (t) => {
  const f = makeWebFixture();
  t.regex(f.setupCode, /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
  const line = f.host.lines.find((l) => l.message.includes('setup code'));
  t.is(line?.fields?.code, f.setupCode, 'the code reaches the console through the Logger');
  const stored = JSON.stringify(f.host.store.keys('web').map((k) => f.host.store.get('web', k)));
  t.false(stored.includes(f.setupCode.replace(/-/g, '')), 'the store never holds the code itself');
  t.false(stored.includes(f.setupCode));
  t.true(f.events.some((e) => e.kind === 'setup-code-issued'));
});

test('there is no default account: nothing logs in before setup', async (t) => {
  const f = makeWebFixture();
  const b = f.browser();
  const session = await b.get('/api/session');
  t.is(session.status, 200);
  t.true(session.json.setupRequired);
  t.is(session.json.user, null);
  for (const [name, password] of [['admin', 'admin'], ['owner', 'password'], ['root', '']]) {
    const r = await b.post('/api/login', { name, password: password || 'x', totp: '000000' });
    t.is(r.status, 401, `${name}/${password}`);
  }
  t.is((await b.get('/api/overview')).status, 401);
});

test('setup: the code, a password and a TOTP code create the owner and log them in', async (t) => {
  const f = makeWebFixture();
  const b = f.browser();
  const wrong = await b.post('/api/setup/start', { code: 'AAAA-BBBB-CCCC' });
  t.is(wrong.status, 401);
  t.is(wrong.json.error, 'bad-code');
  f.host.clock.advance(1_000); // a failed code costs a second before the next try
  const started = await b.post('/api/setup/start', { code: f.setupCode.toLowerCase() });
  t.is(started.status, 200, started.text);
  t.is(started.json.role, 'owner');
  t.regex(started.json.secret, /^[A-Z2-7]{32}$/);
  t.true(started.json.otpauthUri.startsWith('otpauth://totp/'));
  t.true(started.json.qrSvg.startsWith('<svg') && started.json.qrSvg.includes('<path d="M'), 'a QR code drawn as SVG');

  const shortPassword = await b.post('/api/setup/finish', { code: f.setupCode, name: 'owner', password: 'short', totp: f.code(started.json.secret) });
  t.is(shortPassword.status, 400);
  t.regex(shortPassword.json.message, /at least 10 characters/);
  const badTotp = await b.post('/api/setup/finish', { code: f.setupCode, name: 'owner', password: OWNER_PASSWORD, totp: '000000' });
  t.is(badTotp.status, 400);
  t.is(badTotp.json.error, 'bad-totp');
  t.true((await b.get('/api/session')).json.setupRequired, 'failed attempts created nothing');
  f.host.clock.advance(2_000); // the failed TOTP counted as the second failure: wait 2 s

  const done = await b.post('/api/setup/finish', { code: f.setupCode, name: 'owner', password: OWNER_PASSWORD, totp: f.code(started.json.secret) });
  t.is(done.status, 200, done.text);
  t.deepEqual(done.json.user, { name: 'owner', role: 'owner' });
  const cookie = done.header('set-cookie')!;
  t.regex(cookie, /^airlock_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  t.is((await b.get('/api/overview')).status, 200);
  t.true(f.events.some((e) => e.kind === 'account-created' && e.name === 'owner'));

  const again = await f.browser().post('/api/setup/start', { code: f.setupCode });
  t.is(again.status, 401, 'the setup code is single-use');
  t.is(f.router.auth.boot(), undefined, 'no new setup code once an owner exists');
});

test('the stored password is a salted PBKDF2-HMAC-SHA256 hash with its iteration count', async (t) => {
  const f = makeWebFixture();
  await f.setUpOwner();
  const account = JSON.parse(f.host.store.get('web', 'u.owner') as string);
  t.is(account.iterations, 50);
  t.regex(account.salt, /^[0-9a-f]{32}$/);
  t.regex(account.hash, /^[0-9a-f]{64}$/);
  t.false(JSON.stringify(account).includes(OWNER_PASSWORD));
});

test('login needs the password and a fresh TOTP code; a code cannot be replayed', async (t) => {
  const f = makeWebFixture();
  const { secret } = await f.setUpOwner();
  const b = f.browser();
  t.is((await b.post('/api/login', { name: 'owner', password: 'wrong password!', totp: f.code(secret) })).status, 401);
  f.host.clock.advance(2_000); // wait out the first delay
  const noTotp = await b.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: '123456' });
  t.is(noTotp.status, 401);
  t.is(noTotp.json.message, (await f.browser().post('/api/login', { name: 'nobody', password: 'whatever12', totp: '123456' })).json.message, 'the same message whatever was wrong');
  f.host.clock.advance(5_000);
  const ok = await b.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: f.code(secret) });
  t.is(ok.status, 200, ok.text);
  t.is(typeof ok.json.csrf, 'string');
  const replay = await f.browser().post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: f.code(secret) });
  t.is(replay.status, 401, 'the same code again is refused');
  const kinds = f.events.filter((e) => e.name === 'owner').map((e) => `${e.kind}:${e.reason ?? ''}`);
  t.true(kinds.includes('login-failed:bad-password'));
  t.true(kinds.includes('login-failed:bad-totp'));
  t.true(kinds.includes('login:'));
});

test('failed logins grow the delay, then lock the account; the lockout ends on the monotonic clock', async (t) => {
  const f = makeWebFixture();
  const { secret } = await f.setUpOwner();
  const b = f.browser();
  const delays: number[] = [];
  for (let n = 1; n <= 9; n++) {
    const r = await b.post('/api/login', { name: 'owner', password: 'not the password', totp: '000000' });
    t.is(r.status, 401, `attempt ${n}`);
    delays.push(Number(r.header('retry-after')));
    const early = await b.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: f.code(secret) });
    t.is(early.status, 429, 'an attempt inside the delay is refused unchecked, even with the right password');
    f.host.clock.advance(delays.at(-1)! * 1000);
  }
  t.deepEqual(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
  const tenth = await b.post('/api/login', { name: 'owner', password: 'not the password', totp: '000000' });
  t.is(tenth.status, 429);
  t.is(tenth.json.error, 'locked');
  t.true(f.events.some((e) => e.kind === 'lockout' && e.name === 'owner'));
  f.host.clock.advance(14 * 60_000);
  t.is((await b.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: f.code(secret) })).status, 429, 'still locked after 14 minutes');
  f.host.clock.advance(61_000);
  const after = await b.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: f.code(secret) });
  t.is(after.status, 200, after.text);
});

test('setup-code guessing is throttled too', async (t) => {
  const f = makeWebFixture();
  const b = f.browser();
  t.is((await b.post('/api/setup/start', { code: 'AAAA-AAAA-AAAA' })).status, 401);
  const early = await b.post('/api/setup/start', { code: f.setupCode });
  t.is(early.status, 429, 'even the right code waits out the delay');
  f.host.clock.advance(1_000);
  t.is((await b.post('/api/setup/start', { code: f.setupCode })).status, 200);
});

test('sessions end after 30 idle minutes; the API says so and clears the cookie', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  f.host.clock.advance(29 * 60_000);
  t.is((await owner.get('/api/overview')).status, 200, 'use within the idle time keeps it alive');
  f.host.clock.advance(29 * 60_000);
  t.is((await owner.get('/api/overview')).status, 200);
  f.host.clock.advance(31 * 60_000);
  const expired = await owner.get('/api/overview');
  t.is(expired.status, 401);
  t.is(expired.json.error, 'session-expired');
  t.regex(expired.header('set-cookie')!, /Max-Age=0/);
  t.true(f.events.some((e) => e.kind === 'session-expired'));
  const withdraw = await owner.post('/api/consent/withdraw', { integration: 'greenwatt', purpose: 'energy-advice' });
  t.is(withdraw.status, 401);
  t.true(f.facade.consent().find((c) => c.purpose === 'energy-advice')!.given, 'an expired session changed nothing');
});

test('logout ends the session', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const cookie = owner.cookie;
  t.is((await owner.post('/api/logout')).status, 200);
  owner.cookie = cookie; // a copied cookie must not work either
  t.is((await owner.get('/api/overview')).status, 401);
  t.true(f.events.some((e) => e.kind === 'logout' && e.name === 'owner'));
});

test('an installer account works for its hours only, and its sessions end with it', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const { browser: installer, secret } = await enrol(f, owner, 'fitter', 'installer', 2);
  t.is((await installer.get('/api/overview')).status, 200);
  f.host.clock.advance(2 * 3_600_000);
  t.is((await installer.get('/api/overview')).status, 401, 'the session ended with the account');
  const login = await f.browser().post('/api/login', { name: 'fitter', password: 'fitter password 1', totp: f.code(secret) });
  t.is(login.status, 403);
  t.is(login.json.error, 'account-expired');
});

test('invitations: owner only, bounded installer hours, codes that work once', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  t.is((await owner.post('/api/users/invite', { name: 'kim', role: 'owner' })).status, 400);
  t.is((await owner.post('/api/users/invite', { name: 'fitter', role: 'installer', accessHours: 1000 })).status, 400);
  t.is((await owner.post('/api/users/invite', { name: 'Bad Name!', role: 'member' })).status, 400);
  const { browser: member } = await enrol(f, owner, 'kim', 'member');
  t.is((await member.post('/api/users/invite', { name: 'eve', role: 'member' })).status, 403);
  const users = await owner.get('/api/users');
  t.deepEqual(users.json.accounts.map((a: { name: string; role: string }) => `${a.name}:${a.role}`).sort(), ['kim:member', 'owner:owner']);
  t.is((await owner.post('/api/users/remove', { name: 'owner' })).status, 409, 'cannot remove yourself');
  t.is((await owner.post('/api/users/remove', { name: 'kim' })).status, 200);
  t.is((await member.get('/api/overview')).status, 401, 'a removed account is logged out');
});

test('auth events read as plain sentences for the audit log', (t) => {
  t.is(describeAuthEvent({ kind: 'login-failed', name: 'owner', reason: 'bad-totp', remote: '192.168.1.5' }), 'Failed login for "owner" from 192.168.1.5 (bad-totp).');
  t.is(describeAuthEvent({ kind: 'login', name: 'kim', role: 'member' }), '"kim" logged in as member.');
});
