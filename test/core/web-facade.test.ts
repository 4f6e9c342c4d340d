// The hub's page API over the real composed Hub (modules/hub/facade/):
// setup and login, overview and data map, consent with purge, contract
// approval, incidents, the audit view, pause, and exit with a receipt, all
// through the router as a browser would call it.
import test from 'ava';
import type { Contract } from '../../modules/contract/types.js';
import { personOf } from '../../modules/hub/facade/context.js';
import { energyAdvisor, makeContract } from '../support/contracts.js';
import type { DataMapView } from '../../modules/web/facade/data-map.js';
import { makeHubWebRig, PLUG } from '../support/hub-web-rig.js';
import { OWNER_PASSWORD } from '../support/web-client.js';

function leakInsurer(version = '1.0.0'): Contract {
  const c = makeContract({ integration: 'leak-insurer' });
  c.vendor.name = 'Northshore Insurance';
  c.version = version;
  return c;
}

function widerLeakInsurer(version: string, ...extra: string[]): Contract {
  const c = leakInsurer(version);
  for (const field of ['current', ...extra]) c.streams[0]!.fields[field] = { purpose: 'energy-advice', transform: { kind: 'keep' } };
  return c;
}

test('the owner sets up the hub, logs in, and reads the overview and data map of the real hub', async (t) => {
  const r = makeHubWebRig([energyAdvisor(), leakInsurer()]);
  const { owner, secret } = await r.setUpOwner();
  const overview = await owner.get('/api/overview');
  t.is(overview.status, 200);
  t.is(overview.json.hub.hubId, 'home-1');
  t.deepEqual(overview.json.integrations.map((i: { id: string }) => i.id), ['energy-saver', 'leak-insurer']);
  const saver = overview.json.integrations[0];
  t.is(saver.title, 'Wattwise Energy Services');
  t.is(saver.contractVersion, '1.0.0');
  t.is(saver.health, 'ok');
  t.deepEqual(saver.serviceLevels.map((l: { name: string }) => l.name), ['Availability', 'Delivery time (95%)', 'Oldest waiting', 'Breach notification']);
  t.is(saver.serviceLevels[3].promised, 'within 72 hours');

  r.plug(1234);
  let map = (await owner.get('/api/datamap')).json as DataMapView;
  const advice = () => map.companies.find((c) => c.integration === 'energy-saver')!.purposes.find((p) => p.purpose === 'energy-advice')!;
  const power = advice().kinds.find((k) => k.field === 'power')!;
  t.deepEqual(power.devices.map((i) => map.devices[i]!.title), [PLUG], 'the plug is named by its zigbee2mqtt friendly_name');
  t.like(map.devices[power.devices[0]!], { named: 'gateway', nameable: false, source: 'zigbee2mqtt' });
  t.is(power.transform, 'rounded to the nearest 10');
  t.false(advice().flowing, 'no consent yet: the plug\'s power does not flow');
  t.is((await owner.post('/api/consent/give', { integration: 'energy-saver', purpose: 'energy-advice' })).status, 200);
  map = (await owner.get('/api/datamap')).json;
  t.true(advice().flowing);

  // A second login and a failed one reach the audit log through the hub's login monitor.
  const bad = await r.browser().post('/api/login', { name: 'owner', password: 'wrong password here', totp: r.code(secret) });
  t.is(bad.status, 401);
  r.host.clock.advance(2_000);
  await r.login('owner', OWNER_PASSWORD, secret);
  const actions = r.hub.audit.entries().map((e) => e.action);
  t.true(actions.includes('auth.login'));
  t.true(actions.includes('auth.login-failed'));
  t.is(r.hub.logins.counters().failed, 1);
  t.true(r.hub.audit.entries().some((e) => e.action === 'config.changed' && e.details.event === 'auth.account-created'));
  await r.close();
});

test('consent: withdrawing one purpose skips its records; withdrawing the last purges what waits', async (t) => {
  const r = makeHubWebRig([energyAdvisor()]);
  const { owner } = await r.setUpOwner();
  r.transports.get('energy-saver')!.fallback = 'unreachable';
  const given = await owner.post('/api/consent/give', { integration: 'energy-saver', purpose: 'energy-advice' });
  t.like(given.json, { given: true, changedBy: 'owner', required: false });
  t.is(r.hub.audit.entries().filter((e) => e.action === 'consent.given').at(-1)!.actor, 'owner:owner', 'the hub records role and name');
  for (let i = 0; i < 3; i++) r.plug(100 + i * 10); // records for energy advice only
  t.is((await owner.post('/api/consent/give', { integration: 'energy-saver', purpose: 'tariff-matching' })).status, 200);
  for (let i = 0; i < 2; i++) r.plug(200 + i * 10); // records serving both purposes
  await r.run(500);
  t.is(r.hub.buffer.stats('energy-saver').records, 5);

  const preview = await owner.get('/api/consent/preview?integration=energy-saver&purpose=energy-advice');
  t.is(preview.json.bufferedRecords, 3, 'only the records gathered for energy advice alone');
  t.deepEqual(preview.json.streams, ['power']);
  t.true(preview.json.effects.some((e: string) => e.startsWith('2 waiting record(s) also serve purposes you still allow')));
  const first = await owner.post('/api/consent/withdraw', { integration: 'energy-saver', purpose: 'energy-advice' });
  t.is(first.status, 200);
  t.is(first.json.purgedRecords, 0, 'nothing is removed yet: the records are skipped at delivery');
  t.is(r.hub.audit.entries().find((e) => e.seq === first.json.auditSeq)!.action, 'consent.withdrawn');
  const consent = (await owner.get('/api/consent')).json.entries as { purpose: string; given: boolean; changedBy: string }[];
  t.like(consent.find((c) => c.purpose === 'energy-advice'), { given: false, changedBy: 'owner' });

  const last = await owner.get('/api/consent/preview?integration=energy-saver&purpose=tariff-matching');
  t.is(last.json.bufferedRecords, 5);
  t.regex(last.json.effects[1], /last purpose.*all 5 record\(s\).*deleted now/);
  const purged = await owner.post('/api/consent/withdraw', { integration: 'energy-saver', purpose: 'tariff-matching' });
  t.is(purged.json.purgedRecords, 5);
  t.is(r.hub.buffer.stats('energy-saver').records, 0);
  const purgeEntry = r.hub.audit.entries().find((e) => e.action === 'data.purged')!;
  t.is(purgeEntry.details.records, 5);
  const audit = (await owner.get('/api/audit?limit=3')).json;
  t.true(audit.entries.some((e: { text: string }) => e.text === '5 buffered record(s) of Wattwise Energy Services purged and its keys destroyed (consent withdrawn for every purpose).'));

  // Refusals: an unknown purpose and integration are 404s; withdrawing twice changes nothing.
  t.is((await owner.post('/api/consent/withdraw', { integration: 'energy-saver', purpose: 'marketing' })).json.error, 'no-such-purpose');
  t.is((await owner.post('/api/consent/give', { integration: 'nobody', purpose: 'x' })).status, 404);
  const headBefore = r.hub.audit.head().seq;
  const again = await owner.post('/api/consent/withdraw', { integration: 'energy-saver', purpose: 'tariff-matching' });
  t.is(again.json.purgedRecords, 0);
  t.is(r.hub.audit.head().seq, headBefore, 'nothing new in the audit log');
  await r.close();
});

test('a purpose that does not rest on consent is shown as such and cannot be withdrawn', async (t) => {
  const r = makeHubWebRig([leakInsurer()]);
  const { owner } = await r.setUpOwner();
  const safety = ((await owner.get('/api/consent')).json.entries as { purpose: string }[]).find((c) => c.purpose === 'safety');
  t.like(safety, { given: true, required: true, purposeText: 'Alerts about dangerous conditions.' });
  const refused = await owner.post('/api/consent/withdraw', { integration: 'leak-insurer', purpose: 'safety' });
  t.is(refused.status, 409);
  t.is(refused.json.error, 'consent-not-needed');
  t.false(r.hub.audit.entries().some((e) => e.action === 'consent.withdrawn'));
  await r.close();
});

test('a widening contract change waits, shows its diff, refuses a stale version, and applies once approved', async (t) => {
  const r = makeHubWebRig([leakInsurer()]);
  const { owner } = await r.setUpOwner();
  t.like(r.hub.installContract(widerLeakInsurer('1.1.0')), { ok: true, status: 'pending' });
  t.like(r.hub.installContract(widerLeakInsurer('1.2.0')), { ok: true, status: 'pending' });
  const listed = (await owner.get('/api/contracts')).json.contracts[0];
  t.like(listed, { integration: 'leak-insurer', version: '1.0.0', status: 'pending-change', pendingVersion: '1.2.0', vendor: 'Northshore Insurance' });
  t.regex(listed.summary[0], /current \(|power \(rounded to the nearest 10\)/);
  const detail = (await owner.get('/api/contracts/leak-insurer')).json;
  t.is(detail.document.version, '1.0.0');
  t.like(detail.pending, { fromVersion: '1.0.0', toVersion: '1.2.0', narrowingOnly: false });
  t.true(detail.pending.diff.some((d: { kind: string; text: string }) => d.kind === 'widening' && d.text.includes('"current"')));
  t.is((await owner.get('/api/overview')).json.integrations[0].health, 'attention');

  const superseded = await owner.post('/api/contracts/leak-insurer/approve', { version: '1.1.0' });
  t.is(superseded.status, 409);
  t.is(superseded.json.error, 'superseded');
  t.regex(superseded.json.message, /1\.2\.0/);
  t.is((await owner.post('/api/contracts/leak-insurer/approve', { version: '9.9.9' })).json.error, 'stale-version');
  const approved = await owner.post('/api/contracts/leak-insurer/approve', { version: '1.2.0' });
  t.like(approved.json, { integration: 'leak-insurer', version: '1.2.0', decision: 'approved' });
  t.is(r.hub.contract('leak-insurer')!.version, '1.2.0');
  t.is(r.hub.audit.entries().find((e) => e.seq === approved.json.auditSeq)!.action, 'contract.approved');
  t.is((await owner.post('/api/contracts/leak-insurer/approve', { version: '1.2.0' })).json.error, 'no-pending-change');
  t.is((await owner.get('/api/contracts/leak-insurer')).json.pending, null);

  t.like(r.hub.installContract(widerLeakInsurer('1.3.0', 'frequency')), { status: 'pending' });
  const rejected = await owner.post('/api/contracts/leak-insurer/reject', { version: '1.3.0', reason: 'not needed' });
  t.like(rejected.json, { version: '1.3.0', decision: 'rejected' });
  t.is(r.hub.contract('leak-insurer')!.version, '1.2.0');
  t.is(r.hub.audit.entries().find((e) => e.seq === rejected.json.auditSeq)!.details.reason, 'not needed', 'the reason reaches the audit log');
  t.is((await owner.get('/api/audit?limit=1')).json.entries[0].text, 'Contract 1.3.0 for Northshore Insurance rejected: not needed; 1.2.0 stays in force.');
  await r.close();
});

test('incidents: registered, past-deadline shown overdue, notified and resolved, each audited', async (t) => {
  const r = makeHubWebRig([leakInsurer()]);
  const { owner } = await r.setUpOwner();
  const now = r.host.clock.wallTime()!;
  const created = await owner.post('/api/incidents', { integration: 'leak-insurer', title: 'Customer database exposed', detectedAt: new Date(now - 80 * 3_600_000).toISOString() });
  t.is(created.status, 201);
  const incident = created.json;
  t.is(incident.id, 'leak-insurer.1', 'an id the router accepts in a path');
  t.is(Date.parse(incident.notifyBy) - Date.parse(incident.detectedAt), 72 * 3_600_000);
  t.true(incident.overdue);
  t.is((await owner.get('/api/overview')).json.integrations[0].health, 'problem');
  const notified = await owner.post(`/api/incidents/${incident.id}/notified`);
  t.is(notified.status, 200);
  t.false(notified.json.overdue);
  t.truthy(notified.json.notifiedAt);
  t.is((await owner.post(`/api/incidents/${incident.id}/notified`)).status, 409, 'already notified');
  const resolved = await owner.post(`/api/incidents/${incident.id}/resolved`);
  t.truthy(resolved.json.resolvedAt);
  t.is((await owner.post('/api/incidents/leak-insurer.9/resolved')).status, 404);
  t.is((await owner.post('/api/incidents', { integration: 'nobody', title: 'x' })).status, 404);
  const actions = r.hub.audit.entries().map((e) => e.action);
  for (const action of ['incident.opened', 'incident.notified', 'incident.resolved']) t.true(actions.includes(action as never), action);
  t.is(r.hub.incidents.get('leak-insurer#1')!.state, 'resolved');
  await r.close();
});

test('the audit view is the hub\'s own chain: newest first, verified, with the chain head', async (t) => {
  const r = makeHubWebRig([leakInsurer()]);
  const { owner } = await r.setUpOwner();
  await owner.post('/api/consent/give', { integration: 'leak-insurer', purpose: 'energy-advice' });
  const view = (await owner.get('/api/audit?limit=4')).json;
  const head = r.hub.audit.head();
  t.is(view.entries.length, 4);
  t.is(view.entries[0].seq, head.seq);
  t.is(view.entries[0].hash, head.hash);
  t.deepEqual(view.head, { seq: head.seq, hash: head.hash });
  t.like(view.entries[0], { kind: 'consent.given', actor: 'owner:owner', integration: 'leak-insurer', text: 'Consent given to Northshore Insurance for "energy-advice".' });
  t.true(view.entries.every((e: { seq: number }, i: number) => i === 0 || e.seq === view.entries[i - 1].seq - 1));
  t.like(view.verification, { state: 'verified', checked: head.seq, brokenAt: null });
  t.is(view.verification.checkedAt, new Date(r.host.clock.wallTime()!).toISOString());
  t.is((await owner.get('/api/overview')).json.hub.auditHeadSeq, head.seq);
  await r.close();
});

test('pausing delivery buffers records and resuming sends them; the endpoint cannot be redirected from the page', async (t) => {
  const r = makeHubWebRig([leakInsurer()]);
  const { owner } = await r.setUpOwner();
  await owner.post('/api/consent/give', { integration: 'leak-insurer', purpose: 'energy-advice' });
  const paused = await owner.post('/api/integrations/leak-insurer/settings', { paused: true });
  t.like(paused.json, { paused: true, endpoint: 'mqtts://ingest.wattwise.example:8883/homes/readings' });
  t.true(r.hub.isPaused('leak-insurer'));
  r.plug(500);
  r.plug(510);
  await r.run(3000);
  const wire = r.transports.get('leak-insurer')!;
  t.is(wire.received.length, 0, 'nothing leaves while paused');
  t.is(r.hub.buffer.stats('leak-insurer').records, 2);
  t.like((await owner.get('/api/overview')).json.integrations[0], { health: 'attention', bufferedRecords: 2 });
  const held = ((await owner.get('/api/datamap')).json as DataMapView).companies.find((c) => c.integration === 'leak-insurer')!;
  t.true(held.paused);
  t.false(held.purposes.some((p) => p.flowing), 'nothing flows while paused');
  const moved = await owner.post('/api/integrations/leak-insurer/settings', { endpoint: 'mqtts://elsewhere.example:8883' });
  t.is(moved.status, 409);
  t.is(moved.json.error, 'endpoint-needs-contract');
  t.like((await owner.post('/api/integrations/leak-insurer/settings', { paused: false })).json, { paused: false });
  await r.run(3000);
  t.is(r.hub.buffer.stats('leak-insurer').records, 0);
  t.true(wire.received.length >= 1);
  const events = r.hub.audit.entries().filter((e) => e.action === 'config.changed').map((e) => e.details.event);
  t.deepEqual(events.filter((e) => String(e).startsWith('delivery.')), ['delivery.paused', 'delivery.resumed']);
  await r.close();
});

test('exit: export everything, then delete with a receipt that matches the audit log', async (t) => {
  const r = makeHubWebRig([energyAdvisor(), leakInsurer()]);
  const { owner } = await r.setUpOwner();
  await owner.post('/api/consent/give', { integration: 'energy-saver', purpose: 'energy-advice' });
  r.transports.get('energy-saver')!.fallback = 'unreachable';
  r.plug(700);
  r.plug(710);
  await r.run(500);
  const exported = await owner.post('/api/exit/energy-saver/export');
  t.is(exported.status, 200);
  t.regex(exported.header('content-disposition')!, /airlock-energy-saver-2026-01-01\.json/);
  t.is(exported.json.format, 'airlock-exit/2');
  t.is(exported.json.integration, 'energy-saver');
  t.is(exported.json.undelivered.length, 2);
  t.is(exported.json.undelivered[0].record.f.power, 700);
  t.true(r.hub.audit.entries().some((e) => e.action === 'export.created'));

  t.is((await owner.post('/api/exit/energy-saver/delete', { confirm: 'energy' })).json.error, 'confirmation-mismatch');
  const deleted = await owner.post('/api/exit/energy-saver/delete', { confirm: 'energy-saver' });
  t.is(deleted.status, 200);
  const receipt = deleted.json;
  t.is(receipt.recordsDeleted, 2);
  t.true(receipt.keyEpochsDestroyed >= 1);
  const entry = r.hub.audit.entries().find((e) => e.seq === receipt.auditSeq)!;
  t.is(entry.action, 'integration.deleted');
  t.is(entry.hash, receipt.auditHash);
  t.true(receipt.statements.some((s: string) => s.includes('2 record(s) waiting')));
  t.deepEqual(r.hub.integrations, ['leak-insurer']);
  t.deepEqual((await owner.get('/api/overview')).json.integrations.map((i: { id: string }) => i.id), ['leak-insurer']);
  t.is((await owner.get('/api/contracts/energy-saver')).status, 404);
  t.is((await owner.post('/api/exit/energy-saver/export')).status, 404);
  t.true(r.hub.audit.verify().ok);
  await r.close();
});

test('counter history is a bounded ring of samples that stops with the facade', async (t) => {
  const r = makeHubWebRig([leakInsurer()], { sampleIntervalS: 60, historyCapacity: 3 });
  r.hub.giveConsent('leak-insurer', 'energy-advice', 'owner:owner');
  r.plug(100);
  await r.run(1000);
  r.host.timers.advance(5 * 60_000);
  const history = r.facade.counterHistory();
  t.is(history.capacity, 3);
  t.is(history.intervalS, 60);
  t.is(history.samples.length, 3);
  const [a, b] = history.samples;
  t.is(Date.parse(b!.at) - Date.parse(a!.at), 60_000);
  t.like(history.samples.at(-1)!.integrations['leak-insurer'], { received: 1, forwarded: 1, bufferedRecords: 0 });
  r.facade.stop();
  const lastAt = r.facade.counterHistory().samples.at(-1)!.at;
  r.host.timers.advance(5 * 60_000);
  t.is(r.facade.counterHistory().samples.at(-1)!.at, lastAt, 'no samples after stop()');
  await r.hub.stop();
});

test('actor strings carry the role; the page shows the account name', (t) => {
  t.is(personOf('member:alice'), 'alice');
  t.is(personOf('owner:owner'), 'owner');
  t.is(personOf('vendor:leak-insurer'), 'vendor:leak-insurer');
  t.is(personOf('hub'), 'hub');
});
