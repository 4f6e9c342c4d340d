/**
 * Store-and-forward throughput: a backlog of 10 000 records drained through
 * the forwarder and the MQTT transport to Mosquitto on loopback (aedes in
 * this process when Mosquitto is missing; the note says which), compared in
 * the same run with a plain MQTT.js QoS 1 publish loop of the same payloads
 * to the same broker (one publish per record, each awaited: what delivering
 * in order with an acknowledgement per record costs without the forwarder).
 * Plus the XS meter cost per record of the core forwarding logic.
 */
import { randomBytes } from 'node:crypto';
import { encode } from 'cbor-x';
import mqtt from 'mqtt';
import { Forwarder } from '../modules/forward/forwarder.js';
import { StampTime } from '../modules/forward/stamp-time.js';
import { MqttTransport } from '../hosts/node/mqtt-transport.js';
import { nodeTimers } from '../hosts/node/host.js';
import { startAedes, startMosquitto, type TestBroker } from '../test/support/brokers.js';
import { liveClock } from '../test/support/live-rig.js';
import { MemoryQueue } from '../test/support/memory-queue.js';
import { meterInXs } from './xs.js';
import type { BenchRow } from './types.js';

const RECORDS = 10_000;
const BATCH = 100;

function payloads(): Uint8Array[] {
  return Array.from({ length: RECORDS }, (_, i) => encode({ d: 'b3f1c2a9e0d4', s: 'power', w: 100 + (i % 900), e: 12_345.6 + i, t: 1_767_225_600 + i }));
}

async function plainPublishRate(url: string, records: Uint8Array[]): Promise<number> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  try {
    const start = performance.now();
    for (const payload of records) await client.publishAsync('bench/plain', Buffer.from(payload), { qos: 1 });
    return records.length / ((performance.now() - start) / 1000);
  } finally {
    await client.endAsync(true);
  }
}

async function forwarderDrainRate(url: string, records: Uint8Array[], batchSize: number): Promise<number> {
  const clock = liveClock();
  const stampTime = new StampTime(clock);
  const queue = new MemoryQueue();
  for (const payload of records) queue.append('bench', payload, stampTime.now());
  const transport = new MqttTransport({ endpoint: `${url}/bench/forward`, reconnectPeriodMs: 200 });
  const forwarder = new Forwarder({
    hub: 'bench-hub',
    terms: { integration: 'bench', endpoint: transport.endpoint, format: 'cbor', batchSize, maxRecordsPerSecond: 1e9, promised: {} },
    queue,
    transport,
    clock,
    timers: nodeTimers,
    random: { bytes: (n) => new Uint8Array(randomBytes(n)) },
    stampTime,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the bench broker did not accept a connection')), 5000);
      if (transport.state() === 'connected') return resolve();
      transport.onStateChange((s) => s === 'connected' && (clearTimeout(timer), resolve()));
    });
    const start = performance.now();
    forwarder.start();
    await forwarder.whenIdle();
    const seconds = (performance.now() - start) / 1000;
    if (forwarder.counters.forwarded !== records.length) throw new Error(`forwarded ${forwarder.counters.forwarded} of ${records.length}`);
    return records.length / seconds;
  } finally {
    await forwarder.stop();
    await transport.close();
  }
}

const XS_ENTRY = `
import { encode } from 'cbor-x';
import { Forwarder } from './modules/forward/forwarder.ts';
import { ManualClock, ManualTimers } from './hosts/sim/manual-time.ts';
import { SeededRandom } from './hosts/sim/seeded-random.ts';
import { record, done } from './bench/xs-harness.ts';
declare const resetMeter: (limit: number, index: number) => number;
const N = 2000;
const clock = new ManualClock();
const timers = new ManualTimers(clock);
const records = [];
for (let i = 0; i < N; i++) records.push({ integration: 'bench', seq: i + 1, payload: encode({ d: 'b3f1c2a9e0d4', s: 'power', w: 100 + (i % 900), e: 12345.6 + i, t: 1767225600 + i }), stamp: { boot: 1, mono: i, wall: 1767225600000 + i } });
let head = 0;
const queue = {
  pending(_i, max, after) { const out = []; for (let k = head; k < records.length && out.length < max; k++) if (after === undefined || records[k].seq > after) out.push(records[k]); return out; },
  acknowledge(_i, seq) { while (head < records.length && records[head].seq <= seq) head++; },
  stats() { return { records: records.length - head, bytes: 0 }; },
};
let bytes = 0;
const transport = {
  endpoint: 'mqtts://vendor.example:8883/bench', scope: 'internet',
  send(m) { bytes += m.body.length; return Promise.resolve(); },
  state() { return 'connected'; }, onStateChange() { return () => {}; }, close() { return Promise.resolve(); },
};
const forwarder = new Forwarder({ hub: 'bench-hub', terms: { integration: 'bench', endpoint: transport.endpoint, format: 'cbor', batchSize: ${BATCH}, maxRecordsPerSecond: 1e9, promised: { maxLagMs: 60000 } }, queue, transport, clock, timers, random: new SeededRandom(1) });
resetMeter(0, 0);
forwarder.start();
(async () => {
  for (let i = 0; i < 20000 && forwarder.counters.forwarded < N; i++) {
    await Promise.resolve();
    if (i % 8 === 7) timers.advance(1); // pacing: manual time moves 1 ms
  }
  const meter = resetMeter(0, 0);
  record('meterPerRecord', Math.round(meter / forwarder.counters.forwarded));
  record('forwarded', forwarder.counters.forwarded);
  record('bodyBytesPerRecord', Math.round(bytes / forwarder.counters.forwarded));
  await forwarder.stop();
  done();
})();
`;

export async function benchForward(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const xs = await meterInXs(XS_ENTRY, 'forward');
  if (xs.forwarded !== 2000) throw new Error(`XS forwarder delivered ${xs.forwarded} of 2000 records`);
  rows.push({ key: 'forward.xs.meterPerRecord', value: xs.meterPerRecord!, unit: 'XS meter', note: `core forwarding per record (batch ${BATCH}: read queue, CBOR envelope, ack bookkeeping); ${xs.bodyBytesPerRecord} B/record on the wire` });

  let broker: TestBroker | undefined = await startMosquitto();
  const brokerNote = broker ? 'Mosquitto on loopback' : 'aedes in-process (mosquitto not installed)';
  broker ??= await startAedes();
  try {
    const records = payloads();
    // Warm both paths once (connections, JIT), then measure alternately and keep medians.
    await plainPublishRate(broker.url, records.slice(0, 500));
    const plain: number[] = [];
    const drained: number[] = [];
    const single: number[] = [];
    // Like for like: the plain publisher sends one record per message, so does the batch-1 drain.
    const likeForLike = records.slice(0, 2000);
    for (let round = 0; round < 3; round++) {
      plain.push(await plainPublishRate(broker.url, likeForLike));
      single.push(await forwarderDrainRate(broker.url, likeForLike, 1));
      drained.push(await forwarderDrainRate(broker.url, records, BATCH));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const drainRate = median(drained);
    const plainRate = median(plain);
    const unbatched = median(single);
    rows.push(
      { key: 'forward.node.drainRecordsPerSec', value: Math.round(drainRate), unit: 'records/s', note: `backlog of ${RECORDS} through forwarder + MqttTransport, batch ${BATCH}, ${brokerNote}` },
      { key: 'forward.node.plainPublishRecordsPerSec', value: Math.round(plainRate), unit: 'records/s', note: `MQTT.js QoS 1, one awaited publish per record, ${likeForLike.length} records, ${brokerNote}` },
      { key: 'forward.node.drainRecordsPerSecBatch1', value: Math.round(unbatched), unit: 'records/s', note: `${likeForLike.length} records, batch 1 (one record per message, as the plain publisher), ${brokerNote}` },
      { key: 'forward.node.ratioVsPlainPublish', value: Number((unbatched / plainRate).toFixed(2)), unit: 'ratio', target: '>= 0.5', note: 'like for like: batch-1 drain / plain publish, one record per QoS 1 message each, medians of 3, same run, same broker' },
      { key: 'forward.node.ratioBatchedVsPlainPublish', value: Number((drainRate / plainRate).toFixed(2)), unit: 'ratio', note: `batch ${BATCH} drain / plain publish: what batching buys` },
    );
  } finally {
    await broker.close();
  }
  return rows;
}
