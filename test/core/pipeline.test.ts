import test from 'ava';
import { decode } from 'cbor-x/decode';
import { makeContract } from '../support/contracts.js';
import { makeRig } from '../support/pipeline-rig.js';

const HOMEOWNER = 'homeowner:web';

test('only allowed fields with consent leave, transformed, as CBOR', (t) => {
  const rig = makeRig([makeContract()]);
  rig.consent.give('energy-saver', 'energy-advice', HOMEOWNER);
  rig.pipeline.accept(rig.reading('plug-1', 'power', { power: 1234.5, voltage: 231, overload: false, linkquality: 87, mac: 'aa:bb' }));
  t.is(rig.emitted.length, 1);
  const { integration, payload, record } = rig.emitted[0]!;
  t.is(integration, 'energy-saver');
  t.deepEqual(record.f, { power: 1230, voltage: '[220,240)', overload: false });
  t.deepEqual(record.p, ['energy-advice', 'safety']);
  t.is(record.s, 'power');
  t.is(record.t, Date.UTC(2026, 0, 1));
  t.regex(record.d, /^[0-9a-f]{32}$/);
  t.not(record.d, 'plug-1');
  t.deepEqual(decode(payload), record, 'the payload is the record in CBOR');
  t.deepEqual(rig.counters.snapshot().integrations['energy-saver'], {
    recordsProduced: 1,
    fieldsDropped: 2,
    fieldsGeneralized: 2,
    identifiersPseudonymized: 1,
    blockedConsent: 0,
  });
});

test('fields whose purpose lacks consent are dropped; no field left means no record', (t) => {
  const rig = makeRig([makeContract()]);
  rig.pipeline.accept(rig.reading('plug-1', 'power', { power: 100, voltage: 230, overload: true }));
  t.is(rig.emitted.length, 1, 'the safety purpose needs no consent');
  t.deepEqual(rig.emitted[0]!.record.f, { overload: true });
  rig.pipeline.accept(rig.reading('plug-1', 'power', { power: 100, voltage: 230 }));
  t.is(rig.emitted.length, 1, 'nothing allowed remained: no record');
  t.is(rig.counters.integration('energy-saver').blockedConsent, 4);
  rig.consent.give('energy-saver', 'energy-advice', HOMEOWNER);
  rig.consent.withdraw('energy-saver', 'energy-advice', HOMEOWNER);
  rig.pipeline.accept(rig.reading('plug-1', 'power', { power: 100 }));
  t.is(rig.emitted.length, 1, 'withdrawn is off again');
});

test('each integration gets its own pseudonym and only its own fields', (t) => {
  const insurer = makeContract({
    integration: 'leak-insurer',
    streams: [{ stream: 'power', fields: { voltage: { purpose: 'safety', transform: { kind: 'keep' } } } }],
  });
  const rig = makeRig([makeContract(), insurer]);
  rig.pipeline.accept(rig.reading('plug-1', 'power', { power: 100, voltage: 230, overload: true }));
  t.is(rig.emitted.length, 2);
  const [a, b] = rig.emitted.map((e) => e.record);
  t.deepEqual(a!.f, { overload: true });
  t.deepEqual(b!.f, { voltage: 230 });
  t.not(a!.d, b!.d);
});

test('malformed readings are counted by reason and skipped; nothing throws; others still flow', (t) => {
  const rig = makeRig([makeContract()]);
  const good = () => rig.reading('plug-1', 'power', { overload: true });
  const nested: unknown = { ...good(), fields: { overload: { deep: true } } };
  const bad: [unknown, string][] = [
    [null, 'notAnObject'],
    ['power=3', 'notAnObject'],
    [{ ...good(), device: 7 }, 'badDevice'],
    [{ ...good(), stream: '' }, 'badStream'],
    [{ ...good(), time: { mono: -1, boot: 1 } }, 'badTime'],
    [{ ...good(), fields: [1, 2] }, 'badFields'],
    [{ ...good(), fields: { overload: NaN } }, 'notFinite'],
    [{ ...good(), fields: { overload: -Infinity } }, 'notFinite'],
    [{ ...good(), fields: { overload: 1e300 } }, 'hugeNumber'],
    [{ ...good(), fields: { overload: 'x'.repeat(257) } }, 'longString'],
    [nested, 'nesting'],
    [{ ...good(), fields: { overload: () => 1 } }, 'wrongType'],
    [{ ...good(), fields: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, i])) }, 'tooManyFields'],
  ];
  for (const [input] of bad) t.notThrows(() => rig.pipeline.accept(input));
  rig.pipeline.accept(good());
  const snap = rig.counters.snapshot();
  t.is(snap.readingsReceived, bad.length + 1);
  const expected: Record<string, number> = {};
  for (const [, reason] of bad) expected[reason] = (expected[reason] ?? 0) + 1;
  t.deepEqual(snap.malformed, expected);
  t.is(rig.emitted.length, 1, 'the good reading still went through');
  t.is(snap.internalErrors, 0);
});

test('stream time coarsening, and boot + monotonic time when wall time is unknown', (t) => {
  const contract = makeContract({
    streams: [{ stream: 'door', time: { kind: 'coarsenTime', unit: 'minutes', amount: 15 }, fields: { contact: { purpose: 'safety', transform: { kind: 'keep' } } } }],
  });
  const rig = makeRig([contract]);
  rig.host.clock.advance(44 * 60_000 + 1234);
  rig.pipeline.accept(rig.reading('door-1', 'door', { contact: false }));
  t.is(rig.emitted[0]!.record.t, Date.UTC(2026, 0, 1, 0, 30));
  const offline = makeRig([contract], { wallTime: undefined });
  offline.host.clock.advance(16 * 60_000);
  offline.pipeline.accept(offline.reading('door-1', 'door', { contact: true }));
  t.deepEqual(offline.emitted[0]!.record.t, { boot: 1, mono: 15 * 60_000 });
});

test('identifier fields are pseudonymized under the integration key', (t) => {
  const contract = makeContract({
    streams: [{ stream: 'door', fields: { action_user: { purpose: 'safety', transform: { kind: 'pseudonymize' } } } }],
  });
  const rig = makeRig([contract]);
  rig.pipeline.accept(rig.reading('lock-1', 'door', { action_user: 'Alice' }));
  const f = rig.emitted[0]!.record.f;
  t.regex(String(f.action_user), /^[0-9a-f]{32}$/);
  t.is(rig.counters.integration('energy-saver').identifiersPseudonymized, 2, 'the field and the device');
});

const aggregating = () =>
  makeContract({
    streams: [
      {
        stream: 'climate',
        fields: {
          temperature: { purpose: 'energy-advice', transform: { kind: 'aggregate', function: 'mean', windowSeconds: 60 } },
          humidity: { purpose: 'safety', transform: { kind: 'aggregate', function: 'max', windowSeconds: 60 } },
        },
      },
    ],
  });

test('aggregation windows emit when a later reading passes their end, and on tick', (t) => {
  const rig = makeRig([aggregating()]);
  rig.consent.give('energy-saver', 'energy-advice', HOMEOWNER);
  for (const [temperature, humidity] of [[20, 40], [22, 55], [24, 50]]) {
    rig.pipeline.accept(rig.reading('th-1', 'climate', { temperature: temperature!, humidity: humidity! }));
    rig.host.clock.advance(10_000);
  }
  t.is(rig.emitted.length, 0, 'the window is still open');
  rig.host.clock.advance(40_000);
  rig.pipeline.accept(rig.reading('th-1', 'climate', { temperature: 30, humidity: 60 }));
  t.is(rig.emitted.length, 1);
  t.deepEqual(rig.emitted[0]!.record.f, { temperature: 22, humidity: 55 });
  t.is(rig.emitted[0]!.record.t, Date.UTC(2026, 0, 1));
  t.is(rig.emitted[0]!.record.w, 60);
  rig.pipeline.tick();
  t.is(rig.emitted.length, 1, 'the second window is not due yet');
  rig.host.clock.advance(60_000);
  rig.pipeline.tick();
  t.is(rig.emitted.length, 2);
  t.deepEqual(rig.emitted[1]!.record.f, { temperature: 30, humidity: 60 });
});

test('withdrawing consent discards what a window gathered for that purpose', (t) => {
  const rig = makeRig([aggregating()]);
  rig.consent.give('energy-saver', 'energy-advice', HOMEOWNER);
  rig.pipeline.accept(rig.reading('th-1', 'climate', { temperature: 20, humidity: 40 }));
  rig.consent.withdraw('energy-saver', 'energy-advice', HOMEOWNER);
  rig.host.clock.advance(60_000);
  rig.pipeline.tick();
  t.is(rig.emitted.length, 1);
  t.deepEqual(rig.emitted[0]!.record.f, { humidity: 40 });
  t.deepEqual(rig.emitted[0]!.record.p, ['safety']);
});

test('a failing record sink is counted and does not stop the pipeline', (t) => {
  let calls = 0;
  const rig = makeRig([makeContract()], {
    sink: () => {
      calls++;
      throw new Error('sink failed');
    },
  });
  t.notThrows(() => rig.pipeline.accept(rig.reading('plug-1', 'power', { overload: true })));
  rig.pipeline.accept(rig.reading('plug-2', 'power', { overload: false }));
  t.is(calls, 2);
  t.is(rig.counters.snapshot().internalErrors, 2);
});

test('the counters snapshot is plain JSON', (t) => {
  const rig = makeRig([makeContract()]);
  rig.pipeline.accept(rig.reading('plug-1', 'power', { overload: true }));
  rig.pipeline.accept(null);
  const snap = rig.counters.snapshot();
  t.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
  t.is(snap.readingsReceived, 2);
  t.is(snap.malformed.notAnObject, 1);
});
