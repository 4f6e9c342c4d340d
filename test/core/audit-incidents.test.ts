import test from 'ava';
import { IncidentDesk } from '../../modules/audit/incidents.js';
import { VendorCommands } from '../../modules/audit/vendor-commands.js';
import type { AlertEvent } from '../../modules/audit/signals.js';
import type { Contract } from '../../modules/contract/types.js';
import { toHex, utf8 } from '../../modules/bytes.js';
import { HOUR_MS } from '../../modules/audit/time.js';
import { platformCrypto as crypto } from '../support/platform.js';
import { auditFixture } from '../support/audit-fixture.js';
import { energyContract } from '../support/audit-contracts.js';

function desk(contract: Contract | undefined = energyContract(1), requests: string[] = []) {
  const f = auditFixture();
  const alerts: AlertEvent[] = [];
  const incidents = new IncidentDesk({ audit: f.log, clock: f.host.clock, contract: () => contract, onAlert: (a) => void alerts.push(a) });
  const commandKey = f.keyring.hubKey('cmd:energy-saver');
  const commands = new VendorCommands({
    crypto, clock: f.host.clock, audit: f.log, incidents, onAlert: (a) => void alerts.push(a),
    commandKey: (id) => (id === 'energy-saver' ? commandKey : undefined),
    contract: () => contract,
    onDataRequest: (id, r) => void requests.push(`${id}:${r.stream}.${r.fields.join('+')}`),
  });
  const signed = (body: object, key = commandKey) => {
    const text = JSON.stringify(body);
    return utf8(JSON.stringify({ body: text, mac: toHex(crypto.hmacSha256(key, utf8(text))) }));
  };
  return { f, incidents, commands, alerts, signed };
}

test('the deadline comes from the contract; an open incident goes overdue exactly once', (t) => {
  const { f, incidents, alerts } = desk();
  const i = incidents.report({ integration: 'energy-saver', reportedBy: 'owner', title: 'Vendor database exposed' });
  t.is(i.deadlineHours, 48);
  t.deepEqual(i.categories, ['power.watts', 'power.device']);
  f.host.clock.advance(48 * HOUR_MS);
  t.deepEqual(incidents.check(), []);
  f.host.clock.advance(60_000);
  t.is(incidents.check().length, 1);
  t.is(incidents.check().length, 0);
  f.host.clock.advance(HOUR_MS);
  incidents.check();
  t.is(incidents.counters().overdue, 1);
  t.is(alerts.filter((a) => a.kind === 'incident.overdue').length, 1);
  t.is(f.log.entries((e) => e.action === 'incident.overdue').length, 1);
  incidents.markNotified(i.id, 'owner', 'letter received');
  t.regex(incidents.summary(i.id), /deadline .* was missed/);
});

test('72 hours for an integration with no contract; notifying in time stops the clock', (t) => {
  const f0 = auditFixture();
  const orphan = new IncidentDesk({ audit: f0.log, clock: f0.host.clock, contract: () => undefined });
  t.is(orphan.report({ integration: 'gone', reportedBy: 'owner', title: 'Old backup found' }).deadlineHours, 72);
  const { f, incidents } = desk(energyContract(1, (c) => (c.breachNotification.deadlineHours = 72)));
  const i = incidents.report({ integration: 'energy-saver', reportedBy: 'owner', title: 'Lost laptop', discoveredAt: Date.UTC(2025, 11, 31, 12) });
  t.is(i.deadlineHours, 72);
  f.host.clock.advance(10 * HOUR_MS);
  incidents.markNotified(i.id, 'vendor:energy-saver');
  f.host.clock.advance(200 * HOUR_MS);
  t.deepEqual(incidents.check(), []);
  const done = incidents.resolve(i.id, 'vendor:energy-saver', 'Credentials rotated, affected records deleted');
  t.is(done.state, 'resolved');
  const summary = incidents.summary(i.id);
  t.regex(summary, /What happened: Lost laptop/);
  t.regex(summary, /Data involved: power\.watts, power\.device\./);
  t.regex(summary, /What was done: Credentials rotated/);
  t.regex(summary, /deadline was met/);
  t.throws(() => incidents.markNotified(i.id, 'owner'), { message: /is resolved; this step needs it to be open/ });
  t.deepEqual(f.log.entries().map((e) => e.action), ['incident.opened', 'incident.notified', 'incident.resolved']);
});

test('a vendor incident with a valid MAC is registered; its discovery time sets the deadline', (t) => {
  const { f, incidents, commands, signed } = desk();
  const discoveredAt = new Date(f.host.clock.wallTime()! - 47 * HOUR_MS).toISOString();
  const out = commands.handle('energy-saver', signed({ id: 'm1', type: 'incident.report', title: 'Backup leaked', categories: ['power.watts'], discoveredAt, ref: 'SEC-9' }));
  t.true(out.ok);
  const id = (out as { incident: string }).incident;
  t.like(incidents.get(id), { reportedBy: 'vendor', vendorRef: 'SEC-9', categories: ['power.watts'] });
  f.host.clock.advance(HOUR_MS + 1);
  t.is(incidents.check().length, 1);
  t.true(commands.handle('energy-saver', signed({ id: 'm2', type: 'incident.notified', incident: id, note: 'emailed' })).ok);
  t.is(f.log.entries((e) => e.action === 'incident.opened')[0]!.actor, 'vendor:energy-saver');
});

test('forged, replayed and malformed vendor messages are refused and counted by reason', (t) => {
  const { f, incidents, commands, signed, alerts } = desk();
  const forged = commands.handle('energy-saver', signed({ id: 'x', type: 'incident.report', title: 'fake' }, new Uint8Array(32)));
  t.like(forged, { ok: false, reason: 'forged' });
  commands.handle('energy-saver', signed({ id: 'y', type: 'incident.report', title: 'fake' }, new Uint8Array(32).fill(3)));
  t.is(incidents.list().length, 0);
  const good = signed({ id: 'm1', type: 'incident.report', title: 'real' });
  t.true(commands.handle('energy-saver', good).ok);
  t.like(commands.handle('energy-saver', good), { ok: false, reason: 'replayed' });
  t.like(commands.handle('energy-saver', utf8('not json')), { ok: false, reason: 'malformed' });
  t.like(commands.handle('energy-saver', signed({ type: 'incident.report' })), { ok: false, reason: 'malformed' });
  t.like(commands.handle('other', good), { ok: false, reason: 'no-key' });
  t.deepEqual(commands.counters(), { accepted: 1, 'refused.forged': 2, 'refused.replayed': 1, 'refused.malformed': 2, 'refused.no-key': 1 });
  t.is(incidents.list().length, 1);
  // Two forgeries within the hour: one audit entry and one alert, not two.
  t.is(f.log.entries((e) => e.action === 'anomaly.forged-command').length, 1);
  t.is(alerts.filter((a) => a.kind === 'anomaly.forged-command').length, 1);
});

test('a data request outside the contract is refused, counted, alerted and audited', (t) => {
  const requests: string[] = [];
  const { f, commands, signed, alerts } = desk(energyContract(1), requests);
  const inside = commands.handle('energy-saver', signed({ id: 'r1', type: 'data.request', stream: 'power', fields: ['watts'] }));
  t.true(inside.ok);
  const outside = commands.handle('energy-saver', signed({ id: 'r2', type: 'data.request', stream: 'power', fields: ['watts', 'voltage'] }));
  t.like(outside, { ok: false, reason: 'out-of-contract' });
  t.like(commands.handle('energy-saver', signed({ id: 'r3', type: 'data.request', stream: 'camera', fields: ['image'] })), { ok: false, reason: 'out-of-contract' });
  t.is(commands.counters()['refused.out-of-contract'], 2);
  t.is(alerts.filter((a) => a.kind === 'anomaly.out-of-contract-request').length, 2);
  t.deepEqual(f.log.entries((e) => e.action === 'anomaly.out-of-contract-request').map((e) => e.details), [
    { stream: 'power', fields: ['voltage'] },
    { stream: 'camera', fields: ['image'] },
  ]);
  t.deepEqual(requests, ['energy-saver:power.watts']);
});
