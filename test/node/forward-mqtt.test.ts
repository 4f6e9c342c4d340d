/**
 * Store-and-forward over MQTT against real brokers (aedes in-process and
 * Mosquitto as a separate process), with faults: the vendor's broker killed
 * and restarted mid-stream, PUBACKs lost, a packet cut in half, a vendor that
 * hangs. Every case checks: nothing lost, order kept, duplicates only where
 * an acknowledgement was lost, and the counters match what the receiver saw.
 */
import test, { type ExecutionContext } from 'ava';
import type { MqttClient } from 'mqtt';
import type { Forwarder } from '../../modules/forward/forwarder.js';
import { MqttTransport } from '../../hosts/node/mqtt-transport.js';
import { startAedes, startMosquitto, subscribe, type TestBroker } from '../support/brokers.js';
import { peerMissing } from '../support/peers.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { LiveRig, RecordingTransport } from '../support/live-rig.js';
import { range, ReceiverLog, waitFor } from '../support/receiver-log.js';

interface Vendor {
  broker: TestBroker;
  receiver: ReceiverLog;
  close(): Promise<void>;
}

async function vendor(kind: 'aedes' | 'mosquitto'): Promise<Vendor | undefined> {
  const receiver = new ReceiverLog();
  if (kind === 'aedes') {
    const broker = await startAedes({ onPublish: (_topic, payload) => receiver.add(payload) });
    return { broker, receiver, close: () => broker.close() };
  }
  const broker = await startMosquitto();
  if (!broker) return undefined;
  const subscriber: MqttClient = await subscribe(broker.url, 'airlock/#', (_topic, payload, redelivery) => receiver.add(payload, 'application/cbor', redelivery));
  return {
    broker,
    receiver,
    close: async () => {
      await subscriber.endAsync(true);
      await broker.close();
    },
  };
}

function transportTo(url: string, integration: string): RecordingTransport {
  return new RecordingTransport(new MqttTransport({ endpoint: `${url}/airlock/${integration}`, reconnectPeriodMs: 100, connectTimeoutMs: 1000 }));
}

/** The receiver can hold a batch before its PUBACK reaches the hub: wait for the hub's side too. */
async function waitAcknowledged(forwarder: Forwarder, count: number, ms = 8000): Promise<void> {
  await waitFor(() => forwarder.counters.forwarded >= count, ms, `${count} acknowledged by ${forwarder.integration}`);
}

/** The assertions every fault case ends with. */
function assertDelivered(t: ExecutionContext, receiver: ReceiverLog, integration: string, count: number, forwarder: Forwarder, transport: RecordingTransport): void {
  const { unique, duplicates } = receiver.deduped(integration);
  t.deepEqual(unique, range(count), `${integration}: every record arrived, first copies in order`);
  const allowed = transport.unacknowledgedSeqs();
  t.deepEqual(duplicates.filter((seq) => !allowed.has(seq)), [], `${integration}: duplicates only of attempts whose acknowledgement was lost`);
  t.is(forwarder.counters.forwarded, unique.length, `${integration}: forwarded counter = records the receiver kept`);
  t.true(receiver.seqs(integration).length <= forwarder.counters.sentRecords, `${integration}: the receiver saw no more than was sent`);
  t.is(receiver.malformed.length, 0);
}

async function waitDrained(receiver: ReceiverLog, integration: string, count: number, ms = 8000): Promise<void> {
  await waitFor(() => receiver.deduped(integration).unique.length >= count, ms, `${count} ${integration} records at the receiver`);
}

for (const kind of ['aedes', 'mosquitto'] as const) {
  const maybe = async (t: ExecutionContext): Promise<Vendor | undefined> => {
    const v = await vendor(kind);
    if (!v) peerMissing(t, 'mosquitto', 'the Mosquitto cases are skipped here');
    return v;
  };

  test.serial(`${kind}: two integrations deliver everything in order and the counters match`, async (t) => {
    const v = await maybe(t);
    if (!v) return;
    const rig = new LiveRig();
    const energy = transportTo(v.broker.url, 'energy');
    const insurer = transportTo(v.broker.url, 'insurer');
    rig.append('energy', 300);
    rig.append('insurer', 120);
    const fe = rig.forwarder(energy, { integration: 'energy', batchSize: 25 });
    const fi = rig.forwarder(insurer, { integration: 'insurer', batchSize: 7 });
    try {
      fe.start();
      fi.start();
      await waitDrained(v.receiver, 'energy', 300);
      await waitDrained(v.receiver, 'insurer', 120);
      await waitAcknowledged(fe, 300).catch(() => undefined);
      assertDelivered(t, v.receiver, 'energy', 300, fe, energy);
      await waitAcknowledged(fi, 120).catch(() => undefined);
      assertDelivered(t, v.receiver, 'insurer', 120, fi, insurer);
      t.deepEqual(v.receiver.deduped('energy').duplicates, [], 'no fault, no duplicate');
      t.is(rig.queue.stats('energy').records, 0, 'acknowledged records left the queue');
      t.is(fe.connectivity.state, 'online');
      t.true(fe.snapshot().serviceLevels.latencySamples > 0);
    } finally {
      await rig.stop();
      await Promise.all([energy.close(), insurer.close()]);
      await v.close();
    }
  });

  test.serial(`${kind}: the vendor's broker killed and restarted mid-stream loses nothing`, async (t) => {
    const v = await maybe(t);
    if (!v) return;
    const rig = new LiveRig();
    const transport = transportTo(v.broker.url, 'energy');
    rig.append('energy', 400);
    const f = rig.forwarder(transport, { integration: 'energy', batchSize: 10, maxRecordsPerSecond: 1500 });
    const states: string[] = [];
    f.connectivity.onChange((s) => states.push(s));
    try {
      f.start();
      await waitFor(() => v.receiver.seqs('energy').length >= 100, 5000, 'the first 100 records');
      await v.broker.stop();
      rig.append('energy', 50); // the home keeps producing while the vendor is down
      await new Promise((resolve) => setTimeout(resolve, 400));
      t.true(rig.queue.stats('energy').records > 0, 'records wait in the queue');
      await waitFor(() => f.connectivity.state === 'offline', 5000, 'the integration to be marked offline').catch(() => undefined);
      t.is(f.connectivity.state, 'offline');
      await v.broker.start();
      await waitDrained(v.receiver, 'energy', 450).catch((e) => {
        const { unique, duplicates } = v.receiver.deduped('energy');
        t.log(`forwarded ${f.counters.forwarded}, receiver unique ${unique.length} dup ${duplicates.length} missing ${range(450).filter((s) => !unique.includes(s)).join(',')}; attempts ${JSON.stringify(transport.attempts.filter((a) => a.outcome !== 'ack'))} states ${transport.states}`);
        throw e;
      });
      await waitAcknowledged(f, 450).catch(() => undefined);
      assertDelivered(t, v.receiver, 'energy', 450, f, transport);
      t.true(states.includes('offline') && states[states.length - 1] === 'online', `states: ${states.join(',')}`);
      t.true(f.counters.failures.unreachable + f.counters.failures.closed > 0);
    } finally {
      await rig.stop();
      await transport.close();
      await v.close();
    }
  });

  test.serial(`${kind}: lost PUBACKs cause duplicates of exactly those batches, which the seqs expose`, async (t) => {
    const v = await maybe(t);
    if (!v) return;
    const proxy = await FaultProxy.start(v.broker.port);
    let pubacks = 0;
    proxy.decide = (direction, packet) => (direction === 'toClient' && packet.cmd === 'puback' && [3, 7].includes(++pubacks) ? 'drop' : 'pass');
    const rig = new LiveRig();
    const transport = transportTo(proxy.url, 'energy');
    rig.append('energy', 100);
    const f = rig.forwarder(transport, { integration: 'energy', batchSize: 10 });
    try {
      f.start();
      await waitDrained(v.receiver, 'energy', 100);
      await f.whenIdle();
      await waitAcknowledged(f, 100).catch(() => undefined);
      assertDelivered(t, v.receiver, 'energy', 100, f, transport);
      t.is(proxy.dropped.length, 2);
      t.deepEqual(v.receiver.deduped('energy').duplicates, [...range(30).slice(20), ...range(60).slice(50)]);
      t.is(f.counters.failures.timeout, 2);
      t.is(f.counters.retried, 20, JSON.stringify(transport.attempts.filter((a) => a.outcome !== 'ack')));
    } finally {
      await rig.stop();
      await transport.close();
      await proxy.close();
      await v.close();
    }
  });

  test.serial(`${kind}: a publish cut in half and a dropped link lose nothing and keep order`, async (t) => {
    const v = await maybe(t);
    if (!v) return;
    const proxy = await FaultProxy.start(v.broker.port);
    let publishes = 0;
    proxy.decide = (direction, packet) => {
      if (direction === 'toBroker' && packet.cmd === 'publish') {
        publishes++;
        if (publishes === 4 || publishes === 9) return 'cut';
        if (publishes === 6) return { delayMs: 150 };
      }
      return 'pass';
    };
    const rig = new LiveRig();
    const transport = transportTo(proxy.url, 'energy');
    rig.append('energy', 120);
    const f = rig.forwarder(transport, { integration: 'energy', batchSize: 10 });
    try {
      f.start();
      await waitDrained(v.receiver, 'energy', 120);
      await f.whenIdle();
      await waitAcknowledged(f, 120).catch(() => undefined);
      assertDelivered(t, v.receiver, 'energy', 120, f, transport);
      t.true(f.counters.failures.closed >= 2, 'both cuts were seen as failed attempts');
      t.true(transport.states.filter((s) => s === 'connected').length >= 3, 'the transport reconnected after each cut');
    } finally {
      await rig.stop();
      await transport.close();
      await proxy.close();
      await v.close();
    }
  });

  test.serial(`${kind}: a vendor that hangs does not slow a live one`, async (t) => {
    const v = await maybe(t);
    if (!v) return;
    const proxy = await FaultProxy.start(v.broker.port);
    const rig = new LiveRig();
    const deadTransport = transportTo(proxy.url, 'insurer');
    const liveTransport = transportTo(v.broker.url, 'energy');
    const dead = rig.forwarder(deadTransport, { integration: 'insurer', batchSize: 10, ackTimeoutMs: 1500 });
    const live = rig.forwarder(liveTransport, { integration: 'energy', batchSize: 10 });
    try {
      await waitFor(() => deadTransport.state() === 'connected' && liveTransport.state() === 'connected', 3000, 'both connected');
      proxy.blackhole = true; // the insurer's broker stops answering, connection stays open
      rig.append('insurer', 60);
      rig.append('energy', 200);
      dead.start();
      live.start();
      await waitDrained(v.receiver, 'energy', 200);
      t.is(dead.counters.forwarded, 0, 'the hung vendor got nothing acknowledged meanwhile');
      t.is(dead.counters.attempts, 1, 'and is still waiting on its first attempt');
      t.is(live.counters.attempts, 20, 'the live vendor needed no retry');
      t.deepEqual(Object.values(live.counters.failures).filter((n) => n > 0), []);
      await waitAcknowledged(live, 200).catch(() => undefined);
      assertDelivered(t, v.receiver, 'energy', 200, live, liveTransport);
      // The vendor recovers: its backlog follows, complete and in order.
      proxy.blackhole = false;
      proxy.cutAll();
      await waitDrained(v.receiver, 'insurer', 60);
      await waitAcknowledged(dead, 60).catch(() => undefined);
      assertDelivered(t, v.receiver, 'insurer', 60, dead, deadTransport);
    } finally {
      await rig.stop();
      await Promise.all([deadTransport.close(), liveTransport.close()]);
      await proxy.close();
      await v.close();
    }
  });
}
