// The whole hub, composed as on the ESP32 and the desktop, over simulated hardware:
// device messages in, minimized records out, with consent, change approval, exit and restart.
import test from 'ava';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { toHex, utf8 } from '../../modules/bytes.js';
import type { Contract } from '../../modules/contract/types.js';
import { Hub, type ContractArchive, type HubPowers } from '../../modules/hub/hub.js';
import { makeContract } from '../support/contracts.js';
import { FakeTransport, settle } from '../support/fake-transport.js';
import { makeTestHost, type TestHost } from '../support/test-host.js';

const PLUG = 'kitchen plug';
const IEEE = '0x00158d0001d4e5f6';

function memoryArchive(): ContractArchive {
  const saved = new Map<string, Contract>();
  return {
    load: (id, version) => saved.get(`${id}@${version}`),
    save: (c) => void saved.set(`${c.integration}@${c.version}`, c),
  };
}

interface Rig {
  host: TestHost;
  hub: Hub;
  transports: Map<string, FakeTransport>;
  powers: HubPowers;
  run(ms: number): Promise<void>;
  plug(power: number, extra?: Record<string, unknown>): void;
}

function rig(contracts: Contract[], reuse?: { host: TestHost; powers: HubPowers }, publish?: HubPowers['publish']): Rig {
  const host = reuse?.host ?? makeTestHost({ flashBytes: 32 * 4096 });
  const transports = new Map<string, FakeTransport>();
  const powers: HubPowers = reuse?.powers ?? {
    host,
    auditFlash: new MemoryFlash(8 * 4096, 4096),
    archive: memoryArchive(),
    transport: () => {
      throw new Error('replaced below');
    },
    ...(publish ? { publish } : {}),
  };
  powers.transport = (id, endpoint) => {
    const t = new FakeTransport(endpoint, () => host.clock.monotonic());
    transports.set(id, t);
    return t;
  };
  const hub = new Hub(
    { hubId: 'home-1', version: '0.1.0', model: 'test', integrations: contracts.map((contract) => ({ contract })), sources: { zigbee2mqtt: {} } },
    powers,
  );
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      host.timers.advance(100);
      await settle();
    }
  };
  const plug = (power: number, extra: Record<string, unknown> = {}) =>
    hub.acceptMqtt(`zigbee2mqtt/${PLUG}`, utf8(JSON.stringify({ power, voltage: 231, energy: 1.5, linkquality: 80, ...extra })));
  return { host, hub, transports, powers, run, plug };
}

/** The fixture contract, with the plug's energy total sent for a purpose that needs no consent. */
function plugContract(): Contract {
  const c = makeContract();
  delete c.streams[0]!.fields.overload;
  c.streams[0]!.fields.energy = { purpose: 'safety', transform: { kind: 'keep' } };
  return c;
}

function receivedRecords(t: FakeTransport) {
  return t.received.flatMap((e) => e.records as { seq: number; data?: { f: Record<string, unknown>; d: string; p: string[] } }[]);
}

test('a device message leaves the home minimized, pseudonymized and only with consent', async (t) => {
  const r = rig([plugContract()]);
  r.hub.acceptMqtt('zigbee2mqtt/bridge/devices', utf8(JSON.stringify([{ ieee_address: IEEE, friendly_name: PLUG, definition: { model: 'X', vendor: 'Y' } }])));
  r.hub.start();
  r.plug(1234);
  await r.run(3000);
  const wire = r.transports.get('energy-saver')!;
  // Without consent only the safety purpose (no consent needed) may leave.
  let records = receivedRecords(wire);
  t.true(records.length >= 1);
  t.deepEqual(Object.keys(records[0]!.data!.f), ['energy']);
  r.hub.giveConsent('energy-saver', 'energy-advice', 'owner');
  r.plug(1234);
  await r.run(3000);
  records = receivedRecords(wire);
  const last = records.at(-1)!.data!;
  t.deepEqual(last.f, { energy: 1.5, power: 1230, voltage: '[220,240)' });
  t.regex(last.d, /^[0-9a-f]{32}$/);
  const everything = JSON.stringify(wire.received);
  t.false(everything.includes(PLUG), 'the friendly name never leaves');
  t.false(everything.includes(IEEE), 'the device address never leaves');
  t.false(everything.includes('linkquality'), 'fields outside the contract never leave');
  const status = r.hub.snapshot().integrations[0]!;
  t.is(status.forwarded, records.length);
  t.is(status.bufferedRecords, 0);
  t.is(r.hub.queue.decoded, 0, 'consent was checked on the purpose masks: no record was decoded for it');
  t.is(r.hub.log.counters().appended, 0, 'acknowledged in time: no record touched the flash');
  await r.hub.stop();
});

// Found by the crash-loop suite's drain: deliveries did not tell the monitor, so the last state
// document before a quiet spell kept showing records as buffered that had long been delivered.
test('monitoring publishes the state after the last delivery, not only after the last reading', async (t) => {
  const published = new Map<string, string>();
  const r = rig([plugContract()], undefined, (topic, payload) => void published.set(topic, payload));
  r.hub.start();
  r.hub.giveConsent('energy-saver', 'energy-advice', 'owner');
  const wire = () => r.transports.get('energy-saver')!;
  wire().fallback = 'unreachable';
  for (let i = 0; i < 5; i++) r.plug(100 + i * 10);
  await r.run(6000);
  const state = () => JSON.parse(published.get('airlock/home-1/integration/energy-saver/state') ?? '{}') as Record<string, number>;
  t.is(state().buffered_records, 5);
  wire().fallback = 'ack';
  await r.run(120_000);
  t.is(receivedRecords(wire()).length >= 5, true);
  t.is(state().buffered_records, 0, 'the state document shows the drained buffer');
  t.is(state().forwarded, 5);
  await r.hub.stop();
});

test('a dead vendor buffers sealed records on flash and nothing is lost when it returns', async (t) => {
  const r = rig([makeContract()]);
  r.hub.start();
  r.hub.giveConsent('energy-saver', 'energy-advice', 'owner');
  const wire = () => r.transports.get('energy-saver')!;
  wire().fallback = 'unreachable';
  for (let i = 0; i < 15; i++) r.plug(100 + i * 10);
  await r.run(2000);
  t.true(r.hub.log.stats('energy-saver').records < 15, 'a few seconds in RAM first (what passed the high-water mark spilled)');
  await r.run(6000);
  t.is(r.hub.log.stats('energy-saver').records, 15, 'then sealed on flash (the spill delay passed)');
  const offline = r.hub.snapshot().integrations[0]!;
  t.is(offline.bufferedRecords, 15);
  t.not(offline.connectivity, 'online');
  t.false(toHex(r.host.recordFlash.bytes).includes(toHex(utf8('energy-advice'))), 'nothing readable on flash');
  wire().fallback = 'ack';
  await r.run(120_000);
  const seqs = receivedRecords(wire()).map((x) => x.seq);
  t.deepEqual([...new Set(seqs)].sort((a, b) => a - b), Array.from({ length: 15 }, (_, i) => i + 1));
  t.is(r.hub.snapshot().integrations[0]!.bufferedRecords, 0);
  await r.hub.stop();
});

test('withdrawing the last consented purpose purges and shreds what waits, and it is audited', async (t) => {
  const contract = makeContract({ purposes: [{ id: 'energy-advice', description: 'Advice.', requiresConsent: true }], streams: [{ stream: 'power', fields: { power: { purpose: 'energy-advice', transform: { kind: 'keep' } } } }] });
  const r = rig([contract]);
  r.hub.start();
  r.hub.giveConsent('energy-saver', 'energy-advice', 'owner');
  r.transports.get('energy-saver')!.fallback = 'unreachable';
  for (let i = 0; i < 5; i++) r.plug(i);
  await r.run(500);
  t.is(r.hub.snapshot().integrations[0]!.bufferedRecords, 5);
  r.hub.withdrawConsent('energy-saver', 'energy-advice', 'owner');
  const status = r.hub.snapshot().integrations[0]!;
  t.is(status.bufferedRecords, 0);
  t.is(status.dropped.purged, 5);
  const actions = r.hub.audit.entries().map((e) => e.action);
  t.true(actions.includes('consent.withdrawn'));
  t.true(actions.includes('data.purged'));
  t.true(r.hub.audit.verify().ok);
  await r.hub.stop();
});

test('a widening contract waits for the owner while the old version keeps enforcing', async (t) => {
  const r = rig([makeContract()]);
  r.hub.start();
  r.hub.giveConsent('energy-saver', 'energy-advice', 'owner');
  const wider = makeContract();
  wider.version = '1.1.0';
  wider.streams[0]!.fields.current = { purpose: 'energy-advice', transform: { kind: 'keep' } };
  const outcome = r.hub.installContract(wider);
  t.like(outcome, { ok: true, status: 'pending' });
  t.true(r.hub.snapshot().integrations[0]!.pendingApproval);
  r.plug(500, { current: 2.2 });
  await r.run(3000);
  t.false('current' in receivedRecords(r.transports.get('energy-saver')!).at(-1)!.data!.f);
  t.like(r.hub.approveChange('energy-saver', '1.1.0'), { ok: true, status: 'approved' });
  r.plug(500, { current: 2.2 });
  await r.run(3000);
  t.is(receivedRecords(r.transports.get('energy-saver')!).at(-1)!.data!.f.current, 2.2);
  t.like(r.hub.approveChange('energy-saver', '1.1.0'), { ok: false });
  await r.hub.stop();
});

test('exit exports, then deletes with a receipt; the hub forgets the integration across restarts', async (t) => {
  const r = rig([makeContract(), makeContract({ integration: 'leak-insurer' })]);
  r.hub.start();
  r.hub.giveConsent('energy-saver', 'energy-advice', 'owner');
  r.transports.get('energy-saver')!.fallback = 'unreachable';
  r.plug(700);
  await r.run(500);
  const exported = r.hub.exportIntegration('energy-saver');
  t.is(exported.integration, 'energy-saver');
  t.true(exported.undelivered.length >= 1);
  const receipt = r.hub.deleteIntegration('energy-saver');
  t.true(receipt.completed);
  t.deepEqual(r.hub.integrations, ['leak-insurer']);
  await r.hub.stop();
  const again = rig([makeContract(), makeContract({ integration: 'leak-insurer' })], { host: r.host, powers: r.powers });
  t.deepEqual(again.hub.integrations, ['leak-insurer']);
  t.true(again.hub.audit.verify().ok);
});

test('after a restart consent, the enforced version and the audit chain are still there', async (t) => {
  const r = rig([makeContract()]);
  r.hub.start();
  r.hub.giveConsent('energy-saver', 'energy-advice', 'owner');
  await r.hub.stop();
  const installsBefore = r.hub.audit.entries().filter((e) => e.action === 'contract.installed').length;
  r.host.clock.reboot({ wallTime: Date.UTC(2026, 0, 2) });
  const again = rig([makeContract()], { host: r.host, powers: r.powers });
  t.true(again.hub.consent.isGiven('energy-saver', 'energy-advice'));
  t.is(again.hub.audit.entries().filter((e) => e.action === 'contract.installed').length, installsBefore, 'no second install entry');
  t.true(again.hub.audit.verify().ok);
  t.is(again.hub.snapshot().hub.bootCount, 2);
});

test('paused delivery is audited, survives a restart, and resumes in order', async (t) => {
  const r = rig([makeContract()]);
  r.hub.start();
  r.hub.giveConsent('energy-saver', 'energy-advice', 'owner');
  t.true(r.hub.pauseDelivery('energy-saver', 'installer:ines'));
  t.false(r.hub.pauseDelivery('nobody', 'installer:ines'));
  r.plug(300);
  await r.run(3000);
  t.is(r.transports.get('energy-saver')!.received.length, 0);
  await r.hub.stop();
  const again = rig([makeContract()], { host: r.host, powers: r.powers });
  again.hub.start();
  t.true(again.hub.isPaused('energy-saver'));
  await again.run(3000);
  t.is(again.transports.get('energy-saver')!.received.length, 0, 'still paused after the restart');
  t.true(again.hub.resumeDelivery('energy-saver', 'owner'));
  await again.run(3000);
  t.is(receivedRecords(again.transports.get('energy-saver')!).length, 1);
  t.is(again.hub.log.stats('energy-saver').records, 0);
  const events = again.hub.audit.entries().filter((e) => e.action === 'config.changed').map((e) => [e.actor, e.details.event]);
  t.deepEqual(events.filter(([, event]) => String(event).startsWith('delivery.')), [['installer:ines', 'delivery.paused'], ['owner', 'delivery.resumed']]);
  await again.hub.stop();
});

test('withdrawing one purpose strips its fields from records already buffered; the rest still leave', async (t) => {
  const r = rig([plugContract()]);
  r.hub.start();
  r.hub.giveConsent('energy-saver', 'energy-advice', 'owner');
  const wire = r.transports.get('energy-saver')!;
  wire.fallback = 'unreachable';
  for (let i = 0; i < 3; i++) r.plug(1000 + i * 100);
  await r.run(500);
  r.hub.withdrawConsent('energy-saver', 'energy-advice', 'owner');
  wire.fallback = 'ack';
  await r.run(60_000);
  const records = receivedRecords(wire);
  t.is(records.length, 3);
  for (const record of records) {
    t.deepEqual(record.data!.f, { energy: 1.5 }, 'only the field whose purpose needs no consent');
    t.deepEqual(record.data!.p, ['safety']);
  }
  t.is(r.hub.queue.decoded, 3, 'only the records whose purpose was withdrawn while they waited were decoded');
  await r.hub.stop();
});

test('a power cut takes at most the RAM window: the next boot audits and counts the seq gap, seqs go on above it', async (t) => {
  const r = rig([makeContract()]);
  r.hub.start();
  r.hub.giveConsent('energy-saver', 'energy-advice', 'owner');
  r.transports.get('energy-saver')!.fallback = 'unreachable';
  for (let i = 0; i < 3; i++) r.plug(100 + i);
  await r.run(500);
  t.is(r.hub.snapshot().integrations[0]!.bufferedRecords, 3);
  // The power goes: no stop(), the RAM window is gone.
  r.host.clock.reboot({ wallTime: Date.UTC(2026, 0, 2) });
  const again = rig([makeContract()], { host: r.host, powers: r.powers });
  again.hub.start();
  const lost = again.hub.audit.entries().filter((e) => e.action === 'data.lost');
  t.is(lost.length, 1);
  const { fromSeq, toSeq, atMost } = lost[0]!.details as { fromSeq: number; toSeq: number; atMost: number };
  t.true(fromSeq <= 1 && toSeq >= 3 && atMost === toSeq - fromSeq + 1);
  t.is(again.hub.snapshot().integrations[0]!.dropped.lost, atMost);
  again.plug(200);
  await again.run(3000);
  const seqs = receivedRecords(again.transports.get('energy-saver')!).map((x) => x.seq);
  t.deepEqual(seqs.length, 1);
  t.true(seqs[0]! > toSeq, 'the gap is never filled by a reused seq');
  await again.hub.stop();
  // A clean stop spilled and settled: the boot after it reports nothing.
  const third = rig([makeContract()], { host: r.host, powers: r.powers });
  third.hub.start();
  t.is(third.hub.audit.entries().filter((e) => e.action === 'data.lost').length, 1);
  await third.hub.stop();
});

test('durability "flash" in the contract seals every record on flash before it is sent', async (t) => {
  const contract = makeContract();
  contract.hubBuffer.durability = 'flash';
  const r = rig([contract]);
  r.hub.start();
  r.hub.giveConsent('energy-saver', 'energy-advice', 'owner');
  r.transports.get('energy-saver')!.fallback = 'unreachable';
  r.plug(100);
  t.is(r.hub.log.stats('energy-saver').records, 1);
  await r.hub.stop();
});
