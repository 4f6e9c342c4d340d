import test from 'ava';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../hosts/node/embedded-broker.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { Fleet } from '../../tools/dash/fleet.js';
import { renderFleet, renderHub } from '../../tools/dash/render.js';

test('the fleet folds hub topics into rows and ignores malformed documents', (t) => {
  const fleet = new Fleet();
  t.true(fleet.accept('airlock/a/status', 'online'));
  t.true(fleet.accept('airlock/a/integration/x/state', JSON.stringify({ forwarded: 5, buffered_records: 2, sla_violations: 1, connectivity: 'online' })));
  t.true(fleet.accept('airlock/b/status', 'offline'));
  t.false(fleet.accept('airlock/b/state', '{not json'));
  t.false(fleet.accept('zigbee2mqtt/kitchen', '{}'));
  const text = renderFleet(fleet);
  t.regex(text, /1\. a\s+online/);
  t.regex(text, /2\. b\s+OFFLINE/);
  t.regex(renderHub(fleet.hubs.get('a')!), /x\s+online\s+0\s+5\s+2/);
});

test('airlock dash --once reads retained hub topics from a real broker', async (t) => {
  const broker = await startEmbeddedBroker();
  t.teardown(() => broker.close());
  const client = await mqtt.connectAsync(broker.url);
  await client.publishAsync('airlock/home-1/status', 'online', { retain: true, qos: 1 });
  await client.publishAsync('airlock/home-1/state', JSON.stringify({ uplink: 'local-only' }), { retain: true, qos: 1 });
  await client.publishAsync('airlock/home-1/integration/energy-saver/state', JSON.stringify({ forwarded: 12, buffered_records: 3, connectivity: 'offline' }), { retain: true, qos: 1 });
  await client.publishAsync('airlock/home-2/status', 'offline', { retain: true, qos: 1 });
  await client.endAsync();
  const cli = join(repoRoot, 'build/tools/airlock.js');
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'dash', '--broker', broker.url, '--once', '--wait', '500']);
  t.regex(stdout, /1\. home-1\s+online\s+local-only\s+1\s+12\s+3/);
  t.regex(stdout, /2\. home-2\s+OFFLINE/);
  const hub = await promisify(execFile)(process.execPath, [cli, 'dash', '--broker', broker.url, '--once', '--wait', '500', '--hub', 'home-1']);
  t.regex(hub.stdout, /energy-saver\s+offline/);
});

test('airlock dash explains what it needs', async (t) => {
  const cli = join(repoRoot, 'build/tools/airlock.js');
  const error = await t.throwsAsync(promisify(execFile)(process.execPath, [cli, 'dash'], { env: { ...process.env, AIRLOCK_BROKER: '' } }));
  t.regex(String((error as { stderr?: string }).stderr), /--broker <mqtt-url> is required/);
  const help = await promisify(execFile)(process.execPath, [cli, 'dash', '--help']);
  t.regex(help.stdout, /usage: airlock dash/);
});
