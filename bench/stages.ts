/**
 * Per-stage cost of one record (bench/stages-fixture.ts defines the stages and
 * the workload): XS meter units and Node nanoseconds per record, and the full
 * pipeline through the composed Hub (source message in, record acknowledged by
 * an in-memory vendor) on XS with the real primitives (@noble inside XS) and
 * with every primitive replaced by a trivial function (the JavaScript part,
 * which is what the ESP32 runs in its interpreter; its primitives are native).
 * Flash figures (bytes per record, write amplification, wear) are the log
 * area's `log.*`.
 */
import { nodeCrypto } from '../hosts/node/crypto.js';
import { hubRig, stageRig, STAGES, DELIVERY_BATCH, type Stage } from './stages-fixture.js';
import { median, nodeNanosPerCall, type BenchRow } from './types.js';
import { meterInXs } from './xs.js';

export const FULL_RECORDS = 2000;

const XS_ENTRY = `
import { nobleCrypto } from './hosts/xs/crypto.ts';
import { measure, record, done } from './bench/xs-harness.ts';
import { stageRig, hubRig, trivialCrypto } from './bench/stages-fixture.ts';
declare const resetMeter: (limit: number, index: number) => number;
const rig = stageRig(nobleCrypto);
for (const name of ['decode', 'pseudonymize', 'encode', 'seal', 'append']) measure(name, rig.run[name], 200);
record('readBack', Math.round(measure('readBackBatch', rig.run.readBack, 20) / ${DELIVERY_BATCH}));
const withGlue = measure('minimizeWithGlue', rig.run.minimizeWithGlue, 200);
const glue = measure('pseudonymGlue', rig.run.pseudonymGlue, 200);
record('minimize', withGlue - glue);
(async () => {
  await rig.deliver(${DELIVERY_BATCH}); // warm
  resetMeter(0, 0);
  const delivered = await stageRig(nobleCrypto).deliver(${FULL_RECORDS});
  record('deliver', Math.round(resetMeter(0, 0) / delivered));
  for (const [name, crypto, durability] of [
    ['full', nobleCrypto, 'ram-first'],
    ['fullFlash', nobleCrypto, 'flash'],
    ['fullExclCrypto', trivialCrypto(nobleCrypto), 'ram-first'],
    ['fullFlashExclCrypto', trivialCrypto(nobleCrypto), 'flash'],
  ] as const) {
    const hub = hubRig(crypto, { durability });
    await hub.run(${DELIVERY_BATCH * 4}); // warm: first-use key derivations, sector setup
    resetMeter(0, 0);
    await hub.run(${FULL_RECORDS});
    record(name, Math.round(resetMeter(0, 0) / ${FULL_RECORDS}));
  }
  done();
})();
`;

async function nodeFullNanosPerRecord(): Promise<number> {
  const samples: number[] = [];
  const rig = hubRig(nodeCrypto);
  await rig.run(500);
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    await rig.run(FULL_RECORDS);
    samples.push(Number(process.hrtime.bigint() - start) / FULL_RECORDS);
  }
  return Math.round(median(samples));
}

async function nodeDeliverNanosPerRecord(): Promise<number> {
  const samples: number[] = [];
  await stageRig(nodeCrypto).deliver(500);
  for (let round = 0; round < 5; round++) {
    const rig = stageRig(nodeCrypto);
    const start = process.hrtime.bigint();
    const n = await rig.deliver(FULL_RECORDS);
    samples.push(Number(process.hrtime.bigint() - start) / n);
  }
  return Math.round(median(samples));
}

const NOTES: Record<Stage, string> = {
  decode: 'zigbee2mqtt plug JSON (5 fields) -> 1 reading',
  minimize: 'allow-list 3 of 5, consent, round/bucket, time coarsening, record assembly',
  pseudonymize: 'HMAC-SHA256 of the device id + hex (@noble in XS)',
  encode: 'cbor-x of the minimized record',
  seal: 'AES-256-GCM of the encoded record (@noble in XS)',
  append: 'flash log framing + program + ack mark, sealing excluded',
  readBack: `flash read + GCM open + consent on the purpose mask (no decode), 1 ack mark per ${DELIVERY_BATCH}`,
  deliver: `forwarder: batch of ${DELIVERY_BATCH}, CBOR envelope, in-memory ack, bookkeeping`,
};

export async function benchStages(): Promise<BenchRow[]> {
  const xs = await meterInXs(XS_ENTRY, 'stages');
  const rig = stageRig(nodeCrypto);
  const node: Record<string, number> = {};
  for (const name of ['decode', 'pseudonymize', 'encode', 'seal', 'append'] as const) node[name] = nodeNanosPerCall(rig.run[name], 2000);
  node.readBack = Math.round(nodeNanosPerCall(rig.run.readBack, 6, 5) / DELIVERY_BATCH); // 31 batches: within the prepared backlog
  node.minimize = Math.max(0, nodeNanosPerCall(rig.run.minimizeWithGlue, 2000) - nodeNanosPerCall(rig.run.pseudonymGlue, 2000));
  node.deliver = await nodeDeliverNanosPerRecord();
  const rows: BenchRow[] = [];
  for (const stage of STAGES) rows.push({ key: `stages.xs.meterPerRecord.${stage}`, value: xs[stage]!, unit: 'XS meter', note: NOTES[stage] });
  const sum = STAGES.reduce((total, s) => total + xs[s]!, 0);
  rows.push(
    { key: 'stages.xs.meterPerRecordStageSum', value: sum, unit: 'XS meter', note: 'sum of the stages above' },
    { key: 'stages.xs.meterPerRecordFull', value: xs.full!, unit: 'XS meter', note: `composed Hub: MQTT message in -> record acknowledged (timers, monitor, counters included); ${FULL_RECORDS} records; ram-first (the default): acknowledged from RAM, never sealed` },
    { key: 'stages.xs.meterPerRecordFullExclCrypto', value: xs.fullExclCrypto!, unit: 'XS meter', target: '<= 40000', note: 'same, every Crypto primitive replaced by a trivial copy: the JS part of the online (RAM) path' },
    { key: 'stages.xs.meterPerRecordFullFlash', value: xs.fullFlash!, unit: 'XS meter', note: 'same hub, contract durability "flash": every record sealed, programmed, read back and opened (the stage sum above)' },
    { key: 'stages.xs.meterPerRecordFullFlashExclCrypto', value: xs.fullFlashExclCrypto!, unit: 'XS meter', note: 'durability "flash", trivial primitives' },
  );
  for (const stage of STAGES) rows.push({ key: `stages.node.nsPerRecord.${stage}`, value: node[stage]!, unit: 'ns', note: stage === 'minimize' ? 'difference of two medians' : 'node:crypto' });
  rows.push({ key: 'stages.node.nsPerRecordFull', value: await nodeFullNanosPerRecord(), unit: 'ns', note: 'composed Hub on Node, node:crypto, manual timers' });
  return rows;
}
