/**
 * Per-reading cost of the enforcement pipeline (issue 3): a 6-field reading
 * fanned out to 3 integrations through minimize + pseudonymize (input checks,
 * allow-list, consent, transforms, time coarsening, one HMAC per integration
 * for the device pseudonym, record assembly). CBOR encoding (cbor-x) is
 * reported per record apart; sealing and the flash log are their own areas.
 */
import { nodeCrypto } from '../hosts/node/crypto.js';
import { BENCH_READING, benchPipeline } from './pipeline-fixture.js';
import { median, type BenchRow } from './types.js';
import { meterInXs } from './xs.js';

const XS_ENTRY = `
import { nobleCrypto } from './hosts/xs/crypto.ts';
import { measure, record, done } from './bench/xs-harness.ts';
import { BENCH_READING, benchPipeline, withTrivialHmac } from './bench/pipeline-fixture.ts';
const real = benchPipeline(nobleCrypto, { encode: false });
const trivial = benchPipeline(withTrivialHmac(nobleCrypto), { encode: false });
const encoding = benchPipeline(withTrivialHmac(nobleCrypto), { encode: true });
measure('perReading', () => real.pipeline.accept(BENCH_READING));
const exclCrypto = measure('perReadingExclCrypto', () => trivial.pipeline.accept(BENCH_READING));
const withEncode = measure('withEncode', () => encoding.pipeline.accept(BENCH_READING));
record('encodePerRecord', Math.round((withEncode - exclCrypto) / 3));
for (const run of [real, trivial, encoding]) if (run.produced() !== 3 * 101) throw new Error('bench pipeline: expected 3 records per reading');
done();
`;

function nodeReadingsPerSec(): number {
  const { pipeline, produced } = benchPipeline(nodeCrypto, { encode: true });
  const batch = 5000;
  for (let i = 0; i < batch / 5; i++) pipeline.accept(BENCH_READING);
  const samples: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) pipeline.accept(BENCH_READING);
    samples.push(batch / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  if (produced() !== 3 * (batch / 5 + 5 * batch)) throw new Error('bench pipeline: expected 3 records per reading on Node');
  return Math.round(median(samples));
}

export async function benchPipelineArea(): Promise<BenchRow[]> {
  const xs = await meterInXs(XS_ENTRY, 'pipeline');
  const included = '6 fields to 3 integrations: check, minimize, consent, pseudonymize';
  return [
    { key: 'pipeline.xs.meterPerReading', value: xs.perReading!, unit: 'XS meter', note: `${included}; @noble HMAC; no CBOR` },
    { key: 'pipeline.xs.meterPerReadingExclCrypto', value: xs.perReadingExclCrypto!, unit: 'XS meter', target: '<= 25000', note: `${included}; HMAC replaced by a constant; no CBOR` },
    { key: 'pipeline.xs.meterPerRecordEncode', value: xs.encodePerRecord!, unit: 'XS meter', note: 'cbor-x encode of one minimized record' },
    { key: 'pipeline.node.readingsPerSec', value: nodeReadingsPerSec(), unit: 'readings/s', note: `${included}, CBOR encode; node:crypto` },
  ];
}
