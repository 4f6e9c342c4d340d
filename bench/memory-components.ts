/**
 * Where the slot heap goes, component by component (for docs/esp32.md's
 * table and for choosing what to slim first). One xsnap machine; each step
 * builds one component and keeps it reachable from a global, then `gc()`: the
 * step's Δ live slots × 16 B is that component's slot heap (code is in the
 * bundle, measured before the first step). Run: `node build/bench/memory-components.js`.
 */
import { bundleForXs, runInXs } from '../hosts/xs/engine.js';

const ESP32_SLOT_BYTES = 16;

const ENTRY = `
import { makeBenchHost, benchContracts, composeHubRig, BOARD_AUDIT_BYTES } from './bench/hub-rig.ts';
import { integrationNames } from './bench/hub-under-test.ts';
import { Keyring } from './modules/keyring.ts';
import { RecordLog } from './modules/log/store.ts';
import { AuditLog } from './modules/audit/log.ts';
import { FlashAuditStorage } from './modules/audit/flash-storage.ts';
import { MemoryFlash } from './hosts/sim/memory-flash.ts';
import { createSourceContext } from './modules/sources/context.ts';
import { createZigbee2Mqtt } from './modules/sources/zigbee2mqtt.ts';
import { createTasmota } from './modules/sources/tasmota.ts';
import { createEsphome } from './modules/sources/esphome.ts';
import { createBthome } from './modules/sources/bthome.ts';
import { deliveryTerms } from './modules/hub/contract-settings.ts';
import { ServiceLevelMonitor } from './modules/forward/service-levels.ts';
import { Forwarder } from './modules/forward/forwarder.ts';
import { BenchTransport } from './bench/hub-rig.ts';
import { ChangeManager } from './modules/contract/changes.ts';
import { createPipeline } from './modules/pipeline/pipeline.ts';
import { ConsentBook } from './modules/pipeline/consent.ts';
import { Counters } from './modules/pipeline/counters.ts';
import { Hub } from './modules/hub/hub.ts';
import { Encoder } from 'cbor-x';
import { EnvelopeEncoder } from './modules/forward/envelope.ts';
import { createRecordEncoder } from './modules/pipeline/encode.ts';
import { Backoff, CircuitBreaker } from './modules/forward/backoff.ts';
import { TokenBucket } from './modules/forward/pacing.ts';
import { IntegrationConnectivity } from './modules/forward/connectivity.ts';
(globalThis as any).M = { makeBenchHost, benchContracts, composeHubRig, integrationNames, Keyring, RecordLog, AuditLog, FlashAuditStorage, MemoryFlash,
  createSourceContext, createZigbee2Mqtt, createTasmota, createEsphome, createBthome, deliveryTerms, ServiceLevelMonitor, Forwarder,
  BenchTransport, ChangeManager, createPipeline, ConsentBook, Counters, Hub, BOARD_AUDIT_BYTES,
  Encoder, EnvelopeEncoder, createRecordEncoder, Backoff, CircuitBreaker, TokenBucket, IntegrationConnectivity };
(globalThis as any).K = {};
`;

/** [label, code]: each step's code runs with M (the modules) and K (what earlier steps kept). */
const STEPS: [string, string][] = [
  ['host (simulated board)', `K.host = M.makeBenchHost();`],
  ['keyring', `K.keyring = new M.Keyring(K.host);`],
  ['record log (352 KB, empty)', `K.log = M.RecordLog.open({ flash: K.host.recordFlash, keyring: K.keyring, crypto: K.host.crypto, clock: K.host.clock }).log;`],
  ['audit log (64 KB)', `K.audit = M.AuditLog.open({ storage: new M.FlashAuditStorage(new M.MemoryFlash(M.BOARD_AUDIT_BYTES, 4096)), crypto: K.host.crypto, key: K.keyring.hubKey('audit'), clock: K.host.clock });`],
  ['source context', `K.ctx = M.createSourceContext(K.host.clock);`],
  ['zigbee2mqtt decoder', `K.z2m = M.createZigbee2Mqtt({}, K.ctx);`],
  ['tasmota decoder', `K.tas = M.createTasmota({}, K.ctx);`],
  ['esphome decoder', `K.esp = M.createEsphome({}, K.ctx);`],
  ['bthome decoder', `K.bth = M.createBthome({}, K.ctx, K.host.crypto);`],
  ['1 contract (parsed object)', `K.contracts = M.benchContracts(['vendor-01']);`],
  ['change manager with it installed', `K.changes = new M.ChangeManager({ audit: K.audit, clock: K.host.clock }); K.changes.install(K.contracts[0], 'bench');`],
  ['service-level monitor', `K.sl = new M.ServiceLevelMonitor({ integration: 'x', promised: M.deliveryTerms(K.contracts[0], 'mqtts://x').promised, clock: K.host.clock, now: () => ({ boot: 0, mono: 0 }) });`],
  ['cbor-x Encoder instance', `K.cbor = new M.Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true, variableMapSize: true });`],
  ['EnvelopeEncoder', `K.env = new M.EnvelopeEncoder('bench', 'cbor', () => undefined);`],
  ['record encoder', `K.renc = M.createRecordEncoder();`],
  ['backoff + breaker + bucket + connectivity', `K.bo = new M.Backoff(K.host.random); K.br = new M.CircuitBreaker('mqtts://x', K.host.clock); K.tb = new M.TokenBucket(K.host.clock, 1, 10); K.ic = new M.IntegrationConnectivity('x', 'x', 'connected');`],
  ['forwarder (incl. its own service-level monitor)', `K.tr = new M.BenchTransport('mqtts://ingest.vendor-01.example:8883/t'); K.fw = new M.Forwarder({ hub: 'bench', terms: M.deliveryTerms(K.contracts[0], K.tr.endpoint), queue: K.log, transport: K.tr, clock: K.host.clock, timers: K.host.timers, random: K.host.random });`],
  ['forwarder sharing the codec', `K.fw2 = new M.Forwarder({ hub: 'bench', terms: M.deliveryTerms(K.contracts[0], K.tr.endpoint), queue: K.log, transport: new M.BenchTransport('mqtts://b'), clock: K.host.clock, timers: K.host.timers, random: K.host.random, codec: K.cbor });`],
  ['forwarder terms (deliveryTerms)', `K.terms = M.deliveryTerms(K.contracts[0], 'mqtts://x');`],
  ['keyring: data + pseudonym keys of 1 integration', `K.keyring.key('data', 'vendor-01', K.keyring.currentEpoch('vendor-01')); K.keyring.key('pseudonym', 'vendor-01');`],
  ['record log: 1 integration configured, 1 record acked', `K.log.configure('vendor-01', { maxBytes: 65536 }); K.log.append('vendor-01', new Uint8Array(60), { boot: 1, mono: 5 }); K.log.acknowledge('vendor-01', 1);`],
  ['record log: 120 records of 60 B on flash (the index)', `for (let i = 0; i < 120; i++) K.log.append('vendor-01', new Uint8Array(60), { boot: 1, mono: 10 + i }, { purposes: 1 });`],
  ['a batch of 50 of them read (pending), kept', `K.batch = K.log.pending('vendor-01', 50);`],
  ['consent book + counters', `K.consent = new M.ConsentBook({ store: K.host.store, crypto: K.host.crypto, clock: K.host.clock }); K.counters = new M.Counters();`],
  ['pipeline for 1 contract', `K.pipe = M.createPipeline({ crypto: K.host.crypto, keyring: K.keyring, clock: K.host.clock, contracts: K.contracts, consent: K.consent, counters: K.counters, onRecord: () => undefined });`],
  ['pipeline for 2 contracts', `K.pipe2 = M.createPipeline({ crypto: K.host.crypto, keyring: K.keyring, clock: K.host.clock, contracts: M.benchContracts(['a', 'b']), consent: K.consent, counters: K.counters, onRecord: () => undefined, encoder: { encode: () => new Uint8Array(1) } });`],
  ['pipeline for 3 contracts', `K.pipe3 = M.createPipeline({ crypto: K.host.crypto, keyring: K.keyring, clock: K.host.clock, contracts: M.benchContracts(['c', 'd', 'e']), consent: K.consent, counters: K.counters, onRecord: () => undefined, encoder: { encode: () => new Uint8Array(1) } });`],
  ['8 more contracts (parsed)', `K.contracts8 = M.benchContracts(M.integrationNames(8));`],
  ['pipeline for those 8', `K.pipe8 = M.createPipeline({ crypto: K.host.crypto, keyring: K.keyring, clock: K.host.clock, contracts: K.contracts8, consent: K.consent, counters: K.counters, onRecord: () => undefined });`],
  ['composed Hub, 0 integrations, no sources', `K.h0 = new M.Hub({ hubId: 'b', version: '0', model: 'ESP32', integrations: [], sources: { zigbee2mqtt: false, tasmota: false, esphome: false, bthome: false } }, { host: M.makeBenchHost(), auditFlash: new M.MemoryFlash(M.BOARD_AUDIT_BYTES, 4096), archive: { load: () => undefined, save: () => undefined }, transport: (id, e) => new M.BenchTransport(e) }); K.h0.start();`],
  ['composed Hub, 0 integrations, default sources', `K.h0s = new M.Hub({ hubId: 'b', version: '0', model: 'ESP32', integrations: [] }, { host: M.makeBenchHost(), auditFlash: new M.MemoryFlash(M.BOARD_AUDIT_BYTES, 4096), archive: { load: () => undefined, save: () => undefined }, transport: (id, e) => new M.BenchTransport(e) }); K.h0s.start();`],
  ['hub rig, 1 integration (all 4 sources)', `K.r1 = M.composeHubRig(M.makeBenchHost(), M.integrationNames(1));`],
  ['hub rig, 2 integrations (all 4 sources)', `K.r2 = M.composeHubRig(M.makeBenchHost(), M.integrationNames(2));`],
];

async function main(): Promise<void> {
  const script = await bundleForXs(ENTRY, 'memory-components.ts');
  const steps = [script, 'gc();', ...STEPS.map(([, code]) => `{ const M = globalThis.M, K = globalThis.K; ${code} } gc();`)];
  // runInXs reports only the last meter: run growing prefixes (deterministic, so deltas are exact).
  let previous: number | undefined;
  for (let n = 2; n <= steps.length; n++) {
    const run = await runInXs(steps.slice(0, n), `components-${n}`);
    const slots = run.meter.currentHeapCount!;
    if (previous !== undefined) console.log(`${STEPS[n - 3]![0].padEnd(48)} ${String((slots - previous) * ESP32_SLOT_BYTES).padStart(9)} B`);
    previous = slots;
  }
}

await main();
