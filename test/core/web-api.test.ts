import test from 'ava';
import { utf8 } from '../../modules/bytes.js';
import type { DataMapView } from '../../modules/web/facade/data-map.js';
import { MAX_BODY_BYTES } from '../../modules/web/http.js';
import { OWNER_PASSWORD } from '../support/web-client.js';
import { enrol, makeWebFixture } from '../support/web-fixture.js';

const consentOf = (f: ReturnType<typeof makeWebFixture>, purpose: string) => f.facade.consent().find((c) => c.purpose === purpose)!;

test('every response carries the security headers', async (t) => {
  const f = makeWebFixture();
  const b = f.browser();
  for (const r of [await b.get('/'), await b.get('/api/session'), await b.get('/api/nothing-here'), await b.get('/nothing')]) {
    const csp = r.header('content-security-policy')!;
    t.regex(csp, /script-src 'self'/);
    t.notRegex(csp, /unsafe-inline/);
    t.regex(csp, /frame-ancestors 'none'/);
    t.is(r.header('x-content-type-options'), 'nosniff');
    t.is(r.header('referrer-policy'), 'no-referrer');
    t.is(r.header('x-frame-options'), 'DENY');
  }
});

test('static assets: gzip when accepted, identity otherwise, 406 when only gzip exists, 304 on a matching ETag', async (t) => {
  const f = makeWebFixture();
  const b = f.browser();
  const gz = await b.request('GET', '/', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  t.is(gz.status, 200);
  t.is(gz.header('content-encoding'), 'gzip');
  t.is(gz.text, '[gzip of index.html]');
  t.is(gz.header('content-type'), 'text/html; charset=utf-8');
  const plain = await b.get('/index.html');
  t.is(plain.header('content-encoding'), undefined);
  t.is(plain.text, '<!doctype html>');
  const refused = await b.request('GET', '/', { headers: { 'accept-encoding': 'gzip;q=0' } });
  t.is(refused.text, '<!doctype html>', 'q=0 means no gzip');
  const onlyGzip = await b.get('/app.js');
  t.is(onlyGzip.status, 406);
  t.is(onlyGzip.json.error, 'gzip-required');
  const cached = await b.request('GET', '/app.js', { headers: { 'accept-encoding': 'gzip', 'if-none-match': '"def456"' } });
  t.is(cached.status, 304);
  t.is((await b.request('POST', '/app.js', { body: {} })).status, 405);
});

test('path traversal on static files is refused with 400 and a clear message', async (t) => {
  const f = makeWebFixture();
  const b = f.browser();
  for (const path of ['/../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2fsecret', '/a\\..\\b', '/%00app.js', '/%zz']) {
    const r = await b.get(path);
    t.is(r.status, 400, path);
    t.is(r.json.error, 'bad-path', path);
  }
});

test('unknown routes get 404 and wrong methods 405 with Allow, as JSON', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const unknown = await owner.get('/api/teapot');
  t.is(unknown.status, 404);
  t.is(unknown.json.error, 'unknown-route');
  t.is((await owner.get('/favicon.ico')).status, 404);
  const wrong = await owner.request('DELETE', '/api/consent');
  t.is(wrong.status, 405);
  t.is(wrong.header('allow'), 'GET');
  const getOnPost = await owner.get('/api/consent/withdraw');
  t.is(getOnPost.status, 405);
  t.is(getOnPost.header('allow'), 'POST');
  t.true(consentOf(f, 'energy-advice').given);
});

test('malformed JSON, non-object bodies, wrong content type and oversized bodies are refused without a state change', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const before = JSON.stringify(f.facade.consent());
  const auditBefore = f.facade.audit(500).head!.seq;
  const cases = [
    { options: { rawBody: utf8('{"integration": "greenwatt", '), headers: { 'content-type': 'application/json' } }, status: 400, code: 'bad-json' },
    { options: { rawBody: utf8('[1,2]'), headers: { 'content-type': 'application/json' } }, status: 400, code: 'bad-json' },
    { options: { rawBody: new Uint8Array([0x7b, 0xff, 0x7d]), headers: { 'content-type': 'application/json' } }, status: 400, code: 'bad-json' },
    { options: { rawBody: utf8('integration=greenwatt&purpose=energy-advice'), headers: { 'content-type': 'application/x-www-form-urlencoded' } }, status: 415, code: 'json-required' },
    {
      options: { rawBody: utf8(JSON.stringify({ integration: 'greenwatt', purpose: 'energy-advice', pad: 'x'.repeat(MAX_BODY_BYTES) })), headers: { 'content-type': 'application/json' } },
      status: 413,
      code: 'body-too-large',
    },
    { options: { body: { integration: 'greenwatt' } }, status: 400, code: 'missing-field' },
    { options: { body: { integration: 42, purpose: 'energy-advice' } }, status: 400, code: 'missing-field' },
  ];
  for (const c of cases) {
    const r = await owner.request('POST', '/api/consent/withdraw', c.options);
    t.is(r.status, c.status, c.code);
    t.is(r.json.error, c.code);
    t.true(typeof r.json.message === 'string' && r.json.message.length > 10);
  }
  t.is(JSON.stringify(f.facade.consent()), before);
  t.is(f.facade.audit(500).head!.seq, auditBefore, 'nothing reached the audit log');
});

test('a state change without the CSRF token is refused and reported', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const missing = await owner.request('POST', '/api/consent/withdraw', { body: { integration: 'greenwatt', purpose: 'energy-advice' }, csrf: false });
  t.is(missing.status, 403);
  t.is(missing.json.error, 'csrf');
  const forged = await owner.request('POST', '/api/consent/withdraw', {
    body: { integration: 'greenwatt', purpose: 'energy-advice' },
    csrf: false,
    headers: { 'x-csrf-token': '0'.repeat(32) },
  });
  t.is(forged.status, 403);
  t.true(consentOf(f, 'energy-advice').given);
  t.true(f.events.some((e) => e.kind === 'csrf-rejected'));
});

test('bad ids in paths and bad query values get 400', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  t.is((await owner.get('/api/contracts/..%2F..')).json.error, 'bad-id');
  t.is((await owner.get('/api/contracts/nope')).status, 404);
  t.is((await owner.get('/api/audit?limit=0')).json.error, 'bad-limit');
  t.is((await owner.get('/api/audit?limit=abc')).status, 400);
  t.is((await owner.get('/api/consent/preview?integration=greenwatt')).json.error, 'missing-query');
});

test('withdrawing says beforehand what will be purged, purges it, and giving back is one call', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const preview = await owner.get('/api/consent/preview?integration=greenwatt&purpose=energy-advice');
  t.is(preview.status, 200);
  t.true(preview.json.bufferedRecords > 0);
  t.true(preview.json.effects.length > 0);
  t.true(consentOf(f, 'energy-advice').given, 'a preview changes nothing');
  const withdrawn = await owner.post('/api/consent/withdraw', { integration: 'greenwatt', purpose: 'energy-advice' });
  t.is(withdrawn.status, 200, withdrawn.text);
  t.is(withdrawn.json.purgedRecords, preview.json.bufferedRecords);
  t.false(consentOf(f, 'energy-advice').given);
  const greenwatt = ((await owner.get('/api/datamap')).json as DataMapView).companies.find((c) => c.integration === 'greenwatt')!;
  t.false(greenwatt.purposes.find((p) => p.purpose === 'energy-advice')!.flowing);
  const given = await owner.post('/api/consent/give', { integration: 'greenwatt', purpose: 'energy-advice' });
  t.is(given.status, 200);
  t.true(given.json.given);
  t.is(given.json.changedBy, 'owner');
});

test('members withdraw any consent, give back only their own; installers never touch consent', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const { browser: kim } = await enrol(f, owner, 'kim', 'member');
  const { browser: fitter } = await enrol(f, owner, 'fitter', 'installer');
  t.is((await kim.post('/api/consent/give', { integration: 'greenwatt', purpose: 'tariff-matching' })).status, 403, 'never given: owner only');
  t.false(consentOf(f, 'tariff-matching').given);
  t.is((await kim.post('/api/consent/withdraw', { integration: 'greenwatt', purpose: 'energy-advice' })).status, 200);
  t.is((await kim.post('/api/consent/give', { integration: 'greenwatt', purpose: 'energy-advice' })).status, 200, 'kim withdrew it, kim may give it back');
  t.is((await fitter.post('/api/consent/withdraw', { integration: 'greenwatt', purpose: 'energy-advice' })).status, 403);
  t.is((await fitter.post('/api/consent/give', { integration: 'greenwatt', purpose: 'tariff-matching' })).status, 403);
  t.is((await fitter.get('/api/consent/preview?integration=greenwatt&purpose=energy-advice')).status, 403);
  t.true(consentOf(f, 'energy-advice').given);
  t.false(consentOf(f, 'tariff-matching').given);
  t.true(f.events.some((e) => e.kind === 'forbidden' && e.name === 'fitter'));
});

test('role matrix: who may see and do what', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const { browser: kim } = await enrol(f, owner, 'kim', 'member');
  const { browser: fitter } = await enrol(f, owner, 'fitter', 'installer');
  for (const path of ['/api/overview', '/api/datamap', '/api/consent', '/api/contracts', '/api/contracts/aquaguard', '/api/counters', '/api/incidents']) {
    for (const b of [owner, kim, fitter]) t.is((await b.get(path)).status, 200, path);
  }
  t.is((await fitter.get('/api/audit')).status, 403, 'installers do not read the household audit log');
  t.is((await kim.get('/api/audit')).status, 200);
  t.is((await kim.post('/api/contracts/aquaguard/approve', { version: '2.1.0' })).status, 403);
  t.is((await fitter.post('/api/contracts/aquaguard/approve', { version: '2.1.0' })).status, 403);
  t.is((await kim.post('/api/exit/greenwatt/export')).status, 403);
  t.is((await fitter.post('/api/exit/greenwatt/delete', { confirm: 'greenwatt' })).status, 403);
  t.is((await kim.post('/api/integrations/greenwatt/settings', { paused: true })).status, 403);
  const paused = await fitter.post('/api/integrations/greenwatt/settings', { paused: true });
  t.is(paused.status, 200, paused.text);
  t.true(paused.json.paused);
  const moved = await fitter.post('/api/integrations/greenwatt/settings', { endpoint: 'mqtts://ingest2.greenwatt.example:8883' });
  t.is(moved.status, 409, 'where data goes is part of the contract');
  t.is(moved.json.error, 'endpoint-needs-contract');
  t.is((await fitter.post('/api/integrations/greenwatt/settings', { endpoint: 'ftp://x' })).status, 400);
  t.is((await fitter.post('/api/incidents', { integration: 'greenwatt', title: 'x' })).status, 403);
  t.true(f.facade.pendingChange('aquaguard') !== null);
});

test('contracts: summary, full document with the pending diff, approve with the shown version only', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const list = await owner.get('/api/contracts');
  const aqua = list.json.contracts.find((c: { integration: string }) => c.integration === 'aquaguard');
  t.is(aqua.status, 'pending-change');
  t.is(aqua.pendingVersion, '2.1.0');
  const doc = await owner.get('/api/contracts/aquaguard');
  t.is(doc.json.version, '2.0.0');
  t.true(doc.json.pending.diff.some((d: { kind: string }) => d.kind === 'widening'));
  t.true(doc.json.pending.diff.some((d: { kind: string }) => d.kind === 'narrowing'));
  const stale = await owner.post('/api/contracts/aquaguard/approve', { version: '2.0.9' });
  t.is(stale.status, 409);
  t.is(stale.json.error, 'stale-version');
  const approved = await owner.post('/api/contracts/aquaguard/approve', { version: '2.1.0' });
  t.is(approved.status, 200);
  t.is(approved.json.decision, 'approved');
  t.is((await owner.get('/api/contracts/aquaguard')).json.version, '2.1.0');
  t.is((await owner.post('/api/contracts/aquaguard/reject', { version: '2.1.0' })).status, 409, 'nothing pending any more');
});

test('incidents: register, deadline, overdue mark, notified, resolved', async (t) => {
  const f = makeWebFixture();
  const { owner: first, secret } = await f.setUpOwner();
  let owner = first;
  const existing = (await owner.get('/api/incidents')).json.incidents;
  t.true(existing.some((i: { overdue: boolean }) => i.overdue), 'the seeded incident is past its deadline');
  t.is((await owner.post('/api/incidents', { integration: 'greenwatt', title: 'x', detectedAt: 'yesterday' })).status, 400);
  const created = await owner.post('/api/incidents', { integration: 'greenwatt', title: 'Password database leaked' });
  t.is(created.status, 201);
  t.false(created.json.overdue);
  t.is(Date.parse(created.json.notifyBy) - Date.parse(created.json.detectedAt), 72 * 3_600_000);
  f.host.clock.advance(73 * 3_600_000);
  owner = await f.login('owner', OWNER_PASSWORD, secret); // the old session timed out meanwhile
  const later = (await owner.get('/api/incidents')).json.incidents.find((i: { id: string }) => i.id === created.json.id);
  t.true(later.overdue);
  const notified = await owner.post(`/api/incidents/${created.json.id}/notified`);
  t.false(notified.json.overdue);
  t.truthy(notified.json.notifiedAt);
  t.truthy((await owner.post(`/api/incidents/${created.json.id}/resolved`)).json.resolvedAt);
  t.is((await owner.post('/api/incidents/inc-999/resolved')).status, 404);
});

test('audit log view shows the chain head and its verification state', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const view = await owner.get('/api/audit?limit=3');
  t.is(view.json.entries.length, 3);
  t.is(view.json.verification.state, 'verified');
  t.is(view.json.head.seq, view.json.entries[0].seq, 'newest first; the head is the newest');
  f.decayAuditEntry(2);
  const broken = await owner.get('/api/audit');
  t.is(broken.json.verification.state, 'broken');
  t.is(broken.json.verification.brokenAt, 3, 'the chain breaks where entry 2 is missing');
});

test('exit: export is a download, delete needs the typed confirmation and returns a receipt', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  const exported = await owner.post('/api/exit/greenwatt/export');
  t.is(exported.status, 200);
  t.regex(exported.header('content-disposition')!, /^attachment; filename="airlock-greenwatt-\d{4}-\d{2}-\d{2}\.json"$/);
  t.is(exported.json.integration, 'greenwatt');
  t.is(exported.json.undelivered.length, 4, 'the four readings waiting for GreenWatt, decrypted');
  const unconfirmed = await owner.post('/api/exit/greenwatt/delete', { confirm: 'GreenWatt' });
  t.is(unconfirmed.status, 400);
  t.is(unconfirmed.json.error, 'confirmation-mismatch');
  t.is((await owner.get('/api/contracts/greenwatt')).status, 200, 'still there');
  const receipt = await owner.post('/api/exit/greenwatt/delete', { confirm: 'greenwatt' });
  t.is(receipt.status, 200, receipt.text);
  t.is(receipt.json.integration, 'greenwatt');
  t.regex(receipt.json.auditHash, /^[0-9a-f]{64}$/);
  const head = (await owner.get('/api/audit?limit=1')).json.head;
  t.is(head.hash, receipt.json.auditHash, 'the receipt points at the audit entry');
  t.is((await owner.get('/api/contracts/greenwatt')).status, 404);
  t.is((await owner.post('/api/exit/greenwatt/delete', { confirm: 'greenwatt' })).status, 404);
});

test('a facade bug answers 500 without leaking details and logs it', async (t) => {
  const f = makeWebFixture();
  const { owner } = await f.setUpOwner();
  f.facade.counterHistory = () => {
    throw new TypeError('secret internal detail');
  };
  const r = await owner.get('/api/counters');
  t.is(r.status, 500);
  t.false(r.text.includes('secret internal detail'));
  t.true(f.host.lines.some((l) => l.level === 'error' && String(l.fields?.error).includes('secret internal detail')));
});

test('respond() answers synchronously, for hosts whose server cannot wait', (t) => {
  const f = makeWebFixture();
  const r = f.router.respond({ method: 'GET', path: '/api/session', query: {}, headers: {}, body: undefined });
  t.is(r.status, 200);
});
