import test from 'ava';
import fc from 'fast-check';
import type { Contract, Transform } from '../../modules/contract/types.js';
import { parseContract } from '../../modules/contract/validate.js';
import { Keyring } from '../../modules/keyring.js';
import { Pseudonymizer } from '../../modules/pipeline/pseudonym.js';
import { makeContract } from '../support/contracts.js';
import { makeRig } from '../support/pipeline-rig.js';
import { makeTestHost } from '../support/test-host.js';

const FIELD_POOL = ['temperature', 'humidity', 'power', 'voltage', 'mac', 'ssid', 'location', 'battery', 'action_user', 'linkquality'];
const PURPOSES = ['energy-advice', 'safety'];
const STREAMS = ['climate', 'power'];

const transform: fc.Arbitrary<Transform> = fc.oneof(
  fc.constant<Transform>({ kind: 'keep' }),
  fc.constant<Transform>({ kind: 'round', step: 0.5 }),
  fc.constant<Transform>({ kind: 'bucket', edges: [0, 10, 100] }),
  fc.constant<Transform>({ kind: 'clamp', min: 0, max: 50 }),
  fc.constant<Transform>({ kind: 'pseudonymize' }),
  fc.constant<Transform>({ kind: 'aggregate', function: 'max', windowSeconds: 30 }),
);

const allowList = fc.dictionary(fc.constantFrom(...FIELD_POOL), fc.record({ purpose: fc.constantFrom(...PURPOSES), transform }), { minKeys: 1, maxKeys: 5 });

const contractFor = (integration: string) =>
  fc.record({ climate: allowList, power: allowList }).map(({ climate, power }) =>
    makeContract({ integration, streams: [{ stream: 'climate', fields: climate }, { stream: 'power', fields: power }] }),
  );

const value = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.string({ maxLength: 12 }), fc.boolean(), fc.constant(null));
const reading = fc.record({
  device: fc.constantFrom('dev-1', 'dev-2', 'dev-3'),
  stream: fc.constantFrom(...STREAMS, 'door'),
  fields: fc.dictionary(fc.constantFrom(...FIELD_POOL, 'secret_extra', 'rssi'), value, { maxKeys: 8 }),
  advanceMs: fc.integer({ min: 0, max: 20_000 }),
});

test('no field outside the contract allow-list (or without consent) ever appears in a record', (t) => {
  let records = 0;
  fc.assert(
    fc.property(
      contractFor('energy-saver'),
      contractFor('leak-insurer'),
      fc.subarray(['energy-saver', 'leak-insurer']),
      fc.array(reading, { maxLength: 12 }),
      (a, b, consentedTo, readings) => {
        for (const c of [a, b]) if (!parseContract(JSON.parse(JSON.stringify(c))).ok) return false;
        const rig = makeRig([a, b]);
        for (const id of consentedTo) rig.consent.give(id, 'energy-advice', 'homeowner:web');
        for (const r of readings) {
          rig.pipeline.accept(rig.reading(r.device, r.stream, r.fields));
          rig.host.clock.advance(r.advanceMs);
          rig.pipeline.tick();
        }
        rig.host.clock.advance(60_000);
        rig.pipeline.tick();
        const contracts = new Map<string, Contract>([[a.integration, a], [b.integration, b]]);
        records += rig.emitted.length;
        for (const { integration, record } of rig.emitted) {
          const allowed = contracts.get(integration)!.streams.find((s) => s.stream === record.s)!.fields;
          for (const key of Object.keys(record)) if (!['i', 's', 'd', 't', 'f', 'p', 'w'].includes(key)) return false;
          for (const [name] of Object.entries(record.f)) {
            const rule = allowed[name];
            if (!rule) return false;
            if (rule.purpose === 'energy-advice' && !consentedTo.includes(integration)) return false;
          }
          if (record.d.startsWith('dev-')) return false;
        }
        return true;
      },
    ),
    { numRuns: 120 },
  );
  t.true(records > 100, `the property must see records, saw ${records}`);
});

test('pseudonyms of one device differ across integrations', (t) => {
  const host = makeTestHost();
  const pseudonyms = new Pseudonymizer({ crypto: host.crypto, keyring: new Keyring(host) });
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), { minLength: 2, maxLength: 4 }),
      (device, integrations) => {
        const seen = new Set(integrations.map((i) => pseudonyms.pseudonym(i, device)));
        return seen.size === integrations.length;
      },
    ),
    { numRuns: 100 },
  );
  t.pass();
});
