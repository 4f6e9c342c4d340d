/**
 * The bench's workload, shared by the XS and Node runs: a 6-field power
 * reading fanned out to 3 integrations, each allowing some fields with
 * generalizing transforms, all with consent, device pseudonymized per
 * integration. CBOR encoding is measured apart (`encode: false` leaves it
 * out), so the per-reading figures are minimize + pseudonymize, as the issue
 * defines them.
 */
import type { Contract } from '../modules/contract/types.js';
import type { Crypto } from '../modules/host.js';
import { Keyring } from '../modules/keyring.js';
import type { Reading } from '../modules/reading.js';
import { ConsentBook } from '../modules/pipeline/consent.js';
import { Counters } from '../modules/pipeline/counters.js';
import { createPipeline, type Pipeline } from '../modules/pipeline/pipeline.js';
import { ManualClock } from '../hosts/sim/manual-time.js';
import { MemoryStore } from '../hosts/sim/memory-store.js';
import { SeededRandom } from '../hosts/sim/seeded-random.js';
import { makeContract } from '../test/support/contracts.js';

export const BENCH_READING: Reading = {
  device: 'z2m:0x00158d0001a2b3c4',
  stream: 'power',
  time: { wall: Date.UTC(2026, 0, 1, 12), boot: 1, mono: 3_600_000 },
  fields: { power: 1234.5, voltage: 231.2, current: 5.34, energy: 1523.77, overload: false, linkquality: 87 },
};

function contracts(): Contract[] {
  const energy = makeContract({
    integration: 'energy-saver',
    streams: [
      {
        stream: 'power',
        time: { kind: 'coarsenTime', unit: 'minutes', amount: 15 },
        fields: {
          power: { purpose: 'energy-advice', transform: { kind: 'round', step: 10 } },
          energy: { purpose: 'energy-advice', transform: { kind: 'round', step: 0.1 } },
          voltage: { purpose: 'energy-advice', transform: { kind: 'bucket', edges: [210, 225, 235, 245] } },
        },
      },
    ],
  });
  const insurer = makeContract({
    integration: 'leak-insurer',
    streams: [{ stream: 'power', fields: { overload: { purpose: 'safety', transform: { kind: 'keep' } }, current: { purpose: 'safety', transform: { kind: 'clamp', min: 0, max: 16 } } } }],
  });
  const grid = makeContract({
    integration: 'grid-operator',
    streams: [{ stream: 'power', fields: { power: { purpose: 'energy-advice', transform: { kind: 'bucket', edges: [100, 500, 2000] } }, linkquality: { purpose: 'safety', transform: { kind: 'keep' } } } }],
  });
  return [energy, insurer, grid];
}

export function benchPipeline(crypto: Crypto, options: { encode: boolean }): { pipeline: Pipeline; produced: () => number } {
  const clock = new ManualClock();
  const store = new MemoryStore();
  const keyring = new Keyring({ store, crypto, random: new SeededRandom(7) });
  const consent = new ConsentBook({ store, crypto, clock });
  const list = contracts();
  for (const c of list) consent.give(c.integration, 'energy-advice', 'bench');
  let produced = 0;
  const counters = new Counters();
  const empty = new Uint8Array(0);
  const pipeline = createPipeline({
    crypto,
    keyring,
    clock,
    contracts: list,
    consent,
    counters,
    onRecord: () => void produced++,
    ...(options.encode ? {} : { encoder: { encode: () => empty } }),
  });
  return { pipeline, produced: () => produced };
}

/** The same primitives with HMAC replaced by a constant: what is left is the pipeline's own cost. */
export function withTrivialHmac(crypto: Crypto): Crypto {
  const mac = new Uint8Array(32).fill(0x5a);
  return { ...crypto, hmacSha256: () => mac };
}
