/**
 * The "Reading the results" section of docs/BENCHMARKS.md, written from the
 * figures of the same run, so the prose can never claim what the table does
 * not show: every number below is a row's value, and every target is judged
 * from its row (a missed target is listed as missed). A figure that is
 * absent (its area was skipped) leaves its sentence out.
 */
import type { BenchRow } from './types.js';

/** Whether a row meets its target (`>= x` / `<= x`); undefined when it has none that can be judged. */
export function targetMet(row: BenchRow): boolean | undefined {
  const m = /^(>=|<=)\s*(-?[\d.]+)/.exec(row.target ?? '');
  if (!m) return undefined;
  const bound = Number(m[2]);
  return m[1] === '>=' ? row.value >= bound : row.value <= bound;
}

/** Thousands grouped with a space, as the docs write them (no locale: the same text on every machine). */
const fmt = (n: number) => (Math.abs(n) >= 1000 ? String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ' ') : String(Math.round(n * 100) / 100));
const k = (n: number) => `${Math.round(n / 1000)}k`;
const pct = (part: number, whole: number) => `${Math.round((part / whole) * 100)} %`;

export function readingProse(rows: BenchRow[]): string {
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const v = (key: string) => byKey.get(key)?.value;
  const has = (...keys: string[]) => keys.every((key) => v(key) !== undefined);
  const verdict = (key: string) => {
    const row = byKey.get(key);
    const met = row && targetMet(row);
    return met === undefined ? '' : met ? ` (target ${row!.target}: met)` : ` (target ${row!.target}: **missed**)`;
  };
  const out: string[] = [];

  if (has('stages.xs.meterPerRecordFull', 'stages.xs.meterPerRecordFullFlash', 'stages.xs.meterPerRecordFullExclCrypto', 'stages.xs.meterPerRecordFullFlashExclCrypto')) {
    const ram = v('stages.xs.meterPerRecordFull')!;
    const flash = v('stages.xs.meterPerRecordFullFlash')!;
    out.push(
      `- **Per record on XS**, message in to record acknowledged through the composed hub: ${fmt(ram)} meter units on the ` +
        `RAM path (\`ram-first\`, the default: the vendor acknowledged in time, the record was never sealed) against ` +
        `${fmt(flash)} with \`durability: "flash"\` (sealed, programmed, read back and opened): ${pct(ram, flash)} of it. ` +
        `The JavaScript alone (primitives trivial): ${fmt(v('stages.xs.meterPerRecordFullExclCrypto')!)} against ` +
        `${fmt(v('stages.xs.meterPerRecordFullFlashExclCrypto')!)}.`,
    );
  }
  if (has('stages.xs.meterPerRecord.seal', 'stages.xs.meterPerRecord.readBack', 'stages.xs.meterPerRecord.pseudonymize', 'stages.xs.meterPerRecordStageSum')) {
    out.push(
      `- **Per stage on XS** the primitives dominate (@noble in pure JS): GCM seal ≈ ${k(v('stages.xs.meterPerRecord.seal')!)}, ` +
        `read-back with the GCM open ≈ ${k(v('stages.xs.meterPerRecord.readBack')!)} (consent is checked on the purpose mask, no decode), ` +
        `HMAC pseudonym ≈ ${k(v('stages.xs.meterPerRecord.pseudonymize')!)}; the RAM path skips the first two. ` +
        `The stage sum (${fmt(v('stages.xs.meterPerRecordStageSum')!)}) is the flash path's` +
        (has('stages.xs.meterPerRecordFullFlash') ? `, within ${pct(Math.abs(v('stages.xs.meterPerRecordStageSum')! - v('stages.xs.meterPerRecordFullFlash')!), v('stages.xs.meterPerRecordFullFlash')!)} of the composed figure.` : '.'),
    );
  }
  if (has('log.projectedLifeYears', 'log.projectedLifeYearsFlash')) {
    out.push(
      `- **Flash life**: ${fmt(v('log.projectedLifeYears')!)} years for a 1 MB partition with RAM windows${verdict('log.projectedLifeYears')}, ` +
        `under the row's assumptions (25 records/s of 128 B, vendor away 5 % of the time); ` +
        (has('log.projectedLifeYears.allOffline') ? `${fmt(v('log.projectedLifeYears.allOffline')!)} years in the worst case (the vendor never acknowledges, every record spilled); ` : '') +
        `${fmt(v('log.projectedLifeYearsFlash')!)} years when every record ` +
        `is written (\`durability: "flash"\`). Write amplification of the log itself: ${fmt(v('log.writeAmplification') ?? NaN)}${verdict('log.writeAmplification')}.` +
        (has('log.flashBytesPerDeliveredRecord.online')
          ? ` While the vendor acknowledges in time a delivered record costs ${fmt(v('log.flashBytesPerDeliveredRecord.online')!)} flash bytes${verdict('log.flashBytesPerDeliveredRecord.online')}` +
            (v('log.flashBytesPerDeliveredRecord.online')! > 0 ? ': no record is written, what remains is the seq reservations (one mark per 64 seqs) that keep seqs unique across a power cut.' : '.')
          : ''),
    );
  }
  if (has('xs.heapGrowthBytesPer1M')) out.push(`- **Heap growth**: ${fmt(v('xs.heapGrowthBytesPer1M')!)} bytes per million records after gc (the composed hub).`);
  if (has('e2e.airlockRecordsPerSec', 'e2e.bridgeRecordsPerSec', 'e2e.ratioVsBridge')) {
    const red = has('e2e.ratioVsNodeRed') ? ` and ${fmt(v('e2e.ratioVsNodeRed')!)} of the Node-RED flow${verdict('e2e.ratioVsNodeRed')}` : '';
    out.push(
      `- **End to end**, like for like (QoS 1 in and out, one record per message): Airlock delivers ${fmt(v('e2e.airlockRecordsPerSec')!)} records/s, ` +
        `${fmt(v('e2e.ratioVsBridge')!)} of the plain bridge${verdict('e2e.ratioVsBridge')}${red}. ` +
        (has('e2e.airlockBatchedRecordsPerSec') ? `With its usual batches of 50: ${fmt(v('e2e.airlockBatchedRecordsPerSec')!)} records/s` : '') +
        (has('e2e.airlockBatchedRecordsPerSec', 'e2e.ratioVsNodeRedBatched') ? `, ${fmt(v('e2e.ratioVsNodeRedBatched')!)} of Node-RED batching 50 too${verdict('e2e.ratioVsNodeRedBatched')}. ` : has('e2e.airlockBatchedRecordsPerSec') ? '. ' : '') +
        'Throughput figures move by tens of per cent between runs on a shared machine; the ratios, from one run, move less.',
    );
  }
  const sustained = rows.filter((r) => r.key.startsWith('e2e.sustained.'));
  if (sustained.length > 0) {
    out.push(`- **Sustained** (1 000 messages/s for 30 s): ${sustained.map((r) => `${r.key.slice('e2e.sustained.'.length).replace('RecordsPerSec', '')} ${fmt(r.value)} records/s`).join(', ')}.`);
  }
  const bursts = rows.filter((r) => r.key.startsWith('e2e.burst.') && r.key.endsWith('Delivered'));
  if (bursts.length > 0) {
    const name = (r: BenchRow) => r.key.slice('e2e.burst.'.length, -'Delivered'.length);
    out.push(
      `- **Restart burst** (1 000 messages/s for 2 s), delivered / dropped (Airlock: counted by its own counters; the others keep none: not delivered): ${bursts.map((r) => `${name(r)} ${fmt(r.value)} / ${fmt(v(`e2e.burst.${name(r)}Dropped`) ?? NaN)}`).join(', ')}.` +
        (has('e2e.burst.lost') ? ` Airlock lost ${fmt(v('e2e.burst.lost')!)} records beyond the drops its own counters declare${verdict('e2e.burst.lost')}.` : ''),
    );
  }
  if (has('forward.node.ratioVsPlainPublish')) {
    out.push(`- **Forwarder** against a plain MQTT.js publisher, one record per QoS 1 message each: ${fmt(v('forward.node.ratioVsPlainPublish')!)}${verdict('forward.node.ratioVsPlainPublish')}` + (has('forward.node.ratioBatchedVsPlainPublish') ? `; with batches: ${fmt(v('forward.node.ratioBatchedVsPlainPublish')!)}.` : '.'));
  }
  if (has('esp32.projectedRecordsPerSecJs')) {
    out.push(`- **ESP32 projection**: ${fmt(v('esp32.projectedRecordsPerSecJs')!)} records/s per core for the JavaScript part${verdict('esp32.projectedRecordsPerSecJs')}; a planning figure to verify on a board.`);
  }
  const missed = rows.filter((r) => targetMet(r) === false);
  out.push(missed.length === 0 ? '- **Targets**: every target in the table is met.' : `- **Targets missed** in this run: ${missed.map((r) => `\`${r.key}\` ${fmt(r.value)} (target ${r.target})`).join('; ')}.`);
  return out.join('\n');
}
