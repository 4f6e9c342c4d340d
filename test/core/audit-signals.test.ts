import test from 'ava';
import { LoginMonitor, VolumeMonitor, VOLUME_RULE } from '../../modules/audit/anomaly.js';
import { AuditRights, auditRightsStatus } from '../../modules/audit/audit-rights.js';
import type { AlertEvent } from '../../modules/audit/signals.js';
import { auditFixture } from '../support/audit-fixture.js';
import { energyContract } from '../support/audit-contracts.js';

function monitors() {
  const f = auditFixture();
  const alerts: AlertEvent[] = [];
  const powers = { audit: f.log, clock: f.host.clock, onAlert: (a: AlertEvent) => void alerts.push(a) };
  return { f, alerts, volume: new VolumeMonitor(powers), logins: new LoginMonitor(powers) };
}

test('a sudden rise over the integration\'s own baseline is flagged once that hour', (t) => {
  const { f, alerts, volume } = monitors();
  for (let h = 0; h < VOLUME_RULE.warmupHours; h++) {
    for (let i = 0; i < 40; i++) volume.observe('energy-saver', 1, 120);
    volume.observe('leak-insurer', 2, 50);
    volume.rollHour();
  }
  // Normal hour: no flag, even a bit above the mean.
  for (let i = 0; i < 60; i++) volume.observe('energy-saver', 1, 120);
  t.is(volume.counters().flagged, 0);
  volume.rollHour();
  // A burst: 3x the baseline is crossed mid-hour; flagged once even as it goes on.
  for (let i = 0; i < 400; i++) volume.observe('energy-saver', 1, 120);
  t.is(volume.counters().flagged, 1);
  t.is(alerts.length, 1);
  t.like(alerts[0], { kind: 'anomaly.volume', integration: 'energy-saver' });
  const entry = f.log.entries((e) => e.action === 'anomaly.volume')[0]!;
  t.is(entry.subject, 'energy-saver');
  t.true((entry.details as { recordsThisHour: number }).recordsThisHour > 3 * 40);
  // The quiet integration stays under the floor however its ratio moves.
  for (let i = 0; i < 5; i++) volume.observe('leak-insurer', 3, 60);
  t.is(volume.counters().flagged, 1);
});

test('no flag during warm-up, however large the first hours are', (t) => {
  const { volume } = monitors();
  for (let h = 0; h < VOLUME_RULE.warmupHours - 1; h++) {
    volume.observe('energy-saver', h === 3 ? 5000 : 10, 1000);
    volume.rollHour();
  }
  t.is(volume.counters().flagged, 0);
});

test('a burst of failed logins is flagged once; every login is audited', (t) => {
  const { f, alerts, logins } = monitors();
  logins.succeeded('owner', '192.168.1.20');
  for (let i = 0; i < 4; i++) {
    logins.failed('owner', '192.168.1.66');
    f.host.clock.advance(60_000);
  }
  t.is(logins.counters().bursts, 0);
  logins.failed('owner', '192.168.1.66');
  logins.failed('owner', '192.168.1.66');
  t.is(logins.counters().bursts, 1);
  // After a quiet window, a new burst is flagged again.
  f.host.clock.advance(15 * 60_000);
  for (let i = 0; i < 5; i++) logins.failed('admin', '10.0.0.9');
  t.deepEqual(logins.counters(), { logins: 1, failed: 11, bursts: 2 });
  t.is(alerts.filter((a) => a.kind === 'anomaly.login-burst').length, 2);
  t.is(f.log.entries((e) => e.action === 'auth.login-failed').length, 11);
  t.is(f.log.entries((e) => e.action === 'anomaly.login-burst').length, 2);
});

test('audit rights: overdue past last audit + interval, audited once', (t) => {
  const now = Date.UTC(2026, 0, 1);
  const contract = energyContract(1, (c) => (c.audit.lastAuditDate = '2025-01-15')); // re-audited every 12 months
  t.like(auditRightsStatus(contract, now), { lastAudit: '2025-01-15', intervalMonths: 12, auditOverdue: false, nextDue: '2026-01-15' });
  t.like(auditRightsStatus(contract, Date.UTC(2026, 0, 16)), { auditOverdue: true });
  t.like(auditRightsStatus(undefined, now), { auditOverdue: false });
  // Calendar months: a day past the month's end is its last day.
  t.like(auditRightsStatus(energyContract(1, (c) => { c.audit.lastAuditDate = '2025-08-31'; c.audit.reauditIntervalMonths = 6; }), now), { nextDue: '2026-02-28', auditOverdue: false });
  t.like(auditRightsStatus(energyContract(1, (c) => { c.audit.lastAuditDate = '2025-06-30'; c.audit.reauditIntervalMonths = 6; }), now), { nextDue: '2025-12-30', auditOverdue: true });
  t.regex(auditRightsStatus(energyContract(1, (c) => (c.audit.lastAuditDate = '2025-02-30')), now).problem!, /not a calendar date/);
  t.like(auditRightsStatus(contract, undefined), { problem: 'wall time unknown', auditOverdue: false });
  const f = auditFixture();
  const rights = new AuditRights({ audit: f.log, clock: f.host.clock });
  t.false(rights.check('energy-saver', contract).auditOverdue);
  f.host.clock.advance(20 * 24 * 3_600_000);
  t.true(rights.check('energy-saver', contract).auditOverdue);
  rights.check('energy-saver', contract);
  t.deepEqual(rights.overdue(), ['energy-saver']);
  t.is(f.log.entries((e) => e.action === 'audit-rights.overdue').length, 1);
  t.deepEqual(f.log.entries((e) => e.action === 'audit-rights.overdue')[0]!.details, { lastAudit: '2025-01-15', intervalMonths: 12, nextDue: '2026-01-15' });
});
