// Property-based fuzzing of the vendor command topic (modules/audit/vendor-commands.ts): random
// bytes, random JSON, envelopes with random MACs, and correctly signed bodies of every shape.
// `handle` never throws; every outcome is accepted with a known type or refused with a known
// reason and a message; unsigned input changes nothing but a rate-limited audit entry; a signed
// message is acted on once only. AIRLOCK_FUZZ_RUNS=<n> runs each property n times.
import test from 'ava';
import fc from 'fast-check';
import { IncidentDesk } from '../../modules/audit/incidents.js';
import type { AlertEvent } from '../../modules/audit/signals.js';
import { HOUR_MS } from '../../modules/audit/time.js';
import { VendorCommands, type CommandOutcome } from '../../modules/audit/vendor-commands.js';
import { toHex, utf8 } from '../../modules/bytes.js';
import { jsonValue } from '../support/arbitraries.js';
import { auditFixture } from '../support/audit-fixture.js';
import { energyContract } from '../support/audit-contracts.js';
import { fuzzRuns } from '../support/fuzz.js';
import { platformCrypto as crypto } from '../support/platform.js';

const TYPES = ['incident.report', 'incident.notified', 'incident.resolved', 'data.request'];
const REASONS = ['malformed', 'forged', 'replayed', 'unknown-type', 'no-key', 'out-of-contract', 'invalid-step'];

function rig() {
  const f = auditFixture({ sectors: 16 });
  const alerts: AlertEvent[] = [];
  const contract = energyContract(1);
  const incidents = new IncidentDesk({ audit: f.log, clock: f.host.clock, contract: () => contract, onAlert: (a) => void alerts.push(a) });
  const key = f.keyring.hubKey('cmd:energy-saver');
  const requests: string[] = [];
  const commands = new VendorCommands({
    crypto,
    clock: f.host.clock,
    audit: f.log,
    incidents,
    onAlert: (a) => void alerts.push(a),
    commandKey: (id) => (id === 'energy-saver' ? key : undefined),
    contract: (id) => (id === 'energy-saver' ? contract : undefined),
    onDataRequest: (id, r) => void requests.push(`${id}:${r.stream}`),
  });
  const sign = (bodyText: string) => utf8(JSON.stringify({ body: bodyText, mac: toHex(crypto.hmacSha256(key, utf8(bodyText))) }));
  return { f, incidents, commands, alerts, requests, sign };
}

function wellFormed(outcome: CommandOutcome): string | undefined {
  if (outcome.ok) return TYPES.includes(outcome.type) ? undefined : `accepted an unknown type ${outcome.type}`;
  if (!REASONS.includes(outcome.reason)) return `unknown refusal reason ${outcome.reason}`;
  if (typeof outcome.detail !== 'string' || outcome.detail.length === 0) return `refusal ${outcome.reason} without a message`;
  return undefined;
}

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
const unsigned: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 120 }),
  jsonValue({ maxDepth: 5 }).map((v) => utf8(JSON.stringify(v))),
  fc.record({ body: fc.oneof(fc.string(), jsonValue({ maxDepth: 2 })), mac: fc.oneof(hex64, fc.string({ maxLength: 70 })) }).map((v) => utf8(JSON.stringify(v))),
  fc
    .record({ id: fc.string({ maxLength: 8 }), type: fc.constantFrom(...TYPES), title: fc.string() })
    .chain((body) => hex64.map((mac) => utf8(JSON.stringify({ body: JSON.stringify(body), mac })))),
);

/** Bodies a vendor with the right key could send: known and unknown types, fields of any type. */
const fieldValue = fc.oneof(
  fc.constantFrom(...TYPES, 'incident.delete', 'power', 'watts', 'device', 'secret', 'inc-1', '2026-02-30T25:00:00Z', '2026-03-01T10:00:00Z', 'not a date', -1, 1e300),
  fc.array(fc.constantFrom('watts', 'device', 'time', 'location', 'x'), { maxLength: 4 }),
  jsonValue({ maxDepth: 2 }),
);
const bodyFields = fc
  .record({
    id: fc.oneof({ weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) }, fieldValue),
    type: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...TYPES, 'incident.delete') }, fieldValue),
    extra: fc.array(
      fc.tuple(fc.constantFrom('title', 'description', 'categories', 'discoveredAt', 'ref', 'incident', 'note', 'actionsTaken', 'stream', 'fields', 'x', 'id', 'type'), fieldValue),
      { maxLength: 6 },
    ),
  })
  .map(({ id, type, extra }) => Object.fromEntries([['id', id], ['type', type], ...extra]));
/** Commands that are nearly right, so the fuzzer also reaches the incident desk and the data-request check. */
const messageId = fc.string({ minLength: 1, maxLength: 6 });
const plausible = fc.oneof(
  fc.record(
    { id: messageId, type: fc.constant('incident.report'), title: fc.string({ minLength: 1, maxLength: 30 }), description: fc.string(), categories: fc.array(fieldValue, { maxLength: 3 }), discoveredAt: fieldValue, ref: fieldValue },
    { requiredKeys: ['id', 'type', 'title'] },
  ),
  fc.record({
    id: messageId,
    type: fc.constantFrom('incident.notified', 'incident.resolved'),
    incident: fc.oneof(fc.integer({ min: 0, max: 6 }).map((n) => `energy-saver#${n}`), fc.constant('other#1'), fieldValue),
    note: fieldValue,
    actionsTaken: fieldValue,
  }, { requiredKeys: ['id', 'type', 'incident'] }),
  fc.record({ id: messageId, type: fc.constant('data.request'), stream: fc.constantFrom('power', 'climate', ''), fields: fc.subarray(['watts', 'device', 'time', 'location', 'ssid']) }),
);
const signedBodies: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: plausible.map((b) => JSON.stringify(b)) },
  { weight: 3, arbitrary: bodyFields.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

test('unsigned or forged input never throws, changes nothing, and is audited at most once an hour', (t) => {
  const r = rig();
  let tried = 0;
  const auditBefore = r.f.log.entries().length;
  let hours = 0;
  fc.assert(
    fc.property(unsigned, fc.constantFrom('energy-saver', 'energy-saver', 'unknown-vendor', ''), fc.nat(20 * 60_000), (payload, integration, wait) => {
      tried++;
      r.f.host.clock.advance(wait);
      hours += wait / HOUR_MS;
      const outcome = r.commands.handle(integration, payload);
      const problem = wellFormed(outcome);
      if (problem) throw new Error(problem);
      if (outcome.ok) throw new Error(`unsigned input was accepted as ${outcome.type}`);
      if (integration !== 'energy-saver' && outcome.reason !== 'no-key') throw new Error(`no key for ${integration}, refused as ${outcome.reason}`);
    }),
    { numRuns: fuzzRuns(400) },
  );
  t.is(r.incidents.list().length, 0, 'no incident from unsigned input');
  t.deepEqual(r.requests, [], 'no data request from unsigned input');
  const added = r.f.log.entries().slice(auditBefore);
  t.true(added.every((e) => e.action === 'anomaly.forged-command'), 'only forged-command anomalies are audited');
  t.true(added.length <= Math.ceil(hours) + 1, `${added.length} audit entries over ${hours.toFixed(1)} hours`);
  const counters = r.commands.counters();
  t.is(Object.values(counters).reduce((a, b) => a + b, 0), tried, 'every message is counted once');
  t.is(counters.accepted, 0);
  t.true((counters['refused.forged'] ?? 0) > 0 && (counters['refused.malformed'] ?? 0) > 0, JSON.stringify(counters));
  t.log(`unsigned: ${tried} messages, ${JSON.stringify(counters)}`);
});

test('signed bodies of any shape never throw; what is accepted is a known command and acts once', (t) => {
  const r = rig();
  let tried = 0;
  let replays = 0;
  const statesBefore = new Map<string, string>();
  fc.assert(
    fc.property(signedBodies, (bodyText) => {
      tried++;
      r.f.host.clock.advance(1000);
      const incidentsBefore = r.incidents.list().length;
      for (const i of r.incidents.list()) statesBefore.set(i.id, i.state);
      const payload = r.sign(bodyText);
      const outcome = r.commands.handle('energy-saver', payload);
      const problem = wellFormed(outcome);
      if (problem) throw new Error(`${problem} for ${bodyText}`);
      const created = r.incidents.list().length - incidentsBefore;
      if (created !== (outcome.ok && outcome.type === 'incident.report' ? 1 : 0)) throw new Error(`${created} incidents created by ${bodyText} (${JSON.stringify(outcome)})`);
      if (outcome.ok) {
        replays++;
        const again = r.commands.handle('energy-saver', payload);
        if (again.ok || again.reason !== 'replayed') throw new Error(`a replay of ${bodyText} was not refused as replayed: ${JSON.stringify(again)}`);
      }
    }),
    { numRuns: fuzzRuns(400) },
  );
  const counters = r.commands.counters();
  t.true(counters.accepted! > 0, `some signed bodies were accepted: ${JSON.stringify(counters)}`);
  t.true((counters['refused.malformed'] ?? 0) > 0);
  t.is(counters['refused.forged'] ?? 0, 0, 'a correct MAC is never taken for a forgery');
  t.true(r.f.log.verify().ok, 'the audit log still verifies');
  t.log(`signed: ${tried} messages, ${replays} accepted and replayed once each, ${JSON.stringify(counters)}`);
});

// Found by the property above: an instant outside the Date range passed the finiteness check,
// the incident was stored, then its audit entry threw ("Invalid time value"), so the vendor was
// told "refused" while an unaudited incident stayed open.
test('regression: a discoveredAt outside the Date range is refused as malformed and leaves no incident', (t) => {
  const r = rig();
  const auditBefore = r.f.log.entries().length;
  for (const discoveredAt of [-6.617318642140582e43, 1e300, 8.64e15 + 1]) {
    const outcome = r.commands.handle('energy-saver', r.sign(JSON.stringify({ id: `m${discoveredAt}`, type: 'incident.report', title: 'Leak', discoveredAt })));
    t.like(outcome, { ok: false, reason: 'malformed' });
  }
  t.is(r.incidents.list().length, 0);
  t.is(r.f.log.entries().length, auditBefore);
  t.throws(() => r.incidents.report({ integration: 'energy-saver', reportedBy: 'owner', title: 'x', discoveredAt: 1e300 }), { message: /discoveredAt/ });
  t.is(r.incidents.list().length, 0, 'the desk checks before it changes anything');
  const edge = r.commands.handle('energy-saver', r.sign(JSON.stringify({ id: 'edge', type: 'incident.report', title: 'Leak', discoveredAt: 8.64e15 })));
  t.like(edge, { ok: true, type: 'incident.report' });
});
