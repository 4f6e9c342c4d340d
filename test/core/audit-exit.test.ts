import test from 'ava';
import { encode } from 'cbor-x';
import { ChangeManager } from '../../modules/contract/changes.js';
import { endIntegration, EXIT_EXPORT_FORMAT } from '../../modules/audit/exit.js';
import { verifyExport } from '../../modules/audit/verify-export.js';
import type { IntegrationQueue, PendingRecord } from '../../modules/queue.js';
import { platformCrypto as crypto } from '../support/platform.js';
import { auditFixture } from '../support/audit-fixture.js';
import { energyContract } from '../support/audit-contracts.js';

/** The IntegrationQueue seam, holding decrypted records as the record log would hand them out. */
function queueOf(records: PendingRecord[]): IntegrationQueue & { records: PendingRecord[] } {
  return {
    records,
    pending: (integration, max, afterSeq = 0) => records.filter((r) => r.integration === integration && r.seq > afterSeq).slice(0, max),
    acknowledge: () => {},
    stats: (integration) => ({ records: records.filter((r) => r.integration === integration).length, bytes: 0 }),
  };
}

function scene(undelivered = 100) {
  const f = auditFixture();
  const changes = new ChangeManager({ audit: f.log, clock: f.host.clock });
  changes.install(energyContract(1));
  f.log.record('owner', 'consent.given', 'energy-saver', { purpose: 'tariff-advice' });
  f.log.record('owner', 'consent.given', 'leak-insurer', { purpose: 'claims' });
  changes.install(energyContract(2, (c) => (c.vendorStorage.retentionDays = 7)));
  f.log.record('owner', 'consent.withdrawn', 'energy-saver', { purpose: 'tariff-advice' });
  const records: PendingRecord[] = [];
  for (let seq = 1; seq <= undelivered; seq++) {
    records.push({ integration: 'energy-saver', seq, stamp: { boot: 1, mono: seq }, payload: new Uint8Array(encode({ watts: seq * 10, device: 'p:ab12' })) });
  }
  records.push({ integration: 'leak-insurer', seq: 1, stamp: { boot: 1, mono: 1 }, payload: new Uint8Array(encode({ leak: true })) });
  f.keyring.key('data', 'energy-saver'); // the integration has sealed data under epoch 1
  const stopped: string[] = [];
  const queue = queueOf(records);
  return { f, changes, queue, stopped, records };
}

test('ending an integration exports everything first, then shreds, reclaims and writes a receipt', (t) => {
  const { f, changes, queue, stopped, records } = scene();
  t.true(f.keyring.hasEpoch('energy-saver', 1));
  const bytesBefore = records.filter((r) => r.integration === 'energy-saver').reduce((n, r) => n + r.payload.length, 0);
  const { exported, receipt } = endIntegration(
    {
      crypto, clock: f.host.clock, audit: f.log, changes, queue, keyring: f.keyring,
      stopDelivery: (id) => void stopped.push(id),
      reclaimFlash: (id) => {
        const mine = records.filter((r) => r.integration === id);
        records.splice(0, records.length, ...records.filter((r) => r.integration !== id));
        return { records: mine.length, bytes: mine.reduce((n, r) => n + r.payload.length, 0) };
      },
    },
    'energy-saver',
  );
  t.is(exported.format, EXIT_EXPORT_FORMAT);
  // The contract documents themselves, as the vendor wrote them (airlock-contract/1).
  t.deepEqual(exported.contracts.versions, [energyContract(1), energyContract(2, (c) => (c.vendorStorage.retentionDays = 7))]);
  t.is(exported.contracts.enforced, '2.0.0');
  t.deepEqual(exported.consent.map((c) => c.action), ['consent.given', 'consent.withdrawn']);
  t.is(exported.undelivered.length, 100, 'all undelivered records, across batches');
  t.deepEqual(exported.undelivered[99]!.record, { watts: 1000, device: 'p:ab12' });
  t.true(exported.audit.entries.every((e) => e.subject === 'energy-saver'));
  t.like(verifyExport(crypto, JSON.stringify(exported.audit), f.key), { status: 'valid', mode: 'selection' });
  t.like(exported.handover, { streams: ['power'], categories: ['power.watts', 'power.device'], endpoint: 'mqtts://broker.energy.example:8883/homes/readings' });

  t.true(receipt.completed);
  t.deepEqual(stopped, ['energy-saver']);
  t.false(f.keyring.hasEpoch('energy-saver', 1));
  t.is(f.keyring.key('data', 'energy-saver', 1), undefined);
  t.is(queue.stats('energy-saver').records, 0);
  t.is(queue.stats('leak-insurer').records, 1);
  const entries = f.log.entries((e) => e.subject === 'energy-saver');
  const last = entries[entries.length - 1]!;
  t.is(last.action, 'integration.deleted');
  t.is(last.seq, receipt.auditSeq);
  const steps = (last.details as { steps: { step: string; ok: boolean; result?: unknown }[] }).steps;
  t.deepEqual(steps.map((s) => `${s.step}:${s.ok}`), ['stop-delivery:true', 'shred-keys:true', 'reclaim-flash:true']);
  t.deepEqual(steps[1]!.result, { epochsDestroyed: [1], keys: 'data and pseudonym keys of every epoch' });
  t.deepEqual(steps[2]!.result, { records: 100, bytes: bytesBefore });
  t.is(entries[entries.length - 2]!.action, 'export.created');
  t.true(f.log.verify().ok);
});

test('a failing deletion step is stated in the receipt and the other steps still run', (t) => {
  const { f, changes, queue } = scene(3);
  const { receipt } = endIntegration(
    {
      crypto, clock: f.host.clock, audit: f.log, changes, queue, keyring: f.keyring,
      stopDelivery: () => { throw new Error('forwarder did not answer'); },
      reclaimFlash: () => ({ records: 3, bytes: 90 }),
    },
    'energy-saver',
  );
  t.false(receipt.completed);
  t.like(receipt.steps[0], { step: 'stop-delivery', ok: false, error: 'forwarder did not answer' });
  t.like(receipt.steps[1], { step: 'shred-keys', ok: true });
  t.false(f.keyring.hasEpoch('energy-saver', 1));
  const last = f.log.entries().pop()!;
  t.like(last.details, { completed: false });
});
