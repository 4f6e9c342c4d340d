/**
 * Memory on the real runtime (issue #15 item 4): the firmware, built by mcconfig
 * from manifest.json (the firmware suite's lab build, test/firmware/rig.ts) as a
 * debug build, runs on Moddable's Linux simulator against two Mosquitto processes,
 * and XS's own instrumentation (chunk bytes, slot bytes, stack peak, sampled each
 * second by the xsbug runner, tools/firmware/simulator.ts) is read after boot and
 * over a run of device readings that every lab contract takes.
 *
 * For N = 1, 3 and 8 integrations: boot, wait until the hub's subscription is live,
 * sample; then publish READINGS zigbee2mqtt power readings (QoS 1, round robin over
 * DEVICES plugs so the per-device flood gate, 5/s with a burst of 20, never drops
 * one; at most WINDOW readings ahead of the slowest integration's deliveries, so the
 * figures are of a hub keeping up, not of a backlog), wait until the vendor's broker
 * has every record (N per reading), and keep the largest sample of the run.
 *
 * Beside the xsnap slot estimates (bench/memory.ts, bench/heap.ts): those count the
 * composed hub's live slots after gc; these are what XS reports in use on Moddable's
 * runtime: chunks as well as slots; after boot and after the run the live set (a lab entry point collects garbage every second), in between what XS holds, garbage included.
 * The simulator is a 64-bit Linux build: a slot is 32 bytes there, 16 on the ESP32,
 * so the ESP32 projection halves the slot bytes (and the stack, counted in slots).
 *
 * Needs MODDABLE (the SDK 8.2.3, built; .ci/run sets it up), Xvfb and Mosquitto;
 * without MODDABLE the area is skipped (bench/run.ts reports the reason).
 * Ports: 18840 (home broker), 18841 (vendor broker), 18849 (web), not the firmware
 * suite's, so both can run at once.
 * Each run builds the lab with a board profile (hosts/moddable/profiles/<name>: XS creation sizes
 * and limits) whose heap may grow, so the figures say what the hub needs against what the profile
 * gives (`xsBytes`: chunks + slots + stack after boot, in ESP32 bytes; `xsPeakBytes`: the same at
 * the run's peak).
 * Environment: AIRLOCK_BENCH_MODDABLE_RUNS ("esp32:1,esp32:3,esp32:8,esp32s3:32:500": profile, integrations, readings),
 * AIRLOCK_BENCH_MODDABLE_READINGS (10000; runs of many integrations take fewer, RECORDS in all)
 * for shorter runs while working on it.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeEnvelope } from '../modules/forward/envelope.js';
import { buildLab, freshFileRoot, HUB_ID, mosquittoOn, type LabBuild, type LabPorts } from '../test/firmware/rig.js';
import { repoRoot } from '../tools/firmware/build.js';
import { startSimulator, type Instruments, type Simulator } from '../tools/firmware/simulator.js';
import type { BenchRow } from './types.js';

const BENCH_PORTS: Readonly<LabPorts> = Object.freeze({ home: 18840, vendor: 18841, web: 18849 });
/** Board profile and integration count per run: the esp32 profile up to its 8, the esp32s3 profile at its 32. */
/** `profile:integrations[:readings]`; 32 integrations on the simulator's debug build take about 40 records a second here, so fewer readings. */
const RUNS = (process.env.AIRLOCK_BENCH_MODDABLE_RUNS ?? 'esp32:1,esp32:3,esp32:8,esp32s3:32:500').split(',').map((run) => {
  const [profile, n, readings] = run.split(':');
  return { profile: profile!, n: Number(n), ...(readings ? { readings: Number(readings) } : {}) };
});
const READINGS = Number(process.env.AIRLOCK_BENCH_MODDABLE_READINGS ?? 10_000);
/** Records a run delivers at most (readings × integrations): 32 integrations take fewer readings, the same work as 8. */
const RECORDS = 80_000;
const readingsFor = (n: number): number => Math.min(READINGS, Math.max(1000, Math.round(RECORDS / n)));
/** Plugs the readings are spread over: at most RATE_PER_DEVICE readings/s each, under the gate's 5/s. */
const DEVICES = 64;
const RATE_PER_DEVICE = 4;
/** Messages in the burst (published as fast as the home broker takes them), and the door contacts they come from. */
const BURST = Number(process.env.AIRLOCK_BENCH_MODDABLE_BURST ?? 1000);
const BURST_DOORS = 150;
/** Readings published ahead of the slowest integration's deliveries. */
const WINDOW = 100;
/** No new record at the vendor for this long: the run has stalled. */
const STALL_MS = Number(process.env.AIRLOCK_BENCH_MODDABLE_STALL_MS ?? 120_000);
/** sizeof(txSlot): 32 bytes on the 64-bit simulator, 16 on the ESP32. */
const LIN_SLOT_BYTES = 32;
const ESP32_SLOT_BYTES = 16;
const FATAL = /memory full|stack overflow|not enough memory|native stack overflow/i;

interface Creation {
  chunk: { initial: number; incremental: number };
  heap: { initial: number; incremental: number };
  stack: number;
}

/** What a profile gives XS on the board, in bytes: its fixed chunk and slot blocks and its stack. */
function budgetOf(creation: Creation): number {
  return creation.chunk.initial + (creation.heap.initial + creation.stack) * ESP32_SLOT_BYTES;
}

interface RunFigures {
  integrations: number;
  afterBoot: Instruments;
  bootPeak: Instruments;
  runPeak: Instruments;
  /** The smallest chunk and slot bytes in use among the run's samples: about the live set just after a collection. */
  runLow: { chunkBytes: number; slotBytes: number };
  /** Garbage collections in the busiest one-second sample, and over the run. */
  gcPeakPerSecond: number;
  gcTotal: number;
  afterRun: Instruments;
  /** The live set after the warm-up readings, and how many those were. */
  afterWarm: Instruments;
  warmReadings: number;
  /** The outage and burst phase: messages sent, how long sending and draining took, XS's peak, records that never arrived. */
  burst: { messages: number; ms: number; drainMs: number; peak: Instruments; afterDrain: Instruments; undelivered: number };
  wallMs: number;
  /** CPU ms the simulator process (mcsim) used between the first reading and the last record delivered. */
  cpuMs: number | undefined;
  records: number;
  readingsCounted: number;
  exceptions: number;
  fatal: string[];
  problems: string[];
  samples: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lab collects garbage every COLLECT_EVERY_MS: the smallest of a few samples is the live set. */
const COLLECT_EVERY_MS = 1000;
/**
 * After boot the hub still opens each delivery session once to collect commands its broker kept
 * (sessions.ts `visit`), eight at a time with the esp32s3 profile: the live set settles seconds
 * later. Samples until five in a row agree within 2 % (at most 30), and takes the smallest of those.
 */
async function quiet(running: Simulator): Promise<Instruments> {
  const recent: Instruments[] = [];
  for (let i = 0; i < 30; i++) {
    recent.push(await running.nextInstruments(20_000));
    const last = recent.slice(-5);
    if (last.length < 5) continue;
    const total = (sample: Instruments) => sample.chunkBytes + sample.slotBytes;
    const low = Math.min(...last.map(total));
    if (Math.max(...last.map(total)) <= low * 1.02) break;
  }
  const last = recent.slice(-5);
  const low = (key: 'chunkBytes' | 'slotBytes') => Math.min(...last.map((sample) => sample[key]));
  return { ...last[last.length - 1]!, chunkBytes: low('chunkBytes'), slotBytes: low('slotBytes'), stackPeakBytes: Math.max(...recent.map((sample) => sample.stackPeakBytes)) };
}

async function settled(running: Simulator): Promise<Instruments> {
  const samples = [await running.nextInstruments(20_000), await running.nextInstruments(20_000), await running.nextInstruments(20_000)];
  const low = (key: 'chunkBytes' | 'slotBytes') => Math.min(...samples.map((sample) => sample[key]));
  return { ...samples[2]!, chunkBytes: low('chunkBytes'), slotBytes: low('slotBytes'), stackPeakBytes: Math.max(...samples.map((sample) => sample.stackPeakBytes)) };
}

function maxOf(a: Instruments | undefined, b: Instruments): Instruments {
  if (!a) return { ...b, all: { ...b.all } };
  return {
    chunkBytes: Math.max(a.chunkBytes, b.chunkBytes),
    slotBytes: Math.max(a.slotBytes, b.slotBytes),
    stackPeakBytes: Math.max(a.stackPeakBytes, b.stackPeakBytes),
    all: Object.fromEntries(Object.entries(b.all).map(([k, v]) => [k, Math.max(v, a.all[k] ?? v)])),
  };
}

async function connect(url: string, clientId: string, clean = true): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId, clean, reconnectPeriod: 200 });
  client.on('error', () => {});
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return client;
}

async function runOne(moddable: string, lab: LabBuild, profile: string, READINGS: number): Promise<RunFigures> {
  const n = lab.integrations.length;
  const home = mosquittoOn(BENCH_PORTS.home, false);
  const vendor = mosquittoOn(BENCH_PORTS.vendor, true);
  const traceLog = join(repoRoot, 'build', 'firmware-lab', `bench-moddable-${profile}-${n}`, 'simulator.log');
  writeFileSync(traceLog, '');
  freshFileRoot(lab.fileRoot);
  await home.start();
  await vendor.start();
  let sim: Simulator | undefined;
  const clients: MqttClient[] = [];
  const retained = new Map<string, string>();
  const delivered = new Map<string, number>(lab.integrations.map((i) => [i, 0]));
  const lastSeq = new Map<string, number>();
  const problems: string[] = [];
  let lastDeliveryAt = Date.now();
  const problem = (text: string) => {
    if (problems.length < 20) problems.push(text);
  };
  try {
    const homeClient = await connect(home.url, 'bench-home-observer');
    clients.push(homeClient);
    homeClient.on('message', (topic, payload) => retained.set(topic, payload.toString('utf8')));
    await homeClient.subscribeAsync(`airlock/${HUB_ID}/#`, { qos: 1 });
    // A persistent session: the vendor's broker keeps what arrives while this receiver reconnects after the outage.
    const vendorClient = await connect(vendor.url, 'bench-vendor-receiver', false);
    clients.push(vendorClient);
    vendorClient.on('message', (topic, payload) => {
      try {
        const envelope = decodeEnvelope(new Uint8Array(payload), 'application/cbor');
        for (const record of envelope.records as unknown as { seq: number; data: { i: string } }[]) {
          const integration = record.data.i;
          if (!delivered.has(integration)) {
            problem(`a record for ${integration} on ${topic}`);
            continue;
          }
          const before = lastSeq.get(integration);
          if (before !== undefined && record.seq <= before) problem(`${integration}: seq ${record.seq} after ${before} (a repeat or out of order)`);
          lastSeq.set(integration, record.seq);
          delivered.set(integration, delivered.get(integration)! + 1);
        }
        lastDeliveryAt = Date.now();
      } catch (error) {
        problem(`undecodable on ${topic}: ${(error as Error).message}`);
      }
    });
    await vendorClient.subscribeAsync('homes/#', { qos: 1 });

    const readingsCounted = (): number => {
      const text = retained.get(`airlock/${HUB_ID}/state`);
      return text === undefined ? 0 : ((JSON.parse(text) as { readings_received?: number }).readings_received ?? 0);
    };
    /** Messages the hub took in or refused for a device beyond the profile's bound (`devices_refused`). */
    const messagesCounted = (): number => {
      const text = retained.get(`airlock/${HUB_ID}/state`);
      const state = text === undefined ? {} : (JSON.parse(text) as { readings_received?: number; devices_refused?: number });
      return (state.readings_received ?? 0) + (state.devices_refused ?? 0);
    };

    sim = await startSimulator({ moddable, app: lab.app, onTrace: (line) => appendFileSync(traceLog, `${line}\n`) });
    const running = sim;
    let exited = false;
    void running.exited.then(() => (exited = true));
    await running.waitForTrace(/airlock: booted/, 120_000);
    // The subscription is live once a reading reaches the hub (a door contact: no lab contract takes it).
    const subscribing = Date.now();
    while (readingsCounted() === 0) {
      if (exited) throw new Error(`the simulator exited during boot; last traces:\n${running.traces.slice(-30).join('\n')}`);
      if (Date.now() - subscribing > 90_000) throw new Error(`the hub never counted a reading; last traces:\n${running.traces.slice(-20).join('\n')}`);
      await homeClient.publishAsync('zigbee2mqtt/front_door', JSON.stringify({ contact: true }), { qos: 1 });
      const sent = Date.now();
      while (readingsCounted() === 0 && Date.now() - sent < 2000) await sleep(100);
    }
    const probes = readingsCounted();
    const afterBoot = await quiet(running);
    const bootPeak = maxOf(running.peaks(), afterBoot);

    // The run: sample every second while the readings go in.
    let runPeak: Instruments | undefined = afterBoot;
    const runLow = { chunkBytes: afterBoot.chunkBytes, slotBytes: afterBoot.slotBytes };
    let gcTotal = 0;
    let sampling = true;
    let samples = 0;
    /** Set for the outage and burst phase: its samples go here, not into the steady run's peak. */
    let burstPeak: Instruments | undefined;
    let inBurst = false;
    const sampler = (async () => {
      while (sampling && !exited) {
        const sample = await running.nextInstruments(30_000).catch(() => undefined);
        if (sample && inBurst) burstPeak = maxOf(burstPeak, sample);
        else if (sample) {
          runPeak = maxOf(runPeak, sample);
          runLow.chunkBytes = Math.min(runLow.chunkBytes, sample.chunkBytes);
          runLow.slotBytes = Math.min(runLow.slotBytes, sample.slotBytes);
          gcTotal += sample.all['Garbage collections'] ?? 0; // XS counts them per sample
          samples++;
        }
      }
    })();

    const slowest = () => Math.min(...delivered.values());
    /** The slowest integration's state document on the home broker, for a stall's message. */
    const laneState = (): string => {
      const [id] = [...delivered.entries()].sort((a, b) => a[1] - b[1])[0]!;
      return `${id} ${retained.get(`airlock/${HUB_ID}/integration/${id}/state`) ?? '(no state document)'}`;
    };
    const start = Date.now();
    const cpuAtStart = running.cpuMs();
    lastDeliveryAt = start;
    const minGap = 1000 / (DEVICES * RATE_PER_DEVICE);
    let progressAt = start;
    // Past the warm-up (every plug heard from, every lane's buffers made), the live set is measured
    // again: from there to the end of the run it must not grow (the issue's "after 1 M equals after 10 k").
    const warmAt = Math.min(1000, Math.floor(READINGS / 5));
    let afterWarm: Instruments | undefined;
    for (let i = 0; i < READINGS; i++) {
      if (i === warmAt) {
        while (slowest() < i) {
          if (Date.now() - lastDeliveryAt > STALL_MS) throw new Error(`stalled at ${slowest()} of ${i} records per integration in the warm-up; the slowest lane's state: ${laneState()}; last traces:\n${running.traces.slice(-30).join('\n')}`);
          await sleep(20);
        }
        afterWarm = await settled(running);
      }
      while (i - slowest() >= WINDOW) {
        if (exited) throw new Error(`the simulator exited after ${i} readings; last traces:\n${running.traces.slice(-40).join('\n')}`);
        if (Date.now() - lastDeliveryAt > STALL_MS) throw new Error(`no record at the vendor for ${STALL_MS / 1000} s after ${i} readings (delivered ${JSON.stringify(Object.fromEntries(delivered))}); last traces:\n${running.traces.slice(-30).join('\n')}`);
        await sleep(2);
      }
      // Never faster than the flood gate lets DEVICES plugs through.
      const due = start + i * minGap;
      if (Date.now() < due) await sleep(due - Date.now());
      const power = 100 + (i % 2000);
      await homeClient.publishAsync(`zigbee2mqtt/bench_plug_${i % DEVICES}`, JSON.stringify({ power, voltage: 230 }), { qos: 1 });
      if (Date.now() - progressAt > 15_000) {
        progressAt = Date.now();
        console.error(`bench moddable ${n}: ${i} readings published, ${slowest()} delivered to every integration, ${Math.round((Date.now() - start) / 1000)} s`);
      }
    }
    while (slowest() < READINGS) {
      if (exited) throw new Error(`the simulator exited with ${slowest()} of ${READINGS} delivered; last traces:\n${running.traces.slice(-40).join('\n')}`);
      if (Date.now() - lastDeliveryAt > STALL_MS) throw new Error(`stalled at ${slowest()} of ${READINGS} records per integration (${JSON.stringify(Object.fromEntries(delivered))}); the slowest lane's state: ${laneState()}; last traces:\n${running.traces.slice(-30).join('\n')}`);
      await sleep(20);
    }
    const wallMs = Date.now() - start;
    const cpuAtEnd = running.cpuMs();
    const cpuMs = cpuAtStart !== undefined && cpuAtEnd !== undefined ? cpuAtEnd - cpuAtStart : undefined;
    for (const [integration, count] of delivered) if (count !== READINGS) problem(`${integration}: ${count} records for ${READINGS} readings`);
    const steadyRecords = [...delivered.values()].reduce((a, b) => a + b, 0);
    const afterRun = await settled(running);
    runPeak = maxOf(runPeak, afterRun);

    // Outage and burst: the vendor's broker goes away, BURST messages reach the home broker as fast as
    // it takes them (about 1 000 a second here), a quarter of them plug readings every lab contract
    // takes, the rest door contacts none takes; then the vendor comes back and the backlog drains.
    inBurst = true;
    await vendor.stop();
    const burstStart = Date.now();
    await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        i % 4 === 0
          ? homeClient.publishAsync(`zigbee2mqtt/bench_plug_${(i / 4) % DEVICES}`, JSON.stringify({ power: 3000 + i, voltage: 230 }), { qos: 1 })
          : homeClient.publishAsync(`zigbee2mqtt/bench_door_${i % BURST_DOORS}`, JSON.stringify({ contact: i % 2 === 0 }), { qos: 1 }),
      ),
    );
    const burstMs = Date.now() - burstStart;
    const burstRecords = Math.ceil(BURST / 4);
    // Every message taken in (the hub's own count) before the vendor returns: the backlog is on the hub.
    const takingIn = Date.now();
    // Door contacts beyond the profile's device bound are refused and counted: the hub has seen the message either way.
    while (messagesCounted() < probes + READINGS + BURST && Date.now() - takingIn < STALL_MS) {
      if (exited) throw new Error(`the simulator exited during the burst; last traces:\n${running.traces.slice(-40).join('\n')}`);
      await sleep(200);
    }
    await vendor.start();
    lastDeliveryAt = Date.now();
    while (slowest() < READINGS + burstRecords) {
      if (exited) throw new Error(`the simulator exited draining the burst (${slowest()} of ${READINGS + burstRecords}); last traces:\n${running.traces.slice(-40).join('\n')}`);
      if (Date.now() - lastDeliveryAt > STALL_MS) {
        problem(`the drain after the burst stalled at ${slowest()} of ${READINGS + burstRecords} records per integration`);
        break;
      }
      await sleep(50);
    }
    const drainMs = Date.now() - burstStart;
    const afterDrain = await settled(running);
    burstPeak = maxOf(burstPeak, afterDrain);
    inBurst = false;
    sampling = false;
    await sampler;
    // The hub's own count, from its next state document (at most every 5 s).
    const counted = Date.now();
    while (readingsCounted() < probes + READINGS && Date.now() - counted < 12_000) await sleep(200);
    const fatal = [
      ...running.exceptions.filter((e) => FATAL.test(e.message)).map((e) => `${e.message} at ${e.stack.slice(0, 3).join(' < ')}`),
      ...running.traces.filter((line) => FATAL.test(line) && !line.startsWith('# exception:')),
    ];
    return {
      integrations: n,
      afterBoot,
      bootPeak,
      runPeak,
      runLow,
      gcPeakPerSecond: runPeak.all['Garbage collections'] ?? 0,
      gcTotal,
      afterRun,
      wallMs,
      cpuMs,
      records: steadyRecords,
      afterWarm: afterWarm ?? afterBoot,
      warmReadings: warmAt,
      burst: { messages: BURST, ms: burstMs, drainMs, peak: burstPeak!, afterDrain, undelivered: [...delivered.values()].reduce((sum, count) => sum + Math.max(0, READINGS + burstRecords - count), 0) },
      readingsCounted: readingsCounted() - probes,
      exceptions: running.exceptions.length,
      fatal,
      problems,
      samples,
    };
  } finally {
    await sim?.stop();
    for (const client of clients) client.end(true);
    await home.stop();
    await vendor.stop();
  }
}

function rowsFor(f: RunFigures, creation: Creation, profile: string, READINGS: number): BenchRow[] {
  const n = f.integrations;
  const k = (name: string) => `moddable.lin.${profile}.${name}.${n}`;
  const budget = budgetOf(creation);
  // The esp32 profile is the budget itself; the esp32s3 profile must keep 30 % of its creation spare.
  const limit = profile === 'esp32' ? budget : Math.floor(budget * 0.7);
  const stackBytes = creation.stack * ESP32_SLOT_BYTES;
  const xs = (s: Instruments) => s.chunkBytes + Math.round(s.slotBytes * (ESP32_SLOT_BYTES / LIN_SLOT_BYTES)) + stackBytes;
  const esp32Stack = Math.round(f.runPeak.stackPeakBytes * (ESP32_SLOT_BYTES / LIN_SLOT_BYTES));
  const avail = (s: Instruments) => `XS had ${s.all['Chunk available'] ?? '?'} chunk / ${s.all['Slot available'] ?? '?'} slot bytes allocated`;
  const sim = '64-bit Linux simulator (mcsim), debug build; "used" as XS counts it: after boot and after the run the live set (the lab collects every second), during the run garbage not yet collected included';
  const run = `peak of ${f.samples} one-second samples over ${READINGS} readings × ${n} integrations (${f.records} records delivered)`;
  const given = `the ${profile} profile gives XS ${budget} B (chunks ${creation.chunk.initial} + ${creation.heap.initial} slots + a ${creation.stack}-slot stack, 16-byte slots, no growth)`;
  const verdict = (value: number) => (value <= limit ? 'met' : `MISSED by ${value - limit} B`);
  const xsBoot = xs(f.afterBoot);
  const xsPeak = xs(f.runPeak);
  return [
    {
      key: k('xsBytes'),
      value: xsBoot,
      unit: 'bytes',
      target: `<= ${limit}`,
      note:
        `${verdict(xsBoot)}. XS after boot (the live set once the boot's session visits are done) in ESP32 bytes: chunks as measured (${f.afterBoot.chunkBytes}; an upper bound, array storage in chunks has 64-bit slots here) + slots / 2 (${Math.round(f.afterBoot.slotBytes / 2)}) + the stack (${stackBytes}); ` +
        `${given}${profile === 'esp32' ? '' : '; target: 30 % of it spare'}`,
    },
    { key: k('xsPeakBytes'), value: xsPeak, unit: 'bytes', target: `<= ${limit}`, note: `${verdict(xsPeak)}. The same at the run's peak (${run}): chunks ${f.runPeak.chunkBytes} + slots / 2 ${Math.round(f.runPeak.slotBytes / 2)} + the stack ${stackBytes}` },
    {
      key: k('burstPeakBytes'),
      value: xs(f.burst.peak),
      unit: 'bytes',
      target: `<= ${limit}`,
      note:
        `${verdict(xs(f.burst.peak))}. XS at the peak of an outage and burst, in ESP32 bytes: the vendor's broker stopped, ${f.burst.messages} messages in ${f.burst.ms} ms (a quarter of them readings every contract takes), ` +
        `the vendor back, the backlog drained in ${Math.round(f.burst.drainMs / 1000)} s; chunks ${f.burst.peak.chunkBytes} + slots / 2 ${Math.round(f.burst.peak.slotBytes / 2)} + the stack ${stackBytes}; ${f.burst.undelivered} records not delivered`,
    },
    { key: k('burstUndelivered'), value: f.burst.undelivered, unit: 'count', target: '<= 0', note: `records of the burst that never reached the vendor after the drain (a full log drops by the contract's policy and counts it; here nothing should be dropped)` },
    {
      key: k('growthBytes'),
      value: xs(f.afterRun) - xs(f.afterWarm),
      unit: 'bytes',
      target: '<= 0',
      note:
        `live set after the run minus after the first ${f.warmReadings} readings (every plug heard from, every lane's buffers made), in ESP32 bytes ` +
        `(chunks ${f.afterRun.chunkBytes - f.afterWarm.chunkBytes} B, slots ${Math.round((f.afterRun.slotBytes - f.afterWarm.slotBytes) / 2)} B) over ${READINGS - f.warmReadings} readings; ` +
        `the warm-up itself added ${xs(f.afterWarm) - xsBoot} B to the live set after boot (${DEVICES} plugs new to the hub, the RAM windows and lanes' buffers made on first use); the lab collects garbage every ${COLLECT_EVERY_MS} ms and the smallest of three samples counts`,
    },
    { key: k('afterBoot.chunkBytes'), value: f.afterBoot.chunkBytes, unit: 'bytes', note: `after boot, subscription live and the boot's session visits done (five samples in a row within 2 %); ${sim}; boot peak ${f.bootPeak.chunkBytes}; the profile's chunk block ${creation.chunk.initial}` },
    { key: k('afterBoot.slotBytes'), value: f.afterBoot.slotBytes, unit: 'bytes', note: `after boot; 32-byte slots (ESP32: ${f.afterBoot.slotBytes / 2}); boot peak ${f.bootPeak.slotBytes}; ${avail(f.afterBoot)}; the profile's slot block ${creation.heap.initial} slots` },
    { key: k('chunkBytes'), value: f.runPeak.chunkBytes, unit: 'bytes', note: `${run}; ${sim}; lowest sample ${f.runLow.chunkBytes}, after the run ${f.afterRun.chunkBytes}` },
    { key: k('slotBytes'), value: f.runPeak.slotBytes, unit: 'bytes', note: `${run}; 32-byte slots; lowest sample ${f.runLow.slotBytes} (≈ the live set), after the run ${f.afterRun.slotBytes}; ${avail(f.runPeak)}; up to ${f.gcPeakPerSecond} collections in a second, ${f.gcTotal} in the run` },
    { key: k('stackPeakBytes'), value: esp32Stack, unit: 'bytes', target: `<= ${Math.floor(stackBytes * 0.75)}`, note: `deepest stack in any second of the run in ESP32 bytes (${f.runPeak.stackPeakBytes} B with the simulator's 32-byte slots; during boot ${f.bootPeak.stackPeakBytes}); the profile's stack is ${creation.stack} slots = ${stackBytes} B; target: a quarter of it spare` },
    { key: k('msPerRecord'), value: Math.round((f.wallMs / f.records) * 1000) / 1000, unit: 'ms', note: `wall time per delivered record on the 64-bit Linux simulator (debug build, instrumented, xsbug runner), not an ESP32 figure; ${Math.round(f.wallMs / 1000)} s for ${READINGS} readings (${Math.round((READINGS / f.wallMs) * 1000)} readings/s). Latency-bound, not CPU-bound: one message is in flight per integration (batchSize 1), each waiting for its PUBACK; the sockets run with TCP_NODELAY (with Nagle on, each PUBLISH's payload waited ~40 ms for the broker's delayed ACK: 65.7 ms a record with 1 integration); the hub counted ${f.readingsCounted} readings` },
    ...(f.cpuMs === undefined
      ? []
      : [{ key: k('cpuMsPerRecord'), value: Math.round((f.cpuMs / f.records) * 1000) / 1000, unit: 'ms', note: `CPU time (user + system) of the simulator process per delivered record, from /proc: the firmware's own work on this machine (debug build: xsbug instruments, no JIT in XS), to compare with xsnap's meter; ${Math.round(f.cpuMs)} ms for ${f.records} records` }]),
    { key: k('fatalExceptions'), value: f.fatal.length, unit: 'count', target: '<= 0', note: f.fatal.length ? `memory full / stack overflow: ${f.fatal.slice(0, 3).join('; ')}` : `no "memory full" or "stack overflow" (${f.exceptions} exceptions thrown in all, caught ones included)` },
    { key: k('deliveryProblems'), value: f.problems.length, unit: 'count', target: '<= 0', note: f.problems.length ? f.problems.slice(0, 3).join('; ') : 'every record once, in seq order, for every integration' },
  ];
}

export async function benchModdable(): Promise<BenchRow[]> {
  const moddable = process.env.MODDABLE;
  if (!moddable) throw new Error('MODDABLE is not set (the Moddable SDK 8.2.3 with its Linux simulator; .ci/run sets it up)');
  const rows: BenchRow[] = [];
  for (const { profile, n, readings: given } of RUNS) {
    const creation = (JSON.parse(readFileSync(join(repoRoot, 'hosts', 'moddable', 'profiles', profile, 'manifest.json'), 'utf8')) as { creation: Creation }).creation;
    const lab = await buildLab(moddable, `bench-moddable-${profile}-${n}`, n, BENCH_PORTS, { profile, collectEveryMs: COLLECT_EVERY_MS });
    const readings = given ?? readingsFor(n);
    const figures = await runOne(moddable, lab, profile, readings);
    console.error(`bench moddable ${profile} ${n}: ${JSON.stringify({ ...figures, afterBoot: undefined, bootPeak: undefined, runPeak: figures.runPeak.all, afterRun: figures.afterRun.all })}`);
    rows.push(...rowsFor(figures, creation, profile, readings));
  }
  return rows;
}
