/**
 * Connections on demand against a real Mosquitto, through the desktop's own
 * transports (hosts/node/transports.ts) and a session pool: sessions open
 * when there are records, close when idle and open again; under a cap the
 * integrations take turns and every record still arrives, in order. The
 * number of open connections is counted by TCP proxies in front of the
 * broker, not by the hub. A command the vendor sends while the session is
 * closed waits on the broker and arrives when the session next opens.
 */
import test, { type ExecutionContext } from 'ava';
import type { MqttClient } from 'mqtt';
import { nodeTimers } from '../../hosts/node/host.js';
import { makeTransport } from '../../hosts/node/transports.js';
import type { Forwarder } from '../../modules/forward/forwarder.js';
import { SessionPool, type SessionOptions } from '../../modules/forward/sessions.js';
import type { Transport } from '../../modules/forward/transport.js';
import { startMosquitto, subscribe, type TestBroker } from '../support/brokers.js';
import { ConnectionMeter } from '../support/connection-meter.js';
import { makeContract } from '../support/contracts.js';
import { LiveRig } from '../support/live-rig.js';
import { peerMissing } from '../support/peers.js';
import { range, ReceiverLog, waitFor } from '../support/receiver-log.js';

interface Bench {
  broker: TestBroker;
  receiver: ReceiverLog;
  meter: ConnectionMeter;
  rig: LiveRig;
  pool: SessionPool;
  lane(integration: string, proxyPort: number): { transport: Transport; forwarder: Forwarder };
  close(): Promise<void>;
}

async function bench(t: ExecutionContext, options: SessionOptions): Promise<Bench | undefined> {
  const broker = await startMosquitto();
  if (!broker) {
    peerMissing(t, 'mosquitto', 'connections on demand are not checked against a real broker');
    return undefined;
  }
  const receiver = new ReceiverLog();
  const subscriber: MqttClient = await subscribe(broker.url, 'airlock/+', (_topic, payload, redelivery) => receiver.add(payload, 'application/cbor', redelivery));
  const meter = new ConnectionMeter();
  const rig = new LiveRig();
  const pool = new SessionPool(options, { clock: rig.clock, timers: nodeTimers });
  const transports: Transport[] = [];
  return {
    broker,
    receiver,
    meter,
    rig,
    pool,
    lane(integration, proxyPort) {
      const contract = makeContract({ integration });
      const transport = makeTransport(`mqtt://127.0.0.1:${proxyPort}/airlock/${integration}`, contract, { hubId: 'hub-test', secret: () => 'password', sessions: pool });
      transports.push(transport);
      const forwarder = rig.forwarder(transport, { integration, batchSize: 20, ackTimeoutMs: 3_000 });
      forwarder.start();
      return { transport, forwarder };
    },
    async close() {
      await rig.stop();
      await Promise.all(transports.map((transport) => transport.close()));
      await pool.close();
      await subscriber.endAsync(true);
      await meter.close();
      await broker.close();
    },
  };
}

function assertInOrder(t: ExecutionContext, receiver: ReceiverLog, integration: string, count: number): void {
  t.deepEqual(receiver.deduped(integration).unique, range(count), `${integration}: every record, first copies in order`);
}

test.serial('mosquitto: three integrations under a cap of two take turns; idle sessions close and open again; every record in order', async (t) => {
  const b = await bench(t, { maxSessions: 2, idleMs: 400, turnMs: 150 });
  if (!b) return;
  try {
    const ports = [await b.meter.proxy(b.broker.port), await b.meter.proxy(b.broker.port), await b.meter.proxy(b.broker.port)];
    const ids = ['energy', 'heating', 'water'];
    const lanes = ids.map((id, i) => b.lane(id, ports[i]!));
    t.is(b.meter.opened, 0, 'no connection before there is something to send');

    for (const [round, count] of [[1, 600], [2, 300]] as const) {
      for (const id of ids) b.rig.append(id, count);
      for (const { forwarder } of lanes) forwarder.notify();
      const total = round === 1 ? 600 : 900;
      await waitFor(() => lanes.every(({ forwarder }) => forwarder.counters.forwarded === total), 30_000, `round ${round} delivered`);
      t.true(b.meter.maxOpen <= 2, `never more than two connections open (saw ${b.meter.maxOpen})`);
      // Nothing more to send: every session closes after its idle time.
      await waitFor(() => b.meter.open === 0, 10_000, `round ${round}: the idle sessions to close`);
    }
    t.true(b.meter.opened >= 6, `the sessions opened again for the second round (${b.meter.opened} connections)`);
    t.is(b.pool.stats().maxOpen, 2);
    const waits = lanes.reduce((sum, { forwarder }) => sum + (forwarder.snapshot().session?.waits ?? 0), 0);
    t.true(waits > 0, 'an integration waited its turn');
    for (const id of ids) assertInOrder(t, b.receiver, id, 900);
    t.true(lanes.every(({ forwarder }) => forwarder.counters.failures.unreachable === 0), 'waiting for a session is not a failure');
  } finally {
    await b.close();
  }
});

test.serial('mosquitto: two integrations of one endpoint share its session under a cap of one; a command sent while it is closed arrives when it opens', async (t) => {
  const b = await bench(t, { maxSessions: 1, idleMs: 300, turnMs: 150 });
  if (!b) return;
  let vendor: MqttClient | undefined;
  try {
    const shared = await b.meter.proxy(b.broker.port);
    const other = await b.meter.proxy(b.broker.port);
    const energy = b.lane('energy', shared);
    const solar = b.lane('solar', shared);
    const water = b.lane('water', other);
    const commands: string[] = [];
    energy.transport.onCommand?.((payload) => commands.push(new TextDecoder().decode(payload)));
    // Listening opened the session once (the subscription exists on the broker), then it went idle.
    await waitFor(() => b.meter.opened >= 1 && b.meter.open === 0, 10_000, 'the first visit to open and close');

    for (const id of ['energy', 'solar', 'water']) b.rig.append(id, 400);
    for (const lane of [energy, solar, water]) lane.forwarder.notify();
    await waitFor(() => [energy, solar, water].every(({ forwarder }) => forwarder.counters.forwarded === 400), 30_000, 'all delivered');
    t.is(b.meter.maxOpen, 1, 'one connection at a time');
    for (const id of ['energy', 'solar', 'water']) assertInOrder(t, b.receiver, id, 400);
    await waitFor(() => b.meter.open === 0, 10_000, 'the idle session to close');

    // The vendor sends a command while the hub's session is closed: the broker keeps it (QoS 1, persistent session).
    const client = await (await import('mqtt')).default.connectAsync(b.broker.url);
    vendor = client;
    await client.publishAsync('airlock/energy/commands/hub-test', 'while-closed', { qos: 1 });
    t.deepEqual(commands, [], 'not received while closed');
    const opensBefore = b.meter.opened;
    b.rig.append('energy', 5);
    energy.forwarder.notify();
    await waitFor(() => commands.includes('while-closed'), 10_000, 'the kept command at the next open');
    await waitFor(() => energy.forwarder.counters.forwarded === 405, 10_000, 'the new records');
    t.true(b.meter.opened > opensBefore, 'the session opened for the new records');
    assertInOrder(t, b.receiver, 'energy', 405);
  } finally {
    await vendor?.endAsync(true);
    await b.close();
  }
});

test.serial('http: two integrations of one endpoint share one keep-alive socket, closed when idle and opened again; under a cap of one a second endpoint takes turns', async (t) => {
  const receiver = new ReceiverLog();
  const meter = { open: 0, maxOpen: 0, opened: 0 };
  const servers = await Promise.all([0, 1].map(() => httpReceiver(receiver, meter)));
  const rig = new LiveRig();
  const pool = new SessionPool({ maxSessions: 1, idleMs: 300, turnMs: 150 }, { clock: rig.clock, timers: nodeTimers });
  const lane = (integration: string, url: string) => {
    const transport = makeTransport(`${url}/ingest`, makeContract({ integration }), { hubId: 'hub-test', secret: () => 'token', sessions: pool });
    const forwarder = rig.forwarder(transport, { integration, batchSize: 20, format: 'json', ackTimeoutMs: 3_000 });
    forwarder.start();
    return { transport, forwarder };
  };
  const lanes = [lane('energy', servers[0]!.url), lane('solar', servers[0]!.url), lane('water', servers[1]!.url)];
  try {
    for (const round of [1, 2]) {
      for (const id of ['energy', 'solar', 'water']) rig.append(id, 200);
      for (const { forwarder } of lanes) forwarder.notify();
      await waitFor(() => lanes.every(({ forwarder }) => forwarder.counters.forwarded === 200 * round), 30_000, `round ${round} delivered`);
      await waitFor(() => meter.open === 0, 10_000, `round ${round}: the idle socket to close`);
    }
    t.is(meter.maxOpen, 1, 'one socket at a time: shared by energy and solar, taking turns with water');
    t.true(meter.opened >= 4, `sockets opened again after idle closes (${meter.opened})`);
    for (const id of ['energy', 'solar', 'water']) assertInOrder(t, receiver, id, 400);
  } finally {
    await rig.stop();
    await Promise.all(lanes.map(({ transport }) => transport.close()));
    await pool.close();
    for (const server of servers) await server.close();
  }
});

/** A plain-HTTP receiver on loopback that acknowledges every POST and counts its open connections. */
async function httpReceiver(receiver: ReceiverLog, meter: { open: number; maxOpen: number; opened: number }): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      receiver.add(new Uint8Array(Buffer.concat(chunks)), String(request.headers['content-type']));
      response.writeHead(200).end();
    });
  });
  server.on('connection', (socket) => {
    meter.open++;
    meter.opened++;
    meter.maxOpen = Math.max(meter.maxOpen, meter.open);
    socket.on('close', () => meter.open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
