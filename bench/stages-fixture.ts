/**
 * The per-stage workload, shared by the XS and Node runs of bench/stages.ts
 * and by bench/heap.ts and bench/esp32.ts: one zigbee2mqtt smart-plug message
 * (5 fields) becomes one reading and one record for one integration, whose
 * contract allows 3 fields with generalizing transforms, all with consent.
 * So "per record" and "per message" are the same thing here.
 *
 * Stages, each a function called once per record:
 *  decode       zigbee2mqtt JSON → normalized reading
 *  minimize     allow-list, consent, transforms, time coarsening, record assembly
 *               (pipeline.accept with a constant HMAC and no CBOR, less the
 *               pseudonym call's own JavaScript, which `pseudonymize` counts)
 *  pseudonymize HMAC-SHA256 of the device id under the integration's key, hex
 *  encode        cbor-x of the minimized record
 *  seal         AES-256-GCM of the encoded record (the log's nonce and AAD sizes)
 *  append       the flash log's own work for one record (framing, program, quota
 *               bookkeeping, acknowledgement mark), sealing excluded
 *  readBack     what delivery reads from flash (durability "flash", or records
 *               spilled while the vendor was away): flash read, GCM open, the
 *               consent check on the purpose mask (the hub's ConsentFilteredQueue
 *               over the log; no decode), and the acknowledgement mark; one call
 *               reads a batch of 50
 *  deliver      the forwarder: batch of 50 from a queue, CBOR envelope, send over
 *               an in-memory transport that acknowledges, ack bookkeeping
 *
 * Runs inside XS: portable code only.
 */
import type { Contract } from '../modules/contract/types.js';
import { Forwarder } from '../modules/forward/forwarder.js';
import type { OutboundMessage, Transport, TransportState } from '../modules/forward/transport.js';
import type { Crypto, Flash, Host, Logger } from '../modules/host.js';
import { ConsentFilteredQueue } from '../modules/hub/consent-queue.js';
import { Hub, type ContractArchive } from '../modules/hub/hub.js';
import { Keyring } from '../modules/keyring.js';
import { RecordLog } from '../modules/log/store.js';
import { ConsentBook } from '../modules/pipeline/consent.js';
import { Counters } from '../modules/pipeline/counters.js';
import { createRecordEncoder, type MinimizedRecord } from '../modules/pipeline/encode.js';
import { createPipeline } from '../modules/pipeline/pipeline.js';
import { Pseudonymizer } from '../modules/pipeline/pseudonym.js';
import type { IntegrationQueue, PendingRecord } from '../modules/queue.js';
import type { Reading } from '../modules/reading.js';
import { createSourceContext } from '../modules/sources/context.js';
import { createZigbee2Mqtt } from '../modules/sources/zigbee2mqtt.js';
import { ManualClock, ManualTimers } from '../hosts/sim/manual-time.js';
import { MemoryFlash } from '../hosts/sim/memory-flash.js';
import { MemoryStore } from '../hosts/sim/memory-store.js';
import { SeededRandom } from '../hosts/sim/seeded-random.js';
import { makeContract } from '../test/support/contracts.js';

export const INTEGRATION = 'energy-saver';
export const PLUG_TOPIC = 'zigbee2mqtt/kitchen plug';
export const STAGES = ['decode', 'minimize', 'pseudonymize', 'encode', 'seal', 'append', 'readBack', 'deliver'] as const;
export type Stage = (typeof STAGES)[number];
export const DELIVERY_BATCH = 50;
/** Records the read-back stage prepares; measure fewer calls than this. */
export const READ_BACKLOG = 2000;
/** Devices the hub rig's messages come from (the hub tracks at most 256). */
export const PLUGS = 200;

const encoder = new TextEncoder();

/** A smart plug's state as zigbee2mqtt publishes it; `i` varies the values. */
export function plugMessage(i: number): Uint8Array {
  return encoder.encode(`{"power":${1000 + (i % 997)}.5,"voltage":231.2,"current":5.34,"energy":${1523 + (i % 1000)}.77,"linkquality":87}`);
}

/**
 * The bench contract: 3 of the plug's 5 fields, generalized. Its delivery
 * rate is set far above any contract a vendor would get (1 000 000 messages a
 * minute, 50 records each) so the bench measures the hub, not the pacing a
 * contract imposes; the buffer quota is 1 MB.
 */
export function benchContract(durability: 'flash' | 'ram-first' = 'ram-first'): Contract {
  const c = makeContract({
    integration: INTEGRATION,
    streams: [
      {
        stream: 'power',
        time: { kind: 'coarsenTime', unit: 'minutes', amount: 1 },
        fields: {
          power: { purpose: 'energy-advice', transform: { kind: 'round', step: 10 } },
          energy: { purpose: 'energy-advice', transform: { kind: 'round', step: 0.1 } },
          voltage: { purpose: 'energy-advice', transform: { kind: 'bucket', edges: [210, 225, 235, 245] } },
        },
      },
    ],
  });
  c.delivery.maxRatePerMinute = 1_000_000;
  c.delivery.batchSize = DELIVERY_BATCH;
  c.hubBuffer.maxBytes = 1024 * 1024;
  c.hubBuffer.durability = durability;
  return c;
}

/**
 * The same Crypto with every primitive replaced by a trivial function of the
 * right shape (copies, no cryptography): what is left of a measurement is the
 * JavaScript around the primitives. Outputs still differ by input prefix, so
 * tags, key labels and pseudonyms stay distinct.
 */
export function trivialCrypto(real: Crypto): Crypto {
  const digest = (data: Uint8Array) => {
    const out = new Uint8Array(32);
    out.set(data.subarray(0, 32));
    return out;
  };
  return {
    ...real,
    sha256: digest,
    hmacSha256: (_key, data) => digest(data),
    hkdfSha256: (_ikm, _salt, info, length) => {
      const out = new Uint8Array(length);
      out.set(info.subarray(0, length));
      return out;
    },
    aesGcmSeal: (_key, _nonce, plaintext) => {
      const out = new Uint8Array(plaintext.length + 16);
      out.set(plaintext);
      return out;
    },
    aesGcmOpen: (_key, _nonce, sealed) => sealed.slice(0, sealed.length - 16),
  };
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** An in-memory transport that acknowledges every message at once; counts, never decodes (decoding is the vendor's work). */
export class SinkTransport implements Transport {
  readonly endpoint = 'mqtts://ingest.bench.example:8883/homes/readings';
  readonly scope = 'internet' as const;
  messages = 0;
  records = 0;
  bytes = 0;
  send(message: OutboundMessage): Promise<void> {
    this.messages++;
    this.records += message.lastSeq - message.firstSeq + 1;
    this.bytes += message.body.length;
    return Promise.resolve();
  }
  state(): TransportState {
    return 'connected';
  }
  onStateChange(): () => void {
    return () => {};
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Lets pending promise callbacks run (no setImmediate in XS). */
export async function settle(turns = 12): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

export interface StageRig {
  /** One call = one record through that stage, except readBack: one batch of DELIVERY_BATCH records. */
  run: Record<Exclude<Stage, 'minimize' | 'deliver'>, () => unknown> & {
    /** pipeline.accept with a constant HMAC and no CBOR. */
    minimizeWithGlue: () => unknown;
    /** The pseudonym call with a constant HMAC: the JS that `minimizeWithGlue` shares with `pseudonymize`. */
    pseudonymGlue: () => unknown;
  };
  /** Runs `records` records through the forwarder (batches of 50) and settles; resolves to records acknowledged. */
  deliver(records: number): Promise<number>;
}

export function stageRig(crypto: Crypto): StageRig {
  const clock = new ManualClock({ wallTime: Date.UTC(2026, 0, 1, 12) });
  const timers = new ManualTimers(clock);
  const store = new MemoryStore();
  const random = new SeededRandom(7);
  const keyring = new Keyring({ store, crypto, random });
  const contract = benchContract();

  const sources = createSourceContext(clock, { ratePerSecond: 1e9, burst: 1e9 });
  const z2m = createZigbee2Mqtt({}, sources);
  const message = plugMessage(1);
  const reading = z2m.handleMessage(PLUG_TOPIC, message)[0] as Reading;
  if (!reading || reading.stream !== 'power') throw new Error('bench stages: the plug message did not give a power reading');

  const cheap = trivialCrypto(crypto);
  const consent = new ConsentBook({ store, crypto, clock });
  consent.give(INTEGRATION, 'energy-advice', 'bench');
  let last: MinimizedRecord | undefined;
  const empty = new Uint8Array(0);
  const pipeline = createPipeline({
    crypto: cheap,
    keyring,
    clock,
    contracts: [contract],
    consent,
    counters: new Counters(),
    onRecord: (_i, _p, record) => void (last = record),
    encoder: { encode: () => empty },
  });
  pipeline.accept(reading);
  if (!last) throw new Error('bench stages: the pipeline produced no record');
  const record = last;
  const realPseudonyms = new Pseudonymizer({ crypto, keyring });
  const cheapPseudonyms = new Pseudonymizer({ crypto: cheap, keyring });
  const recordEncoder = createRecordEncoder();
  const payload = recordEncoder.encode(record);

  const dataKey = keyring.key('data', INTEGRATION)!;
  const nonce = new Uint8Array(12).fill(3);
  const aad = new Uint8Array(22).fill(1);

  // The log with sealing made trivial: its own work only. Append then acknowledge keeps it from filling.
  const stamp = { wall: Date.UTC(2026, 0, 1, 12), boot: 1, mono: 0 };
  const writeLog = RecordLog.open({ flash: new MemoryFlash(64 * 4096, 4096), keyring, crypto: cheap, clock }).log;
  writeLog.configure(INTEGRATION, { maxBytes: 1024 * 1024 });

  // Read-back: a log with real sealing, refilled as it drains; pending() reads, opens and consent-checks.
  const readLog = RecordLog.open({ flash: new MemoryFlash(256 * 4096, 4096), keyring, crypto, clock }).log;
  readLog.configure(INTEGRATION, { maxBytes: 1024 * 1024 });
  const readQueue = new ConsentFilteredQueue(readLog, { allowed: () => true, fieldPurpose: () => 'energy-advice' });
  // As the hub appends: the record's purpose mask beside it, so consent is checked without decoding.
  const purposes = readQueue.purposeMask(INTEGRATION, record.p);

  return {
    run: {
      decode: () => z2m.handleMessage(PLUG_TOPIC, message),
      minimizeWithGlue: () => pipeline.accept(reading),
      pseudonymGlue: () => cheapPseudonyms.pseudonym(INTEGRATION, reading.device),
      pseudonymize: () => realPseudonyms.pseudonym(INTEGRATION, reading.device),
      encode: () => recordEncoder.encode(record),
      seal: () => crypto.aesGcmSeal(dataKey, nonce, payload, aad),
      append: () => {
        const r = writeLog.append(INTEGRATION, payload, stamp);
        if (r.ok) writeLog.acknowledge(INTEGRATION, r.seq);
        return r;
      },
      readBack: () => {
        // A backlog of READ_BACKLOG records, written when empty: filling it is not this
        // stage's work, so measure fewer records than that (a refill would be counted).
        if (readLog.stats(INTEGRATION).records === 0) {
          for (let i = 0; i < READ_BACKLOG; i++) readLog.append(INTEGRATION, payload, stamp, { purposes });
        }
        // As the forwarder reads: a batch from the front, then one acknowledgement for it.
        const got = readQueue.pending(INTEGRATION, DELIVERY_BATCH);
        if (got.length !== DELIVERY_BATCH) throw new Error('bench stages: read-back found too few records');
        readQueue.acknowledge(INTEGRATION, got[got.length - 1]!.seq);
        return got;
      },
    },
    async deliver(records: number) {
      const queue = new ArrayQueue(payload, records, stamp);
      const transport = new SinkTransport();
      const forwarder = new Forwarder({
        hub: 'bench-hub',
        terms: { integration: INTEGRATION, endpoint: transport.endpoint, format: 'cbor', batchSize: DELIVERY_BATCH, maxRecordsPerSecond: 1e9, promised: {} },
        queue,
        transport,
        clock,
        timers,
        random,
        log: quiet,
      });
      forwarder.start();
      for (let i = 0; i < 100_000 && transport.records < records; i++) {
        await settle(4);
        if (i % 4 === 3) timers.advance(1);
      }
      await forwarder.stop();
      return queue.acknowledged;
    },
  };
}

/** `count` copies of one payload, acknowledged from the front: the forwarder's queue without the log's work. */
class ArrayQueue implements IntegrationQueue {
  acknowledged = 0;
  readonly #payload: Uint8Array;
  readonly #count: number;
  readonly #stamp: PendingRecord['stamp'];
  constructor(payload: Uint8Array, count: number, stamp: PendingRecord['stamp']) {
    this.#payload = payload;
    this.#count = count;
    this.#stamp = stamp;
  }
  pending(integration: string, max: number, afterSeq?: number): PendingRecord[] {
    const out: PendingRecord[] = [];
    for (let seq = Math.max(this.acknowledged, afterSeq ?? 0) + 1; seq <= this.#count && out.length < max; seq++) {
      out.push({ integration, seq, payload: this.#payload, stamp: this.#stamp });
    }
    return out;
  }
  acknowledge(_integration: string, seq: number): void {
    if (seq > this.acknowledged) this.acknowledged = seq;
  }
  stats() {
    return { records: this.#count - this.acknowledged, bytes: (this.#count - this.acknowledged) * this.#payload.length };
  }
}

export interface HubRig {
  hub: Hub;
  transport: SinkTransport;
  /** Feeds `count` plug messages through the whole hub, delivering as it goes; resolves when all are acknowledged. */
  run(count: number): Promise<void>;
}

/**
 * A RAM window that holds what arrives between two deliveries here: the rig
 * feeds 50 messages before the forwarder runs (the board default, 32 records,
 * would spill half of each batch at its high-water mark).
 */
export const RIG_WINDOW = { records: 100, bytes: 12 * 1024 } as const;

/**
 * The composed Hub over simulated hardware (as test/core/hub.test.ts builds it) with a sink transport.
 * `durability`: the contract's; ram-first (the default) keeps acknowledged records off flash.
 */
export function hubRig(crypto: Crypto, options: { wrapFlash?: (flash: Flash) => Flash; durability?: 'flash' | 'ram-first' } = {}): HubRig {
  const wrap = options.wrapFlash ?? ((flash: Flash) => flash);
  const clock = new ManualClock({ wallTime: Date.UTC(2026, 0, 1, 12) });
  const timers = new ManualTimers(clock);
  const host: Host = {
    clock,
    timers,
    random: new SeededRandom(11),
    crypto,
    recordFlash: wrap(new MemoryFlash(64 * 4096, 4096)),
    store: new MemoryStore(),
    log: quiet,
  };
  const transport = new SinkTransport();
  const saved = new Map<string, Contract>();
  const archive: ContractArchive = { load: (id, v) => saved.get(`${id}@${v}`), save: (c) => void saved.set(`${c.integration}@${c.version}`, c) };
  const hub = new Hub(
    { hubId: 'bench-hub', version: '0.1.0', model: 'bench', integrations: [{ contract: benchContract(options.durability) }], sources: { zigbee2mqtt: {} }, buffer: RIG_WINDOW },
    { host, auditFlash: wrap(new MemoryFlash(8 * 4096, 4096)), archive, transport: () => transport },
  );
  hub.start();
  hub.giveConsent(INTEGRATION, 'energy-advice', 'bench');
  // The hub's flood gate allows each device 5 messages/s (burst 20): 200 plugs in turn,
  // with 1 ms of manual time per message, keep every device at 5/s, as a busy home would be.
  const topics = Array.from({ length: PLUGS }, (_, i) => `${PLUG_TOPIC} ${String(i).padStart(3, '0')}`);
  const messages = Array.from({ length: 64 }, (_, i) => plugMessage(i));
  let fed = 0;
  return {
    hub,
    transport,
    async run(count) {
      const target = transport.records + count;
      for (let i = 0; i < count; i++) {
        hub.acceptMqtt(topics[fed % PLUGS]!, messages[fed & 63]!);
        fed++;
        if (i % DELIVERY_BATCH === DELIVERY_BATCH - 1) {
          timers.advance(DELIVERY_BATCH);
          await settle();
        }
      }
      for (let i = 0; i < 10_000 && transport.records < target; i++) {
        timers.advance(20);
        await settle();
      }
      if (transport.records !== target) throw new Error(`bench hub: ${transport.records - (target - count)} of ${count} records delivered`);
    },
  };
}
