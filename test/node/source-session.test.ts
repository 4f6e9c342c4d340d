// Readings survive a hub restart: the desktop hub subscribes to the home broker at QoS 1 with a
// persistent session under a client id derived from its hub id (modules/hub/runtime.ts asks for it,
// hosts/node/mqtt-brokers.ts keeps it: clean false, PUBACK after the hub took the message), so
// what devices publish at QoS 1 while the hub is down is queued by the broker and delivered later.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { loadConfig } from '../../hosts/node/config.js';
import { mqttCloud } from '../../hosts/node/demo/clouds.js';
import { runHub } from '../../hosts/node/desktop-hub.js';
import { nodeBrokers } from '../../hosts/node/mqtt-brokers.js';
import { sourceClientId } from '../../modules/hub/runtime-brokers.js';
import { decodeEnvelope } from '../../modules/forward/envelope.js';
import { startAedes, startMosquitto, type TestBroker } from '../support/brokers.js';
import { makeContract } from '../support/contracts.js';
import { peerMissing } from '../support/peers.js';
import { waitFor } from '../support/receiver-log.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

for (const kind of ['mosquitto', 'aedes'] as const) {
  test.serial(`${kind}: readings published at QoS 1 while the hub is down are delivered after it restarts`, async (t) => {
    t.timeout(90_000);
    const broker: TestBroker | undefined = kind === 'mosquitto' ? await startMosquitto() : await startAedes();
    if (!broker) {
      peerMissing(t, 'mosquitto', 'only the aedes case runs');
      return;
    }
    const received = new Set<number>();
    const cloud = await mqttCloud('session cloud', 'homes/session', {
      onRaw: (body, contentType) => {
        for (const r of decodeEnvelope(body, contentType).records) {
          const n = (r.data as { f?: { energy?: number } }).f?.energy;
          if (typeof n === 'number') received.add(n);
        }
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'airlock-session-'));
    const contract = makeContract({
      integration: 'session-lab',
      purposes: [{ id: 'advice', description: 'Advice.', requiresConsent: false }],
      streams: [{ stream: 'power', fields: { energy: { purpose: 'advice', transform: { kind: 'keep' } } } }],
    });
    contract.delivery = { ...contract.delivery, topic: 'homes/session', maxRatePerMinute: 6000, credentials: { type: 'mqtt-password', secret: 'token' } };
    writeFileSync(join(dir, 'contract.json'), JSON.stringify(contract));
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ token: 'password' }));
    writeFileSync(
      join(dir, 'airlock.json'),
      JSON.stringify({
        format: 'airlock-config/1',
        hubId: 'session-home',
        dataDir: join(dir, 'data'),
        localBroker: { url: broker.url },
        secretsFile: 'secrets.json',
        integrations: [{ contract: 'contract.json', endpoint: cloud.endpoint }],
        web: false,
      }),
    );
    const config = () => loadConfig(join(dir, 'airlock.json'));
    const device = await mqtt.connectAsync(broker.url);
    // One device per reading: the source's flood gate allows each device 5 messages a second.
    const publish = (n: number) => device.publishAsync(`zigbee2mqtt/session plug ${n}`, JSON.stringify({ energy: n, power: 5 }), { qos: 1 });
    let running = await runHub(config(), { log: quiet });
    try {
      // Ready: a first reading went all the way to the cloud (the subscription exists).
      let probe = 0;
      await waitFor(() => {
        if (received.size === 0 && probe < 200) void publish(++probe);
        return received.size > 0;
      }, 30_000, 'a first reading at the cloud');
      await running.stop();

      const whileDown = Array.from({ length: 30 }, (_, i) => 1000 + i);
      for (const n of whileDown) await publish(n);
      running = await runHub(config(), { log: quiet });
      await waitFor(() => whileDown.every((n) => received.has(n)), 30_000, 'the readings published while the hub was down').catch(() => undefined);
      const missing = whileDown.filter((n) => !received.has(n));
      if (missing.length > 0) t.log(`hub state ${JSON.stringify(running.snapshot().hub)}`);
      t.deepEqual(missing, [], 'readings published while the hub was down were lost');
    } finally {
      await running.stop();
      await device.endAsync(true);
      await cloud.close();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.serial('the home broker binding: persistent session under the stable client id, QoS 1, PUBACK only after the hub took the message', async (t) => {
  t.timeout(30_000);
  const events: string[] = [];
  const clients: { id: string; clean: boolean }[] = [];
  const subscribed: { topic: string; qos: number }[] = [];
  const broker = await startAedes({
    setup: (aedes) => {
      aedes.on('client', (c) => clients.push({ id: c.id, clean: c.clean }));
      aedes.on('subscribe', (subs) => subscribed.push(...subs.map((s) => ({ topic: s.topic, qos: s.qos }))));
      aedes.on('ack', (packet) => {
        if (packet && 'topic' in packet && packet.topic === 'zigbee2mqtt/probe') events.push('puback');
      });
    },
  });
  const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const connection = nodeBrokers({ log, secret: () => undefined, path: (p) => p })(
    { role: 'home', broker: { url: broker.url }, clientId: sourceClientId('binding-home'), subscriptions: ['zigbee2mqtt/#'], persistentSession: true },
    {
      connected: () => events.push('connected'),
      message: (topic) => {
        events.push(`taken ${topic}`);
        if (topic === 'zigbee2mqtt/throws') throw new Error('a defect');
      },
    },
  );
  const device = await mqtt.connectAsync(broker.url);
  try {
    await waitFor(() => events.includes('connected') && subscribed.some((s) => s.topic === 'zigbee2mqtt/#'), 10_000, 'the binding to connect and subscribe');
    t.deepEqual(clients.find((c) => c.id === 'airlock-binding-home-sources'), { id: 'airlock-binding-home-sources', clean: false }, 'a persistent session under the stable client id');
    t.deepEqual(subscribed.filter((s) => s.topic === 'zigbee2mqtt/#').map((s) => s.qos), [1]);
    await device.publishAsync('zigbee2mqtt/throws', '{}', { qos: 1 });
    await device.publishAsync('zigbee2mqtt/probe', '{}', { qos: 1 });
    await waitFor(() => events.includes('puback'), 10_000, 'the PUBACK of the probe');
    t.true(events.indexOf('taken zigbee2mqtt/probe') >= 0 && events.indexOf('taken zigbee2mqtt/probe') < events.indexOf('puback'), `the hub took it before the PUBACK: ${events.join(', ')}`);
    t.true(events.includes('taken zigbee2mqtt/throws'), 'a message the hub threw on is acknowledged, not redelivered forever');
  } finally {
    await device.endAsync(true);
    await connection.close();
    await broker.close();
  }
});
