// Power cuts under load: `airlock run` as a separate process, devices publishing at QoS 1 to the
// home's broker, a stand-in cloud that sometimes goes away, and SIGKILL at random moments, N times
// (AIRLOCK_CRASH_CYCLES, default 50, split between the two durability modes: 25 with
// `durability: "flash"`, 25 with `ram-first`), then one clean run until drained. Afterwards every reading
// published once the hub had its session was delivered or is covered by a counter the hub
// published (the broker keeps the hub's persistent session while it is down); every record the
// hub ever had buffered (read from its own flash after each kill, with its own keys) was delivered
// or is covered by a drop counter; redeliveries carry the same seq and the same payload. A seq the
// flash declares unaccounted for (a torn append; with ram-first, a RAM window) is audited as
// `data.lost` at the next boot (read back from the hub's audit chain at the end), and a reading
// the kill took from RAM is covered by those audited seqs. With ram-first, some outages outlast
// the spill delay, so kills also land on records spilled to flash beside the RAM window.
// Kills are timed from the hub's readiness (its state shows this boot receiving readings), never
// from a guessed startup time, so the loop holds on a loaded machine (tools/ci/with-cpu-hog.sh).
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { mqttCloud } from '../../hosts/node/demo/clouds.js';
import { SeededRandom } from '../../hosts/sim/seeded-random.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { decodeEnvelope } from '../../modules/forward/envelope.js';
import { makeContract } from '../support/contracts.js';
import { startAedes, startMosquitto, type TestBroker } from '../support/brokers.js';
import { peerMissing } from '../support/peers.js';
import { auditedLosses, inspectDataDir } from '../support/flash-inspect.js';
import { waitFor } from '../support/receiver-log.js';

const cli = join(repoRoot, 'build/tools/airlock.js');
type Durability = 'flash' | 'ram-first';
const MODES: Durability[] = ['flash', 'ram-first'];
/** Cycles per durability mode. */
const CYCLES = Math.max(1, Math.ceil(Number(process.env.AIRLOCK_CRASH_CYCLES ?? 50) / MODES.length));
/** The core's spill delay (modules/log/write-behind.ts): a ram-first outage longer than this spills to flash. */
const SPILL_DELAY_MS = 5000;
const INTEGRATION = 'crash-lab';
const HUB = 'crash-home';
const FLASH_BYTES = 64 * 4096;
const DEVICES = 40;
/**
 * Per device. The source's flood gate allows 5/s after a burst of 20, and after a restart the
 * broker hands over everything queued at once: at 2/s a device's backlog stays within the burst
 * for a 10 s outage of the hub.
 */
const PER_DEVICE_PER_SECOND = 2;
/** The drop reasons of buffered records. */
const DROP_REASONS = ['quota', 'retention', 'corrupt', 'purged'] as const;
/** Everything that counts a reading the hub took but will not deliver (per integration; `malformed_inputs` is the hub's). */
const READING_DROPS = [...DROP_REASONS, 'consent', 'malformed'] as const;
/** How long a start may take on a loaded machine before the loop gives up on it. */
const READY_WITHIN_MS = 60_000;

function writeSetup(dir: string, brokerUrl: string, cloudEndpoint: string, durability: Durability): string {
  const contract = makeContract({
    integration: INTEGRATION,
    purposes: [{ id: 'energy-advice', description: 'Advice on lowering electricity use.', requiresConsent: true }],
    streams: [
      {
        stream: 'power',
        fields: {
          // `energy` carries a unique reading number, kept as is, so the cloud's copy names the reading.
          energy: { purpose: 'energy-advice', transform: { kind: 'keep' } },
          power: { purpose: 'energy-advice', transform: { kind: 'round', step: 10 } },
        },
      },
    ],
  });
  // durability "flash": every record is on flash before it is sent, so kills land on a buffered
  // backlog. ram-first (the default): records wait in RAM and spill only when an outage outlasts the
  // spill delay; a kill takes the RAM window, which the next boot declares (the RAM path's power cuts
  // at every write are swept in test/core/write-behind-faults.test.ts).
  contract.hubBuffer = { maxAgeSeconds: 86_400, maxBytes: 200_000, whenFull: 'drop-newest', durability };
  contract.delivery = { ...contract.delivery, maxRatePerMinute: 6000, batchSize: 25, credentials: { type: 'mqtt-password', secret: 'crash-token' } };
  writeFileSync(join(dir, 'contract.json'), JSON.stringify(contract));
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'crash-token': 'test-password' }));
  const config = join(dir, 'airlock.json');
  writeFileSync(
    config,
    JSON.stringify({
      format: 'airlock-config/1',
      hubId: HUB,
      dataDir: join(dir, 'data'),
      flash: { recordBytes: FLASH_BYTES },
      localBroker: { url: brokerUrl },
      secretsFile: 'secrets.json',
      integrations: [{ contract: 'contract.json', endpoint: cloudEndpoint, consent: { 'energy-advice': true } }],
      web: false,
      monitorIntervalMs: 100,
    }),
  );
  return config;
}

/** Keeps the last few KB of a child's stderr for the failure message. */
function spawnHub(config: string): { child: ChildProcess; tail: () => string; exited: Promise<void> } {
  const child = spawn(process.execPath, [cli, 'run', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => (err = (err + String(c)).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, tail: () => err, exited };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const durability of MODES) {
  const what = durability === 'flash' ? 'loses no reading and nothing the hub buffered' : 'loses only what was in RAM, and declares it';
  test.serial(`crash loop, durability ${durability}: SIGKILL under load ${what}, and duplicates only by seq`, async (t) => {
    t.timeout(CYCLES * (durability === 'ram-first' ? 10_000 : 8_000) + 240_000);
    await crashLoop(t, durability);
  });
}

async function crashLoop(t: ExecutionContext, durability: Durability): Promise<void> {
  const ramFirst = durability === 'ram-first';
  const seed = Number(process.env.AIRLOCK_CRASH_SEED ?? Date.now() % 1_000_000);
  const random = new SeededRandom(seed);
  const uniform = () => new DataView(random.bytes(4).buffer).getUint32(0) / 2 ** 32;
  t.log(`seed ${seed} (AIRLOCK_CRASH_SEED reproduces the kill moments), ${CYCLES} cycles, durability ${durability}`);

  let broker: TestBroker | undefined = await startMosquitto();
  if (!broker) {
    peerMissing(t, 'mosquitto', 'the home broker is aedes in the test process instead');
    broker = await startAedes();
  }
  // Everything the cloud received, as sent: seq → JSON of {at, data} of every copy.
  const copies = new Map<number, string[]>();
  let malformed = 0;
  const cloud = await mqttCloud('crash-lab cloud', 'homes/crash', {
    onRaw: (body, contentType, topic) => {
      if (topic !== 'homes/crash') return;
      try {
        for (const r of decodeEnvelope(body, contentType).records) {
          const list = copies.get(r.seq) ?? [];
          list.push(JSON.stringify({ at: r.at, data: r.data }));
          copies.set(r.seq, list);
        }
      } catch {
        malformed++;
      }
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'airlock-crash-'));
  const config = writeSetup(dir, broker.url, cloud.endpoint, durability);

  // The hub's own published counters, per process started (a boot): drops by reason and the latest state.
  let boot = 0;
  let spawned = 0;
  /** The newest boot whose state showed readings received: that hub is subscribed and working. */
  let readyBoot = 0;
  const dropsByBoot = new Map<number, Record<string, number>>();
  const countDrop = (reason: string, n: number) => {
    const drops = dropsByBoot.get(spawned) ?? {};
    drops[reason] = Math.max(drops[reason] ?? 0, n);
    dropsByBoot.set(spawned, drops);
  };
  /** The RAM window's size in the newest state: what a kill now would take. */
  let ramRecords = 0;
  let latest: Record<string, number> = {};
  const watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 200 });
  watcher.on('message', (topic, payload) => {
    const doc = JSON.parse(payload.toString()) as Record<string, number>;
    if (topic === `airlock/${HUB}/state`) {
      boot = doc.boot_count ?? boot;
      countDrop('malformed_inputs', doc.malformed_inputs ?? 0);
      if ((doc.readings_received ?? 0) > 0) readyBoot = Math.max(readyBoot, boot);
    } else if (topic === `airlock/${HUB}/integration/${INTEGRATION}/state`) {
      latest = doc;
      ramRecords = doc.ram_records ?? 0;
      for (const reason of [...READING_DROPS, 'lost']) countDrop(reason, doc[`dropped_${reason}`] ?? 0);
    }
  });
  await watcher.subscribeAsync([`airlock/${HUB}/state`, `airlock/${HUB}/integration/+/state`]);

  // Devices: each reading has a unique number in `energy`, published at QoS 1 (the broker queues it for the hub's session).
  const devices = await mqtt.connectAsync(broker.url, { reconnectPeriod: 200 });
  let reading = 0;
  const load = setInterval(() => {
    for (let d = 0; d < DEVICES; d++) {
      devices.publish(`zigbee2mqtt/crash plug ${d}`, JSON.stringify({ energy: ++reading, power: 100 + d, linkquality: 80 }), { qos: 1 });
    }
  }, 1000 / PER_DEVICE_PER_SECOND);
  /** Readings published before the hub first subscribed had no session to wait in: the accounting starts after. */
  let accountableFrom = Infinity;

  const buffered = new Map<number, string>(); // seq → JSON of the record's data, as found on flash
  const torn = new Set<number>();
  /** Seqs the flash declared lost after a kill (the RAM window), as the next boot reports them. */
  const declared = new Set<number>();
  let kills = 0;
  let killedWithBacklog = 0;
  let killedWithRam = 0;
  let longOutages = 0;
  let outages = 0;
  let early = 0;
  let running: ReturnType<typeof spawnHub> | undefined;
  const remember = (reason: string) => {
    const seen = inspectDataDir(join(dir, 'data'), INTEGRATION, FLASH_BYTES);
    for (const seq of seen.torn) torn.add(seq);
    if (seen.gap) for (let seq = seen.gap.from; seq <= seen.gap.to; seq++) declared.add(seq);
    for (const r of seen.pending) {
      const json = JSON.stringify(r.data);
      const before = buffered.get(r.seq);
      if (before !== undefined && before !== json) t.fail(`${reason}: seq ${r.seq} changed on flash between boots:\n${before}\n${json}`);
      buffered.set(r.seq, json);
    }
    return seen;
  };
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // One cycle in four the vendor is unreachable: records pile up in the buffer (with ram-first, the second cycle always).
      const outage = uniform() < 0.25 || (ramFirst && cycle === 1);
      // With ram-first, half the outages (the first always) outlast the spill delay: the window spills to flash before the kill.
      const long = ramFirst && outage && (uniform() < 0.5 || longOutages === 0);
      if (long) longOutages++;
      if (outage) outages++;
      await cloud.setOnline(!outage);
      const bootBefore = boot;
      spawned++;
      ramRecords = 0;
      latest = {}; // this boot's state only
      running = spawnHub(config);
      // One kill in seven lands early (creating files, recovering, connecting: 50-500 ms after the spawn);
      // the rest 0.3-1.8 s after the hub showed it is working. The first hub always gets to work: it creates the session.
      const soon = cycle > 0 && !long && uniform() < 0.15;
      if (soon) {
        early++;
        await sleep(50 + uniform() * 450);
      } else {
        const current = running;
        await waitFor(() => readyBoot > bootBefore || current.child.exitCode !== null, READY_WITHIN_MS, `cycle ${cycle}: the hub to receive readings`).catch((error: Error) => {
          throw new Error(`${error.message}\n${current.tail()}`);
        });
        if (accountableFrom === Infinity) accountableFrom = reading + 1;
        // A long outage lasts until the hub's state shows records spilled to flash (buffered beyond what
        // RAM holds), so the kill lands on a spilled backlog; then a random moment, like every kill.
        if (long) {
          await waitFor(() => (latest.buffered_records ?? 0) > (latest.ram_records ?? 0) || current.child.exitCode !== null, SPILL_DELAY_MS * 6, `cycle ${cycle}: the outage's records to spill to flash`);
        }
        await sleep(300 + uniform() * 1500);
      }
      // A hub that ended by itself (refused to start after an earlier kill) is a failure, not a cycle.
      if (running.child.exitCode !== null) throw new Error(`cycle ${cycle}: the hub exited by itself (code ${running.child.exitCode})\n${running.tail()}`);
      const inRam = ramRecords;
      running.child.kill('SIGKILL');
      await running.exited;
      kills++;
      const seen = remember(`after kill ${kills}`);
      if (seen.pending.length > 0) killedWithBacklog++;
      if (inRam > 0) killedWithRam++;
    }
    clearInterval(load);
    await devices.endAsync();
    await cloud.setOnline(true);

    // Readings by their number: which reached the cloud, and how many the hub's counters cover.
    const deliveredReadings = () => {
      const out = new Set<number>();
      for (const list of copies.values()) {
        const n = (JSON.parse(list[0]!) as { data: { f?: { energy?: number } } }).data.f?.energy;
        if (typeof n === 'number') out.add(n);
      }
      return out;
    };
    // Readings the hub took but will not deliver: its drop counters, and with ram-first the seqs the flash declares
    // lost (a kill took them from RAM; the next boot audits them as data.lost, checked below).
    const countedDrops = () => {
      let n = declared.size;
      for (const drops of dropsByBoot.values()) for (const [reason, v] of Object.entries(drops)) if (reason !== 'lost') n += v;
      return n;
    };
    const undelivered = () => {
      const got = deliveredReadings();
      const out: number[] = [];
      for (let n = accountableFrom; n <= reading; n++) if (!got.has(n)) out.push(n);
      return out;
    };

    // A clean run until drained (the buffer and the broker's queue for the hub's session), then a clean stop (SIGTERM).
    latest = {};
    spawned++;
    running = spawnHub(config);
    const last = running;
    await waitFor(
      () => latest.buffered_records === 0 && [...buffered.keys()].every((seq) => copies.has(seq)) && undelivered().length <= countedDrops(),
      120_000,
      'the final run to drain the buffer and the queued readings',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; latest state ${JSON.stringify(latest)}; readings not delivered ${undelivered().length}, counted drops ${countedDrops()}\n${last.tail()}`);
    });
    // The broker hands a session's queue over a window at a time, so QoS 1 redeliveries of readings
    // already delivered can still be on their way to the hub after its buffer looked empty (they become
    // records again, under new seqs). A marker reading published now is queued behind all of them, and
    // delivery is in seq order: once the cloud has the marker, the hub has sent everything it took.
    const marker = ++reading;
    const markerClient = await mqtt.connectAsync(broker.url);
    await markerClient.publishAsync('zigbee2mqtt/crash plug 0', JSON.stringify({ energy: marker, power: 100, linkquality: 80 }), { qos: 1 });
    await markerClient.endAsync();
    await waitFor(() => deliveredReadings().has(marker), 60_000, 'the marker reading, published after the drain, delivered');
    running.child.kill('SIGTERM');
    await running.exited;
    const final = remember('after the clean stop');
    // The marker's own acknowledgement may still be on its way when the stop comes: then it alone waits on flash.
    const left = final.pending.filter((r) => (r.data as { f?: { energy?: number } }).f?.energy !== marker);
    t.deepEqual(left.map((r) => r.seq), [], 'nothing but the marker is left on flash after the drain');
    t.is(final.gap, undefined, 'a clean stop leaves no gap');

    // Every seq the flash declared lost after a kill was audited as data.lost by a later boot (the vendor can tell a gap from a bug).
    const audited = new Set<number>();
    for (const loss of auditedLosses(join(dir, 'data'), INTEGRATION)) for (let seq = loss.fromSeq; seq <= loss.toSeq; seq++) audited.add(seq);
    const unaudited = [...declared].filter((seq) => !audited.has(seq));
    t.deepEqual(unaudited.slice(0, 20), [], `seqs declared lost on flash but never audited as data.lost (${unaudited.length})`);
    let publishedLost = 0;
    for (const drops of dropsByBoot.values()) publishedLost += drops.lost ?? 0;
    t.is(malformed, 0, 'every message on the vendor topic was an envelope');

    // 0. Every reading published once the hub had its session reached the cloud, or a counter the hub published covers it.
    const dropTotals: Record<string, number> = {};
    for (const drops of dropsByBoot.values()) for (const [reason, n] of Object.entries(drops)) dropTotals[reason] = (dropTotals[reason] ?? 0) + n;
    const missingReadings = undelivered();
    t.true(
      missingReadings.length <= countedDrops(),
      `readings published at QoS 1 but neither delivered nor counted: ${missingReadings.slice(0, 20).join(', ')} (${missingReadings.length}), counters ${JSON.stringify(dropTotals)}`,
    );

    // 1. Every buffered record reached the cloud, or a published drop counter covers it.
    const dropped = DROP_REASONS.reduce((sum, reason) => sum + (dropTotals[reason] ?? 0), 0);
    const lost = [...buffered.keys()].filter((seq) => !copies.has(seq));
    t.true(lost.length <= dropped, `buffered but never delivered: seqs ${lost.slice(0, 20).join(', ')} (${lost.length}), drop counters ${JSON.stringify(dropTotals)}`);

    // 2. Redeliveries repeat the same payload; the flash copy is what the cloud got.
    let duplicates = 0;
    for (const [seq, list] of copies) {
      duplicates += list.length - 1;
      if (new Set(list).size !== 1) t.fail(`seq ${seq} arrived with different payloads:\n${[...new Set(list)].join('\n')}`);
      const onFlash = buffered.get(seq);
      if (onFlash !== undefined && JSON.stringify((JSON.parse(list[0]!) as { data: unknown }).data) !== onFlash) {
        t.fail(`seq ${seq}: the cloud's payload differs from the buffered one`);
      }
    }

    // 3. Seqs: every seq up to the highest is delivered, torn (never committed), declared lost, or dropped.
    const highest = Math.max(0, ...copies.keys(), ...buffered.keys(), ...torn);
    const gaps: number[] = [];
    for (let seq = 1; seq <= highest; seq++) if (!copies.has(seq) && !torn.has(seq) && !declared.has(seq)) gaps.push(seq);
    t.true(gaps.length <= dropped, `seqs neither delivered, torn, declared lost nor dropped: ${gaps.slice(0, 20).join(', ')} (${gaps.length})`);
    const tornDelivered = [...torn].filter((seq) => copies.has(seq));
    t.deepEqual(tornDelivered, [], 'a torn append is never delivered');

    // 4. A reading under two seqs is invisible to a receiver. QoS 1 from the home broker is at least once: a kill
    // between buffering a message and its PUBACK makes the broker deliver it again. The hub handles one message at
    // a time and acknowledges it as soon as it is buffered, so each kill can repeat at most one message.
    const seqOfReading = new Map<number, number>();
    const twice: string[] = [];
    for (const [seq, list] of copies) {
      const data = (JSON.parse(list[0]!) as { data: { f?: { energy?: number } } }).data;
      const n = data.f?.energy;
      if (typeof n !== 'number') continue;
      const other = seqOfReading.get(n);
      if (other !== undefined) twice.push(`reading ${n} as seq ${other} and seq ${seq}`);
      seqOfReading.set(n, seq);
    }
    t.true(twice.length <= kills, `more readings under two seqs than kills (${kills}): ${twice.slice(0, 10).join('; ')}`);

    t.true(copies.size > CYCLES, `the load produced deliveries (${copies.size})`);
    t.true(killedWithBacklog > 0, 'at least one kill hit the hub with records buffered on flash');
    if (ramFirst) {
      t.true(killedWithRam > 0, 'at least one kill took records from a RAM window');
      t.true(declared.size > 0, 'the flash declared seqs lost after a kill');
    }
    t.log(`${durability}: cycles ${kills} (${early} killed while starting, ${outages} with the cloud offline, ${longOutages} past the spill delay, ${killedWithBacklog} killed with records on flash, ${killedWithRam} with records in RAM), seed ${seed}`);
    t.log(`readings published ${reading} (accountable from ${accountableFrom}), records delivered ${copies.size} (highest seq ${highest}), buffered at some kill ${buffered.size}, readings under two seqs ${twice.length}`);
    t.log(`duplicates ${duplicates} (redeliveries of the same seq and payload), torn appends ${torn.size}, lost ${lost.length}, drops ${JSON.stringify(dropTotals)}, seqs declared lost ${declared.size} (audited ${audited.size}, dropped_lost published ${publishedLost})`);
  } finally {
    clearInterval(load);
    running?.child.kill('SIGKILL');
    await devices.endAsync(true).catch(() => undefined);
    await watcher.endAsync(true).catch(() => undefined);
    await cloud.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
