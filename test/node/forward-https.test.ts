/**
 * Store-and-forward over HTTPS (and MQTT over TLS) against real TLS servers
 * with a certificate made at test time. The HTTPS receiver misbehaves on
 * command: answers 500, hangs, or closes the connection before answering.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { HttpsTransport } from '../../hosts/node/https-transport.js';
import { MqttTransport } from '../../hosts/node/mqtt-transport.js';
import { startAedes } from '../support/brokers.js';
import { LiveRig, RecordingTransport } from '../support/live-rig.js';
import { range, ReceiverLog, waitFor } from '../support/receiver-log.js';
import { makeTestCert, type TestCert } from '../support/tls-cert.js';
import { peerMissing } from '../support/peers.js';

type Misbehaviour = 'ok' | '500' | 'hang' | 'close-early' | 'close-after-read';

interface Receiver {
  url: string;
  log: ReceiverLog;
  /** Behaviour per request, in order; then 'ok'. */
  script: Misbehaviour[];
  headers: Record<string, string | string[] | undefined>[];
  close(): Promise<void>;
}

async function httpsReceiver(cert: TestCert): Promise<Receiver> {
  const log = new ReceiverLog();
  const script: Misbehaviour[] = [];
  const headers: Receiver['headers'] = [];
  const server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const behaviour = script.shift() ?? 'ok';
    if (behaviour === 'close-early') {
      req.socket.destroy(); // before reading: the message never arrives
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      headers.push(req.headers);
      if (behaviour === '500') {
        res.writeHead(500).end('try later');
        return;
      }
      log.add(Buffer.concat(chunks), String(req.headers['content-type']));
      if (behaviour === 'hang') return; // received, never answered: the ack is lost
      if (behaviour === 'close-after-read') {
        req.socket.destroy(); // received, then the connection dies: the ack is lost
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}/ingest/energy`,
    log,
    script,
    headers,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const cert = makeTestCert();

test.serial('https: 500, a hang and early closes lose nothing; duplicates only where the answer was lost', async (t) => {
  if ('skip' in cert) return peerMissing(t, 'openssl', cert.skip);
  const receiver = await httpsReceiver(cert);
  receiver.script.push('ok', '500', 'ok', 'hang', 'ok', 'close-early', 'ok', 'close-after-read', '500', 'ok');
  const rig = new LiveRig();
  const transport = new RecordingTransport(new HttpsTransport({ endpoint: receiver.url, hub: 'hub-test', ca: cert.cert }));
  rig.append('energy', 100);
  const f = rig.forwarder(transport, { integration: 'energy', batchSize: 10, format: 'json', ackTimeoutMs: 400 });
  try {
    f.start();
    await waitFor(() => receiver.log.deduped('energy').unique.length >= 100, 10_000, 'all records at the receiver');
    await f.whenIdle();
    const { unique, duplicates } = receiver.log.deduped('energy');
    t.deepEqual(unique, range(100), 'everything, first copies in order');
    // The hang (3rd delivery, seqs 21-30) and the close after reading (5th, 41-50) lost their answers.
    t.deepEqual(duplicates, [...range(30).slice(20), ...range(50).slice(40)]);
    const allowed = transport.unacknowledgedSeqs();
    t.true(duplicates.every((seq) => allowed.has(seq)));
    t.like(f.counters.failures, { server: 2, timeout: 1, closed: 2 });
    t.is(f.counters.forwarded, 100);
    t.is(receiver.log.seqs('energy').length, 120);
    t.is(rig.queue.stats('energy').records, 0);
    const first = receiver.headers[0]!;
    t.is(first['airlock-seq'], '1-10');
    t.is(first['idempotency-key'], 'hub-test:energy:1-10');
    t.is(first['content-type'], 'application/json');
  } finally {
    await rig.stop();
    await transport.close();
    await receiver.close();
  }
});

test.serial('https: a receiver whose certificate is not trusted gets nothing, and the records wait', async (t) => {
  if ('skip' in cert) return peerMissing(t, 'openssl', cert.skip);
  const receiver = await httpsReceiver(cert);
  const rig = new LiveRig();
  const transport = new HttpsTransport({ endpoint: receiver.url, hub: 'hub-test' }); // no CA: system roots only
  rig.append('energy', 5);
  const f = rig.forwarder(transport, { integration: 'energy' });
  try {
    f.start();
    await waitFor(() => f.counters.attempts >= 2, 3000, 'two attempts');
    t.is(receiver.log.envelopes.length, 0);
    t.is(f.counters.forwarded, 0);
    t.regex(f.counters.lastError!, /TLS verification failed.*ca option/);
    t.is(rig.queue.stats('energy').records, 5);
  } finally {
    await rig.stop();
    await transport.close();
    await receiver.close();
  }
});

test('plain http is refused except, explicitly, for a local test receiver', (t) => {
  t.throws(() => new HttpsTransport({ endpoint: 'http://vendor.example/ingest', hub: 'h' }), { message: /plain http.*https:\/\// });
  t.throws(() => new HttpsTransport({ endpoint: 'http://vendor.example/ingest', hub: 'h', insecurePlainHttpForLocalTests: true }), { message: /plain http/ });
  t.notThrows(() => new HttpsTransport({ endpoint: 'http://127.0.0.1:9/ingest', hub: 'h', insecurePlainHttpForLocalTests: true }));
});

test.serial('mqtts: delivers to a TLS broker trusted through the ca option, and refuses an untrusted one', async (t) => {
  if ('skip' in cert) return peerMissing(t, 'openssl', cert.skip);
  const log = new ReceiverLog();
  const broker = await startAedes({ tls: cert, onPublish: (_topic, payload) => log.add(payload) });
  const rig = new LiveRig();
  const trusted = new RecordingTransport(new MqttTransport({ endpoint: `${broker.url}/airlock/energy`, ca: cert.cert, reconnectPeriodMs: 100 }));
  const untrusted = new MqttTransport({ endpoint: `${broker.url}/airlock/insurer`, reconnectPeriodMs: 100 });
  rig.append('energy', 40);
  rig.append('insurer', 5);
  const fe = rig.forwarder(trusted, { integration: 'energy' });
  const fi = rig.forwarder(untrusted, { integration: 'insurer', ackTimeoutMs: 300 });
  try {
    fe.start();
    fi.start();
    await waitFor(() => log.deduped('energy').unique.length >= 40, 5000, 'energy records');
    t.deepEqual(log.deduped('energy').unique, range(40));
    await waitFor(() => fi.counters.attempts >= 1, 3000, 'an attempt to the untrusted broker');
    t.is(log.seqs('insurer').length, 0);
    t.is(fi.counters.forwarded, 0);
    t.is(rig.queue.stats('insurer').records, 5);
    t.not(untrusted.state(), 'connected');
  } finally {
    await rig.stop();
    await Promise.all([trusted.close(), untrusted.close()]);
    await broker.close();
  }
});
