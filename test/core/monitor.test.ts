import test from 'ava';
import { discoveryDocument } from '../../modules/monitor/discovery.js';
import { Monitor, type PublishOptions } from '../../modules/monitor/publisher.js';
import type { MonitorSnapshot } from '../../modules/monitor/status.js';
import { integrationStatus, snapshot } from '../support/monitor-fixtures.js';
import { makeTestHost } from '../support/test-host.js';

const options = { hubId: 'home-1', version: '0.1.0', model: 'test' };

// Home Assistant's device-based discovery requires a device with identifiers, an origin with a
// name, and components that each name their platform (`p`) and a unique_id.
test('the discovery document has what Home Assistant requires for device-based discovery', (t) => {
  const { topic, payload } = discoveryDocument(options, snapshot([integrationStatus('energy-saver'), integrationStatus('leak.insurer')]));
  t.is(topic, 'homeassistant/device/home-1/config');
  const dev = payload.dev as Record<string, unknown>;
  t.true(Array.isArray(dev.ids) && (dev.ids as string[]).length > 0);
  t.is(typeof dev.name, 'string');
  t.is((payload.o as Record<string, unknown>).name, 'airlock');
  const cmps = payload.cmps as Record<string, Record<string, unknown>>;
  const ids = new Set<string>();
  for (const [key, c] of Object.entries(cmps)) {
    t.true(c.p === 'sensor' || c.p === 'binary_sensor', key);
    t.regex(String(c.unique_id), /^[a-zA-Z0-9_-]+$/);
    t.false(ids.has(String(c.unique_id)), `unique_id ${c.unique_id} repeats`);
    ids.add(String(c.unique_id));
    t.is(c.entity_category, 'diagnostic');
  }
  const forwarded = cmps['airlock_home-1_energy-saver_forwarded']!;
  t.is(forwarded.state_class, 'total_increasing');
  t.is(forwarded.state_topic, 'airlock/home-1/integration/energy-saver/state');
  t.is(cmps['airlock_home-1_leak_insurer_buffered_bytes']!.state_class, 'measurement');
  t.is(payload.availability_topic, 'airlock/home-1/status');
});

function harness(initial: MonitorSnapshot) {
  const host = makeTestHost();
  const sent: { topic: string; payload: string; options: PublishOptions }[] = [];
  let state = initial;
  const monitor = new Monitor(
    { ...options, minIntervalMs: 1000 },
    { publish: (topic, payload, o) => void sent.push({ topic, payload, options: o }), timers: host.timers, clock: host.clock, read: () => state },
  );
  return { host, sent, monitor, set: (next: MonitorSnapshot) => (state = next) };
}

test('on connect: online (retained), discovery, and every state document', (t) => {
  const { sent, monitor } = harness(snapshot([integrationStatus('energy-saver')]));
  monitor.connected();
  t.deepEqual(sent[0], { topic: 'airlock/home-1/status', payload: 'online', options: { retain: true, qos: 1 } });
  t.is(sent[1]!.topic, 'homeassistant/device/home-1/config');
  t.true(sent[1]!.options.retain);
  const state = sent.find((m) => m.topic === 'airlock/home-1/integration/energy-saver/state')!;
  t.like(JSON.parse(state.payload), { forwarded: 0, dropped_quota: 0, connectivity: 'online' });
});

test('state is published on change, at most once per interval, and only what changed', (t) => {
  const { host, sent, monitor, set } = harness(snapshot([integrationStatus('a'), integrationStatus('b')]));
  monitor.connected();
  const before = sent.length;
  set(snapshot([integrationStatus('a', { forwarded: 1 }), integrationStatus('b')]));
  monitor.changed();
  monitor.changed();
  t.is(sent.length, before, 'nothing inside the minimum interval');
  host.timers.advance(1000);
  const fresh = sent.slice(before).map((m) => m.topic);
  t.deepEqual(fresh, ['airlock/home-1/integration/a/state'], 'b did not change, hub state did not change');
  set(snapshot([integrationStatus('a', { forwarded: 2 }), integrationStatus('b')]));
  host.timers.advance(5000);
  monitor.changed();
  t.is(sent.at(-1)!.topic, 'airlock/home-1/integration/a/state', 'after the interval it goes out at once');
});

test("Home Assistant's birth message brings discovery again; a new integration updates it", (t) => {
  const { host, sent, monitor, set } = harness(snapshot([integrationStatus('a')]));
  monitor.connected();
  const count = () => sent.filter((m) => m.topic === 'homeassistant/device/home-1/config').length;
  t.is(count(), 1);
  monitor.message('homeassistant/status', 'offline');
  t.is(count(), 1);
  monitor.message('homeassistant/status', 'online');
  t.is(count(), 2);
  set(snapshot([integrationStatus('a'), integrationStatus('c')]));
  monitor.changed();
  host.timers.advance(1000);
  t.is(count(), 3);
  const doc = JSON.parse(sent.filter((m) => m.topic === 'homeassistant/device/home-1/config').at(-1)!.payload);
  t.truthy(doc.cmps['airlock_home-1_c_forwarded']);
});

test('alerts are not retained and a graceful stop says offline', (t) => {
  const { sent, monitor } = harness(snapshot([]));
  monitor.alert({ kind: 'sla.violation', integration: 'a', message: 'p95 latency 9 s > 2 s promised' });
  t.false(sent[0]!.options.retain);
  t.like(JSON.parse(sent[0]!.payload), { kind: 'sla.violation', hub: 'home-1' });
  monitor.stopping();
  t.deepEqual(sent.at(-1), { topic: 'airlock/home-1/status', payload: 'offline', options: { retain: true, qos: 1 } });
});
