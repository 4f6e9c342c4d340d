import test from 'ava';
import { encode } from 'cbor-x';
import { IntegrationConnectivity, UplinkMonitor } from '../../modules/forward/connectivity.js';
import { decodeEnvelope, EnvelopeEncoder } from '../../modules/forward/envelope.js';
import { StampTime } from '../../modules/forward/stamp-time.js';
import { checkTerms, type DeliveryTerms } from '../../modules/forward/terms.js';
import { endpointScope } from '../../modules/forward/transport.js';
import { ManualClock } from '../../hosts/sim/manual-time.js';
import { MemoryStore } from '../../hosts/sim/memory-store.js';

test('endpoints on the home network are local, others need the internet', (t) => {
  t.is(endpointScope('mqtt://127.0.0.1:1883/x'), 'local');
  t.is(endpointScope('mqtts://192.168.1.20:8883/x'), 'local');
  t.is(endpointScope('https://nas.local/ingest'), 'local');
  t.is(endpointScope('http://[::1]:8080/'), 'local');
  t.is(endpointScope('https://user:pw@172.20.0.1/x'), 'local');
  t.is(endpointScope('mqtts://broker.vendor.example:8883/t'), 'internet');
  t.is(endpointScope('https://172.32.0.1/x'), 'internet');
  t.throws(() => endpointScope('broker:1883'), { message: /not a URL/ });
});

test('integration state follows transport, breaker and last attempt', (t) => {
  const c = new IntegrationConnectivity('energy', 'internet', 'connecting');
  const seen: string[] = [];
  c.onChange((s) => seen.push(s));
  t.is(c.state, 'degraded');
  c.transportState('connected');
  t.is(c.state, 'online');
  c.attempt(false);
  t.is(c.state, 'degraded');
  c.breakerState('open');
  t.is(c.state, 'offline');
  c.breakerState('half-open');
  t.is(c.state, 'degraded');
  c.attempt(true);
  c.breakerState('closed');
  t.is(c.state, 'online');
  c.transportState('disconnected');
  t.is(c.state, 'offline');
  t.deepEqual(seen, ['online', 'degraded', 'offline', 'degraded', 'degraded', 'online', 'offline']);
});

test('the uplink tells local-only from internet, and a dead link from both', (t) => {
  const uplink = new UplinkMonitor();
  const cloud = new IntegrationConnectivity('energy', 'internet', 'connected');
  const nas = new IntegrationConnectivity('nas', 'local', 'connected');
  uplink.track(cloud);
  uplink.track(nas);
  t.is(uplink.state, 'unknown');
  nas.attempt(true);
  t.is(uplink.state, 'unknown', 'a local endpoint says nothing about the internet');
  cloud.attempt(true);
  t.is(uplink.state, 'internet');
  cloud.attempt(false);
  cloud.breakerState('open');
  t.is(uplink.state, 'local');
  uplink.setLink(false);
  t.is(uplink.state, 'offline');
  uplink.setLink(true);
  cloud.breakerState('closed');
  cloud.attempt(true);
  t.is(uplink.state, 'internet');
});

test('records stamped before the hub knew the time get their wall time once it is known', (t) => {
  const clock = new ManualClock({ wallTime: undefined, bootCount: 3 });
  const store = new MemoryStore();
  const time = new StampTime(clock, store);
  clock.advance(5_000);
  const early = time.now();
  t.is(early.wall, undefined);
  t.is(time.wallOf(early), undefined);
  clock.advance(10_000);
  clock.setWallTime(Date.UTC(2026, 5, 1, 12, 0, 0));
  time.learn();
  t.is(time.wallOf(early), Date.UTC(2026, 5, 1, 12, 0, 0) - 10_000);
  t.is(time.ageMs(early), 10_000);
  // After a reboot, a new StampTime still corrects the previous boot's records from the store.
  clock.reboot({ wallTime: undefined });
  const next = new StampTime(clock, store);
  t.is(next.wallOf(early), Date.UTC(2026, 5, 1, 12, 0, 0) - 10_000);
  clock.advance(2_000);
  t.is(next.ageMs(early), 2_000, 'no wall time now: a lower bound, this boot\'s uptime');
});

const TERMS: DeliveryTerms = {
  integration: 'energy',
  endpoint: 'mqtts://broker.vendor.example:8883/airlock/energy',
  format: 'cbor',
  batchSize: 10,
  maxRecordsPerSecond: 5,
  promised: { uptimeRatio: 0.99, latencyP95Ms: 2000, maxLagMs: 3_600_000 },
};

test('delivery terms are checked and every bad field is named', (t) => {
  t.is(checkTerms(TERMS), TERMS);
  const error = t.throws(() => checkTerms({ ...TERMS, batchSize: 0, format: 'xml' as 'cbor', promised: { uptimeRatio: 2 } }));
  t.regex(error!.message, /batchSize/);
  t.regex(error!.message, /format/);
  t.regex(error!.message, /promised\.uptimeRatio/);
});

test('the envelope carries each record with its seq and time, in CBOR or JSON', (t) => {
  const clock = new ManualClock({ wallTime: Date.UTC(2026, 0, 2) });
  const time = new StampTime(clock);
  const records = [
    { integration: 'energy', seq: 4, payload: encode({ p: 'x1', w: 120.5 }), stamp: { boot: 1, mono: 10, wall: 1000 } },
    { integration: 'energy', seq: 6, payload: new Uint8Array([0xff, 0x00]), stamp: { boot: 0, mono: 99 } },
  ];
  for (const format of ['cbor', 'json'] as const) {
    const encoded = new EnvelopeEncoder('hub-1', format, (s) => time.wallOf(s)).encode('energy', records);
    t.deepEqual(encoded.undecodableSeqs, [6]);
    const envelope = decodeEnvelope(encoded.body, encoded.contentType);
    t.deepEqual(envelope.seq, [4, 6]);
    t.is(envelope.hub, 'hub-1');
    t.deepEqual(envelope.records[0], { seq: 4, at: 1000, data: { p: 'x1', w: 120.5 } });
    t.like(envelope.records[1], { seq: 6, at: null, boot: 0, mono: 99 });
    const raw = envelope.records[1]!.raw!;
    t.deepEqual(typeof raw === 'string' ? raw : Array.from(raw), format === 'json' ? 'ff00' : [0xff, 0x00]);
  }
  t.throws(() => decodeEnvelope(encode({ v: 9 }), 'application/cbor'), { message: /field "v"/ });
});
