import test from 'ava';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../hosts/node/embedded-broker.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { Fleet } from '../../tools/dash/fleet.js';
import { ansi, plain, renderFleet, renderHub } from '../../tools/dash/render.js';
import { terminalSafe } from '../../tools/dash/terminal-text.js';

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

// What a hostile publisher would send: clear screen and home, a window title (OSC), a forged
// green "online" row, an 8-bit CSI, DEL, and a right-to-left override that reverses an id.
const ESC_ATTACKS = ['\x1b[2J\x1b[H', '\x1b]0;owned\x07', '\r\x1b[32monline\x1b[0m', '\x9b31m', 'a\x7fb', '\u202eenilno', '\x1bP+q\x1b\\', '\u2066x\u2069'];
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
/** The dashboard's own colour codes are the only escape sequences allowed in its output. */
const withoutOwnStyling = (text: string) => text.replace(/\x1b\[(?:0|1|2|31|33)m/g, '');

test('terminalSafe leaves no control character, ESC, C1 or bidi override, and keeps the text readable', (t) => {
  for (const attack of ESC_ATTACKS) {
    const safe = terminalSafe(`hub-${attack}-1`);
    t.false(CONTROL.test(safe), JSON.stringify(safe));
    t.true(safe.startsWith('hub-') && safe.endsWith('-1'));
  }
  t.is(terminalSafe('\x1b[2Jx'), '\uFFFD[2Jx', 'the ESC is replaced, visibly');
  t.is(terminalSafe('line 1\nline 2'), 'line 1 line 2');
  t.is(terminalSafe('Küche 21.5 °C'), 'Küche 21.5 °C', 'ordinary text is untouched');
});

test('hub ids, integration ids and every state string from the broker are rendered inert', (t) => {
  const fleet = new Fleet();
  ESC_ATTACKS.forEach((attack, n) => {
    const hub = `h${n}${attack}`;
    t.true(fleet.accept(`airlock/${hub}/status`, 'online'));
    t.true(fleet.accept(`airlock/${hub}/state`, JSON.stringify({ uplink: attack, readings_received: attack, malformed_inputs: attack, audit_head_seq: attack })));
    t.true(fleet.accept(`airlock/${hub}/integration/i${attack}/state`, JSON.stringify({
      connectivity: attack, received: attack, forwarded: attack, buffered_records: attack, dropped_quota: attack, retried: attack,
      oldest_buffered_age_s: attack, sla_violations: attack, last_error: attack,
    })));
  });
  const outputs = [renderFleet(fleet, plain), withoutOwnStyling(renderFleet(fleet, ansi))];
  for (const hub of fleet.hubs.values()) outputs.push(renderHub(hub, plain), withoutOwnStyling(renderHub(hub, ansi)));
  // Line breaks are the dashboard's own; none comes from the network (the row count says so).
  for (const text of outputs) t.false(CONTROL.test(text.replace(/\n/g, '')), JSON.stringify(text.replace(/\n/g, '').match(CONTROL)));
  t.is(outputs[0]!.split('\n').length, 1 + ESC_ATTACKS.length, 'one line per hub under the header');
  t.regex(outputs[0]!, /\uFFFD\[2J/, 'the attack is shown as text, not executed');
});

test('airlock dash --once prints no escape sequence a publisher sent', async (t) => {
  const broker = await startEmbeddedBroker();
  t.teardown(() => broker.close());
  const client = await mqtt.connectAsync(broker.url);
  await client.publishAsync('airlock/evil/status', 'online', { retain: true, qos: 1 });
  await client.publishAsync('airlock/evil/state', JSON.stringify({ uplink: '\x1b[2J\x1b]0;owned\x07' }), { retain: true, qos: 1 });
  await client.publishAsync('airlock/evil/integration/x/state', JSON.stringify({ connectivity: '\x9b2J', last_error: '\x1b[31mfake\u202e' }), { retain: true, qos: 1 });
  await client.endAsync();
  const cli = join(repoRoot, 'build/tools/airlock.js');
  for (const extra of [[], ['--hub', 'evil']]) {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'dash', '--broker', broker.url, '--once', '--wait', '500', ...extra]);
    t.regex(stdout, /evil|uplink/);
    t.false(CONTROL.test(stdout.replace(/\n/g, '')), JSON.stringify(stdout));
  }
});
