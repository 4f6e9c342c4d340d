/**
 * An ESP32 projection: how many records a second one 240 MHz Xtensa LX6 core
 * could enforce, from what is measured here.
 *
 * 1. Inside XS on this machine, the composed Hub (bench/stages-fixture.ts) runs
 *    records end to end with trivial primitives; the simulated flash
 *    (MemoryFlash: its NOR checks are JavaScript here, a native driver on the
 *    board) and the trivial primitives are metered apart, so the "JS part" is
 *    what the interpreter runs on the board. ns per meter unit on this machine
 *    come from timing the synchronous enforcement stages of the same records
 *    (minimize, encode, append: bench/stages-fixture.ts). Not the full run's
 *    wall time: xsnap's Linux build reads /proc/self/maps (a C-stack limit
 *    probe, pthread_getattr_np) on every RegExp execution, ~46 µs each here,
 *    which the source decoders call several times a message; the board has no
 *    such cost. The full run's ns/unit is printed in the note for comparison.
 * 2. Time on the board = meter units × ns/unit here × CPU_FACTOR.
 *
 * CPU_FACTOR (how much slower one LX6 core at 240 MHz runs the same code than
 * one core of a desktop x86): no published XS-on-ESP32 vs XS-on-PC figure was
 * found. The nearest published like-for-like figure is the TinyModem project's
 * performance table (github.com/pschatzmann/TinyModem/wiki/Performance): the
 * same C code on an ESP32-S3 at 240 MHz and on a PC, 16 workloads, the PC
 * 49×–180× faster, median about 100×. The ESP32's LX6 is slower than the S3's
 * LX7 (Switch Science's Core2 vs CoreS3 comparison: the S3 30–40 % faster from
 * PSRAM, less from SRAM), so 100 × 1.2 ≈ 120. An interpreter is branchier
 * and, on the board, runs preloaded bytecode through the flash cache, which
 * can widen the gap; a faster or slower PC narrows or widens it. Hence the
 * stated uncertainty of ±3× (40×–360×). Cross-check: docs/web.md's "a few
 * million meter units per second" on the board.
 *
 * The primitives run natively on the board (hardware SHA and AES through the
 * Moddable `crypt` module): their time is stated apart, as an estimate.
 */
import { median, type BenchRow } from './types.js';
import { meterInXs } from './xs.js';

export const CPU_FACTOR = 120;
export const CPU_FACTOR_SPREAD = 3;
const RECORDS = 6000;

/**
 * Per-record native crypto on the board, estimated: one HMAC-SHA256 of a short id
 * (two digests, 4 compression blocks), one AES-256-GCM seal and one open of a
 * ~70-byte record (5 AES blocks + GHASH each), one SHA-256 (the log's integration
 * tag on acknowledgement, per batch: negligible). A hardware SHA-256 digest of 1–2
 * blocks, call included, measured at 5–6 µs on an ESP32 (pitslaboratory.blogspot.com,
 * "ESP32 SHA hardware accelerator from the Arduino IDE", 2022); AES blocks are of
 * the same order. Moddable's gcm.js and hmac.js are JavaScript around the native
 * blocks, which adds interpreter time not metered here.
 */
const CRYPTO_US_PER_RECORD = { hmac: 15, seal: 30, open: 30 };

const XS_ENTRY = `
import { nobleCrypto } from './hosts/xs/crypto.ts';
import { record, done } from './bench/xs-harness.ts';
import { hubRig, stageRig, trivialCrypto } from './bench/stages-fixture.ts';
declare const resetMeter: (limit: number, index: number) => number;
// Attribute meter units to "host" (simulated flash, trivial primitives) or "js" (everything else).
let js = 0;
let host = 0;
let depth = 0;
function hostCall(target: any, name: string) {
  const inner = target[name].bind(target);
  return (...args: unknown[]) => {
    if (depth++ === 0) js += resetMeter(0, 0);
    try {
      return inner(...args);
    } finally {
      if (--depth === 0) host += resetMeter(0, 0);
    }
  };
}
function metered<T extends object>(target: T, names: string[]): T {
  const out: any = Object.create(target);
  for (const name of names) out[name] = hostCall(target, name);
  for (const name of ['byteLength', 'blockSize']) if (name in target) Object.defineProperty(out, name, { value: (target as any)[name] });
  return out;
}
const crypto = metered(trivialCrypto(nobleCrypto), ['sha256', 'hmacSha256', 'hkdfSha256', 'aesGcmSeal', 'aesGcmOpen']);
const rig = hubRig(crypto, { wrapFlash: (f) => metered(f, ['read', 'write', 'erase']) });
(async () => {
  await rig.run(1000);
  resetMeter(0, 0);
  js = 0;
  host = 0;
  const start = Date.now();
  await rig.run(${RECORDS});
  const ms = Date.now() - start;
  js += resetMeter(0, 0);
  record('jsPerRecord', Math.round(js / ${RECORDS}));
  record('hostPerRecord', Math.round(host / ${RECORDS}));
  record('ms', ms);
  // ns per meter unit here: synchronous, regex-light stages of the same records (see the header).
  const stages = stageRig(trivialCrypto(nobleCrypto)).run;
  const round = () => { stages.minimizeWithGlue(); stages.encode(); stages.append(); };
  for (let i = 0; i < 200; i++) round();
  for (let r = 0; r < 3; r++) {
    resetMeter(0, 0);
    const t0 = Date.now();
    for (let i = 0; i < 3000; i++) round();
    const took = Date.now() - t0;
    record('syncNsPerUnit' + r, (took * 1e6) / resetMeter(0, 0));
  }
  done();
})();
`;

export async function benchEsp32(): Promise<BenchRow[]> {
  const xs = await meterInXs(XS_ENTRY, 'esp32');
  const nsPerUnit = median([xs.syncNsPerUnit0!, xs.syncNsPerUnit1!, xs.syncNsPerUnit2!]);
  const asyncNsPerUnit = (xs.ms! * 1e6) / ((xs.jsPerRecord! + xs.hostPerRecord!) * RECORDS);
  const jsUs = (xs.jsPerRecord! * nsPerUnit * CPU_FACTOR) / 1000;
  const perSec = (us: number) => Math.round(1e6 / us);
  const cryptoUs = CRYPTO_US_PER_RECORD.hmac + CRYPTO_US_PER_RECORD.seal + CRYPTO_US_PER_RECORD.open;
  const range = (us: number) => `${perSec(us * CPU_FACTOR_SPREAD)}–${perSec(us / CPU_FACTOR_SPREAD)}/s at ${CPU_FACTOR / CPU_FACTOR_SPREAD}×–${CPU_FACTOR * CPU_FACTOR_SPREAD}×`;
  return [
    { key: 'esp32.xs.meterPerRecordJs', value: xs.jsPerRecord!, unit: 'XS meter', note: `composed Hub per record, simulated flash and primitives metered apart (those: ${xs.hostPerRecord} units)` },
    { key: 'esp32.hereNsPerMeterUnit', value: Number(nsPerUnit.toFixed(2)), unit: 'ns', note: `xsnap here, median of 3 timed runs of minimize+encode+append (the full run: ${asyncNsPerUnit.toFixed(1)} ns/unit, inflated by xsnap's RegExp stack probe)` },
    { key: 'esp32.cpuFactor', value: CPU_FACTOR, unit: '×', note: `LX6 240 MHz vs this x86 core, ±${CPU_FACTOR_SPREAD}× (bench/esp32.ts has the sources)` },
    { key: 'esp32.projectedUsPerRecordJs', value: Math.round(jsUs), unit: 'µs', note: 'meter × ns/unit here × CPU factor' },
    { key: 'esp32.projectedRecordsPerSecJs', value: perSec(jsUs), unit: 'records/s', target: '>= 500', note: `one core, JS part; ${range(jsUs)}` },
    { key: 'esp32.projectedCryptoUsPerRecord', value: cryptoUs, unit: 'µs', note: 'native HMAC + GCM seal + GCM open, estimated (hardware SHA/AES); Moddable gcm.js/hmac.js glue not included' },
    { key: 'esp32.projectedRecordsPerSecWithCrypto', value: perSec(jsUs + cryptoUs), unit: 'records/s', note: `JS part + estimated native crypto; ${range(jsUs + cryptoUs)}` },
  ];
}
