import test from 'ava';
import { ChangeManager, describeDiff } from '../../modules/contract/changes.js';
import { compareTransforms } from '../../modules/contract/transforms.js';
import type { Contract, Transform } from '../../modules/contract/types.js';
import { auditFixture } from '../support/audit-fixture.js';
import { energyContract } from '../support/audit-contracts.js';

const fields = (c: Contract) => c.streams[0]!.fields;
const sharing = (name: string) => ({ name, relation: 'partner' as const, purpose: 'Advertising' });

test('each kind of widening is found on the contract itself, with a sentence and the contract path', (t) => {
  const old = energyContract(1);
  const cases: [string, (c: Contract) => void, string, RegExp][] = [
    ['new field', (c) => (fields(c).voltage = { transform: { kind: 'keep' }, purpose: 'tariff-advice' }), 'streams.power.fields.voltage', /newly receive "voltage" from power devices \(sent as measured\)/],
    ['finer rounding', (c) => (fields(c).watts!.transform = { kind: 'round', step: 1 }), 'streams.power.fields.watts.transform', /from "rounded to the nearest 10" to "rounded to the nearest 1" \(more detailed\)/],
    ['finer record time', (c) => (c.streams[0]!.time = { kind: 'coarsenTime', unit: 'minutes', amount: 1 }), 'streams.power.time', /time of power records .* \(more detailed\)/],
    ['record time no longer coarsened', (c) => delete c.streams[0]!.time, 'streams.power.time', /to "sent as measured" \(more detailed\)/],
    ['keep replaces rounding', (c) => (fields(c).watts!.transform = { kind: 'keep' }), 'streams.power.fields.watts.transform', /to "sent as measured"/],
    ['pseudonym removed', (c) => (fields(c).device!.transform = { kind: 'bucket', edges: [5] }), 'streams.power.fields.device.transform', /no longer pseudonymized/],
    ['longer retention', (c) => (c.vendorStorage.retentionDays = 365), 'vendorStorage.retentionDays', /keeps your data would change from 30 days to 365 days/],
    ['longer buffering', (c) => (c.hubBuffer.maxAgeSeconds = 3 * 86400), 'hubBuffer.maxAgeSeconds', /wait in the hub would change from 1 day to 3 days/],
    ['larger buffer', (c) => (c.hubBuffer.maxBytes = 2 * 65536), 'hubBuffer.maxBytes', /from 65536 bytes to 131072 bytes/],
    ['other records dropped when full', (c) => (c.hubBuffer.whenFull = 'drop-newest'), 'hubBuffer.whenFull', /drop the newest records instead of the oldest/],
    ['new purpose', (c) => c.purposes.push({ id: 'marketing', description: 'Offers', requiresConsent: true }), 'purposes.marketing', /new purpose "marketing": Offers/],
    ['onward sharing', (c) => c.vendorStorage.onwardSharing.push(sharing('ads.example')), 'vendorStorage.onwardSharing', /share your data onward with "ads.example"/],
    ['new endpoint', (c) => (c.delivery.endpoint = 'mqtts://elsewhere.example:8883'), 'delivery', /sent to mqtts:\/\/elsewhere.example:8883\/homes\/readings instead of mqtts:\/\/broker.energy.example:8883\/homes\/readings/],
    ['new topic', (c) => (c.delivery.topic = 'homes/all'), 'delivery', /homes\/all instead of/],
    ['consent dropped', (c) => (c.purposes[0]!.requiresConsent = false), 'purposes.tariff-advice.requiresConsent', /no longer ask for your consent/],
    ['purpose reworded', (c) => (c.purposes[0]!.description = 'Anything'), 'purposes.tariff-advice.description', /described as "Anything"/],
    ['field used for another purpose', (c) => (fields(c).watts!.purpose = 'marketing'), 'streams.power.fields.watts.purpose', /used for "marketing"/],
    ['later breach deadline', (c) => (c.breachNotification.deadlineHours = 96), 'breachNotification.deadlineHours', /from 48 hours to 96 hours/],
    ['rarer audits', (c) => (c.audit.reauditIntervalMonths = 24), 'audit.reauditIntervalMonths', /from every 12 months to every 24 months/],
  ];
  for (const [name, change, path, sentence] of cases) {
    const diff = describeDiff(old, energyContract(2, change));
    t.true(diff.widening, name);
    t.is(diff.changes.length, 1, `${name}: ${diff.summary}`);
    t.is(diff.changes[0]!.path, path, name);
    t.regex(diff.changes[0]!.summary, sentence, name);
  }
});

test('each kind of narrowing is found and does not count as widening', (t) => {
  const old = energyContract(1);
  const cases: [string, (c: Contract) => void][] = [
    ['field removed', (c) => delete fields(c).watts],
    ['coarser rounding', (c) => (fields(c).watts!.transform = { kind: 'round', step: 100 })],
    ['coarser record time', (c) => (c.streams[0]!.time = { kind: 'coarsenTime', unit: 'hours', amount: 1 })],
    ['shorter retention', (c) => (c.vendorStorage.retentionDays = 7)],
    ['shorter buffering', (c) => (c.hubBuffer.maxAgeSeconds = 6 * 3600)],
    ['smaller buffer', (c) => (c.hubBuffer.maxBytes = 4096)],
    ['purpose dropped with its stream', (c) => { c.purposes = []; c.streams = []; }],
    ['shorter breach deadline', (c) => (c.breachNotification.deadlineHours = 24)],
    ['more frequent audits', (c) => (c.audit.reauditIntervalMonths = 6)],
  ];
  for (const [name, change] of cases) {
    const diff = describeDiff(old, energyContract(2, change));
    t.false(diff.widening, `${name}: ${diff.summary}`);
    t.true(diff.changes.length >= 1, name);
    t.true(diff.changes.every((c) => c.direction === 'narrowing'), name);
  }
  const askedNow = describeDiff(energyContract(1, (c) => (c.purposes[0]!.requiresConsent = false)), energyContract(2));
  t.false(askedNow.widening);
  t.deepEqual(askedNow.changes.map((c) => `${c.direction} ${c.path}`), ['narrowing purposes.tariff-advice.requiresConsent']);
  t.deepEqual(describeDiff(old, energyContract(2)).changes, []);
  // Terms that do not change what leaves the home, how, or for how long are not changes to decide on.
  t.deepEqual(describeDiff(old, energyContract(2, (c) => { c.serviceLevels.uptimePercent = 99; c.delivery.batchSize = 50; })).changes, []);
});

test('transforms compare by their own parameters; what cannot be told is different (widening)', (t) => {
  const cases: [Transform, Transform, ReturnType<typeof compareTransforms>][] = [
    [{ kind: 'bucket', edges: [10, 20] }, { kind: 'bucket', edges: [10, 15, 20] }, 'finer'],
    [{ kind: 'bucket', edges: [10, 15, 20] }, { kind: 'bucket', edges: [10, 20] }, 'coarser'],
    [{ kind: 'bucket', edges: [10, 20] }, { kind: 'bucket', edges: [12, 20] }, 'different'],
    [{ kind: 'clamp', min: 0, max: 100 }, { kind: 'clamp', min: 0 }, 'finer'],
    [{ kind: 'clamp', min: 0 }, { kind: 'clamp', min: 10, max: 50 }, 'coarser'],
    [{ kind: 'clamp', min: 0, max: 10 }, { kind: 'clamp', min: 5, max: 20 }, 'different'],
    [{ kind: 'coarsenTime', unit: 'hours', amount: 1 }, { kind: 'coarsenTime', unit: 'minutes', amount: 30 }, 'finer'],
    [{ kind: 'coarsenLocation', method: 'geohash', precision: 5 }, { kind: 'coarsenLocation', method: 'geohash', precision: 7 }, 'finer'],
    [{ kind: 'coarsenLocation', method: 'grid', degrees: 0.01 }, { kind: 'coarsenLocation', method: 'grid', degrees: 0.1 }, 'coarser'],
    [{ kind: 'coarsenLocation', method: 'grid', degrees: 0.1 }, { kind: 'coarsenLocation', method: 'geohash', precision: 3 }, 'different'],
    [{ kind: 'aggregate', function: 'mean', windowSeconds: 3600 }, { kind: 'aggregate', function: 'mean', windowSeconds: 600 }, 'finer'],
    [{ kind: 'aggregate', function: 'mean', windowSeconds: 3600 }, { kind: 'aggregate', function: 'max', windowSeconds: 7200 }, 'different'],
    [{ kind: 'pseudonymize' }, { kind: 'round', step: 1 }, 'different'],
    [{ kind: 'round', step: 5 }, { kind: 'keep' }, 'finer'],
    [{ kind: 'keep' }, { kind: 'round', step: 5 }, 'coarser'],
    [{ kind: 'round', step: 5 }, { kind: 'round', step: 5 }, 'same'],
  ];
  for (const [old, next, expected] of cases) t.is(compareTransforms(old, next), expected, `${JSON.stringify(old)} -> ${JSON.stringify(next)}`);
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
  t.like(changes.install(energyContract(2, (c) => (c.vendorStorage.retentionDays = 7))), { ok: true, status: 'applied' });
  t.is(changes.enforced('energy-saver')?.version, '2.0.0');
  const held = changes.install(energyContract(3, (c) => (fields(c).watts!.transform = { kind: 'keep' })));
  t.like(held, { ok: true, status: 'pending' });
  t.is(changes.enforced('energy-saver')?.version, '2.0.0');
  t.is(changes.pending('energy-saver')?.version, '3.0.0');
  t.deepEqual(enforced, ['energy-saver@1.0.0', 'energy-saver@2.0.0']);
  t.like(changes.approve('energy-saver', '3.0.0'), { ok: true, status: 'approved' });
  t.is(changes.enforced('energy-saver')?.version, '3.0.0');
  t.deepEqual(enforced, ['energy-saver@1.0.0', 'energy-saver@2.0.0', 'energy-saver@3.0.0']);
  t.deepEqual(f.log.entries().map((e) => `${e.action}:${(e.details as { status?: string }).status ?? ''}`), [
    'contract.installed:', 'contract.updated:applied', 'contract.updated:pending', 'contract.approved:',
  ]);
  t.true(f.log.verify().ok);
});

test('approving a superseded version is refused; the newer one can be approved or rejected', (t) => {
  const { f, changes } = manager();
  changes.install(energyContract(1));
  changes.install(energyContract(2, (c) => (c.vendorStorage.retentionDays = 90)));
  changes.install(energyContract(3, (c) => (c.vendorStorage.retentionDays = 60)));
  const late = changes.approve('energy-saver', '2.0.0');
  t.like(late, { ok: false, code: 'superseded' });
  t.regex((late as { reason: string }).reason, /superseded by version 3.0.0/);
  t.is(changes.enforced('energy-saver')?.version, '1.0.0');
  t.like(changes.approve('energy-saver', '7.0.0'), { ok: false, code: 'no-pending' });
  t.like(changes.reject('energy-saver', '3.0.0'), { ok: true, status: 'rejected' });
  t.is(changes.enforced('energy-saver')?.version, '1.0.0');
  t.like(changes.approve('energy-saver', '3.0.0'), { ok: false });
  t.is(changes.counters().refused, 3);
  const updated = f.log.entries((e) => e.action === 'contract.updated');
  t.is((updated[1]!.details as { superseded?: string }).superseded, '2.0.0');
  t.is(f.log.entries((e) => e.action === 'contract.rejected').length, 1);
});

test('revert rolls back to the previous approved version in one audited step', (t) => {
  const { f, changes, enforced } = manager();
  changes.install(energyContract(1));
  changes.install(energyContract(2, (c) => c.purposes.push({ id: 'research', description: 'Research', requiresConsent: false })));
  changes.approve('energy-saver', '2.0.0');
  t.like(changes.revert('energy-saver'), { ok: true, status: 'reverted', version: '1.0.0' });
  t.is(changes.enforced('energy-saver')?.version, '1.0.0');
  t.is(enforced[enforced.length - 1], 'energy-saver@1.0.0');
  t.like(changes.revert('energy-saver'), { ok: false, code: 'no-previous' });
  const reverted = f.log.entries((e) => e.action === 'contract.reverted');
  t.deepEqual(reverted.map((e) => e.details), [{ from: '2.0.0', to: '1.0.0' }]);
  // Re-installing the reverted version is a widening again and waits.
  t.like(changes.install(energyContract(2, (c) => c.purposes.push({ id: 'research', description: 'Research', requiresConsent: false }))), { status: 'pending' });
  t.deepEqual(changes.history('energy-saver').map((h) => h.event), ['installed', 'pending', 'approved', 'reverted', 'pending']);
});
