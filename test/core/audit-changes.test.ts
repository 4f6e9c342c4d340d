import test from 'ava';
import { ChangeManager, describeDiff } from '../../modules/audit/changes.js';
import type { ContractLike } from '../../modules/audit/contract-shape.js';
import { auditFixture } from '../support/audit-fixture.js';
import { energyContract } from '../support/audit-contracts.js';

const fields = (c: ContractLike) => c.streams[0]!.fields;

test('each kind of widening is found, with a sentence', (t) => {
  const old = energyContract(1);
  const cases: [string, (c: ContractLike) => void, RegExp][] = [
    ['new field', (c) => (fields(c).voltage = { transform: 'keep', purpose: 'tariff-advice' }), /newly receive "voltage"/],
    ['finer rounding', (c) => (fields(c).watts!.transform = { kind: 'round', step: 1 }), /rounded to 1 instead of rounded to 10 \(more detailed\)/],
    ['finer time', (c) => (fields(c).time!.transform = { kind: 'coarsen-time', seconds: 60 }), /more detailed/],
    ['keep replaces rounding', (c) => (fields(c).watts!.transform = 'keep'), /the exact value/],
    ['pseudonym removed', (c) => (fields(c).device!.transform = { kind: 'bucket', width: 5 }), /no longer pseudonymized/],
    ['longer retention', (c) => (c.vendor!.retentionDays = 365), /keeps your data would change from 30 days to 365 days/],
    ['retention limit dropped', (c) => delete c.vendor!.retentionDays, /to no limit/],
    ['longer buffering', (c) => (c.buffering!.maxAgeHours = 72), /wait in the hub would change from 24 hours to 72 hours/],
    ['new purpose', (c) => c.purposes.push({ id: 'marketing', description: 'Offers' }), /new purpose "marketing": Offers/],
    ['onward sharing', (c) => c.vendor!.onwardSharing!.push('ads.example'), /share your data onward with "ads.example"/],
    ['new endpoint', (c) => (c.endpoint!.url = 'https://elsewhere.example'), /sent to https:\/\/elsewhere.example/],
    ['consent dropped', (c) => (c.purposes[0]!.consentRequired = false), /no longer ask for your consent/],
    ['field used for another purpose', (c) => (fields(c).watts!.purpose = 'marketing'), /used for "marketing"/],
  ];
  for (const [name, change, sentence] of cases) {
    const diff = describeDiff(old, energyContract(2, change));
    t.true(diff.widening, name);
    t.is(diff.changes.length, 1, `${name}: ${diff.summary}`);
    t.regex(diff.changes[0]!.summary, sentence, name);
  }
});

test('each kind of narrowing is found and does not count as widening', (t) => {
  const old = energyContract(1);
  const cases: [string, (c: ContractLike) => void][] = [
    ['field removed', (c) => delete fields(c).watts],
    ['coarser rounding', (c) => (fields(c).watts!.transform = { kind: 'round', step: 100 })],
    ['coarser time', (c) => (fields(c).time!.transform = { kind: 'coarsen-time', seconds: 3600 })],
    ['shorter retention', (c) => (c.vendor!.retentionDays = 7)],
    ['shorter buffering', (c) => (c.buffering!.maxAgeHours = 6)],
    ['purpose dropped with its fields', (c) => { c.purposes = []; c.streams = []; }],
    ['shorter breach deadline', (c) => (c.incidents!.notificationHours = 24)],
  ];
  for (const [name, change] of cases) {
    const diff = describeDiff(old, energyContract(2, change));
    t.false(diff.widening, `${name}: ${diff.summary}`);
    t.true(diff.changes.length >= 1, name);
    t.true(diff.changes.every((c) => c.direction === 'narrowing'), name);
  }
  t.deepEqual(describeDiff(old, energyContract(2)).changes, []);
});

function manager() {
  const f = auditFixture();
  const enforced: string[] = [];
  const changes = new ChangeManager({ audit: f.log, clock: f.host.clock, onEnforce: (id, c) => void enforced.push(`${id}@${c.version}`) });
  return { f, changes, enforced };
}

test('narrowing applies at once; widening waits while the old version keeps enforcing', (t) => {
  const { f, changes, enforced } = manager();
  t.like(changes.install(energyContract(1)), { ok: true, status: 'installed' });
  t.like(changes.install(energyContract(2, (c) => (c.vendor!.retentionDays = 7))), { ok: true, status: 'applied' });
  t.is(changes.enforced('energy-saver')?.version, 2);
  const held = changes.install(energyContract(3, (c) => (fields(c).watts!.transform = 'keep')));
  t.like(held, { ok: true, status: 'pending' });
  t.is(changes.enforced('energy-saver')?.version, 2);
  t.is(changes.pending('energy-saver')?.version, '3');
  t.deepEqual(enforced, ['energy-saver@1', 'energy-saver@2']);
  t.like(changes.approve('energy-saver', 3), { ok: true, status: 'approved' });
  t.is(changes.enforced('energy-saver')?.version, 3);
  t.deepEqual(enforced, ['energy-saver@1', 'energy-saver@2', 'energy-saver@3']);
  t.deepEqual(f.log.entries().map((e) => `${e.action}:${(e.details as { status?: string }).status ?? ''}`), [
    'contract.installed:', 'contract.updated:applied', 'contract.updated:pending', 'contract.approved:',
  ]);
  t.true(f.log.verify().ok);
});

test('approving a superseded version is refused; the newer one can be approved or rejected', (t) => {
  const { f, changes } = manager();
  changes.install(energyContract(1));
  changes.install(energyContract(2, (c) => (c.vendor!.retentionDays = 90)));
  changes.install(energyContract(3, (c) => (c.vendor!.retentionDays = 60)));
  const late = changes.approve('energy-saver', 2);
  t.like(late, { ok: false, code: 'superseded' });
  t.regex((late as { reason: string }).reason, /superseded by version 3/);
  t.is(changes.enforced('energy-saver')?.version, 1);
  t.like(changes.approve('energy-saver', 7), { ok: false, code: 'no-pending' });
  t.like(changes.reject('energy-saver', 3), { ok: true, status: 'rejected' });
  t.is(changes.enforced('energy-saver')?.version, 1);
  t.like(changes.approve('energy-saver', 3), { ok: false });
  t.is(changes.counters().refused, 3);
  const updated = f.log.entries((e) => e.action === 'contract.updated');
  t.is((updated[1]!.details as { superseded?: string }).superseded, '2');
  t.is(f.log.entries((e) => e.action === 'contract.rejected').length, 1);
});

test('revert rolls back to the previous approved version in one audited step', (t) => {
  const { f, changes, enforced } = manager();
  changes.install(energyContract(1));
  changes.install(energyContract(2, (c) => c.purposes.push({ id: 'research' })));
  changes.approve('energy-saver', 2);
  t.like(changes.revert('energy-saver'), { ok: true, status: 'reverted', version: '1' });
  t.is(changes.enforced('energy-saver')?.version, 1);
  t.is(enforced[enforced.length - 1], 'energy-saver@1');
  t.like(changes.revert('energy-saver'), { ok: false, code: 'no-previous' });
  const reverted = f.log.entries((e) => e.action === 'contract.reverted');
  t.deepEqual(reverted.map((e) => e.details), [{ from: '2', to: '1' }]);
  // Re-installing the reverted version is a widening again and waits.
  t.like(changes.install(energyContract(2, (c) => c.purposes.push({ id: 'research' }))), { status: 'pending' });
  t.deepEqual(changes.history('energy-saver').map((h) => h.event), ['installed', 'pending', 'approved', 'reverted', 'pending']);
});
