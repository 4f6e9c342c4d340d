/**
 * Hub settings in Chromium over a real hub (`airlock run --config`, its own
 * process) and two Mosquitto brokers: readings from the first reach a
 * stand-in cloud; on the Settings page the owner points the home broker at
 * the second, which only takes its own users. A wrong password is refused
 * with the broker's reason shown and nothing changes; the right one is saved
 * and readings published on the second broker reach the cloud. The hub is
 * then restarted: the change persisted in its data folder. Without Mosquitto
 * or Chromium the suite says what is missing (a failure with CI=true).
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { mqttCloud } from '../../hosts/node/demo/clouds.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { base32Decode, totp } from '../../modules/web/totp.js';
import { platformCrypto } from '../support/platform.js';
import { freePort, startMosquitto, type TestBroker } from '../support/brokers.js';
import { peerMissing } from '../support/peers.js';
import { repeatUntil, waitFor } from '../support/receiver-log.js';

const CHROMIUM = '/usr/bin/chromium';
const cli = join(repoRoot, 'build/tools/airlock.js');
const PASSWORD = 'tulip window garden 42';
const BROKER_USER = 'airlock-hub';
const BROKER_PASSWORD = 'second broker secret';
const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** `airlock run --config`, with what it printed so far; resolves once the page answers. */
async function runHub(config: string): Promise<{ child: ChildProcess; output: () => string; setupCode: string | undefined; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [cli, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  // The console's full view ends with the brokers' line: the page's address and setup code are above it.
  await waitFor(() => output.includes('Home broker:') || child.exitCode !== null, 20_000, 'the hub to print its page').catch((e) => {
    throw new Error(`${(e as Error).message}\n${output}`);
  });
  if (child.exitCode !== null) throw new Error(`airlock run exited:\n${output}`);
  return {
    child,
    output: () => output,
    setupCode: /setup code: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})/.exec(output)?.[1],
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Publishes a plug reading on `broker` until the cloud has `count` records (the hub may subscribe a moment after it connects). */
function publishUntil(devices: MqttClient, cloud: { received: number }, count: number, what: string): Promise<void> {
  return repeatUntil(
    () => cloud.received >= count,
    (i) => devices.publishAsync('zigbee2mqtt/washing machine plug', JSON.stringify({ power: 1800 + i, energy: 412.5 + i, voltage: 231, linkquality: 99 }), { qos: 1 }),
    { everyMs: 150, times: 300, failure: () => `${what}: only ${cloud.received} of ${count} records reached the cloud` },
  );
}

if (!existsSync(CHROMIUM)) {
  test('settings in the browser (needs Debian chromium)', (t) => {
    t.false(existsSync(CHROMIUM));
    peerMissing(t, 'chromium', `${CHROMIUM} is absent: the settings browser case does not run`);
  });
} else {
  test.serial('the owner moves the home broker to a second Mosquitto on the page, and readings resume at the vendor', async (t) => {
    const first = await startMosquitto();
    const second = await startMosquitto({ users: { [BROKER_USER]: BROKER_PASSWORD } });
    if (!first || !second) {
      await first?.close();
      return peerMissing(t, 'mosquitto', 'the settings browser case needs two Mosquitto brokers');
    }
    const brokers: TestBroker[] = [first, second];
    const cloud = await mqttCloud('energy-saver', 'homes/readings');
    const dir = mkdtempSync(join(tmpdir(), 'airlock-settings-'));
    const webPort = await freePort();
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'energy-saver-token': 'test-password' }));
    const config = join(dir, 'airlock.json');
    writeFileSync(
      config,
      JSON.stringify({
        format: 'airlock-config/1',
        hubId: 'settings-home',
        dataDir: join(dir, 'data'),
        localBroker: { url: first.url },
        secretsFile: 'secrets.json',
        integrations: [{ contract: join(repoRoot, 'docs/examples/energy-saver.json'), endpoint: cloud.endpoint, consent: { 'energy-advice': true } }],
        web: { port: webPort },
      }),
    );
    let hub = await runHub(config);
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'airlock-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: BROWSER_ARGS, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Amsterdam' });
    const onFirst = await mqtt.connectAsync(first.url);
    const onSecond = await mqtt.connectAsync(second.url, { username: BROKER_USER, password: BROKER_PASSWORD });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(String(e)));
      const url = `http://127.0.0.1:${webPort}`;
      const code = (secret: string, step = 0) => totp(platformCrypto, base32Decode(secret), Date.now() + step * 30_000);

      // Readings flow from the first broker.
      await publishUntil(onFirst, cloud, 3, 'from the first broker');

      // The owner's account, from the setup code the hub printed.
      t.truthy(hub.setupCode, hub.output());
      await page.goto(url);
      await page.getByLabel('Setup code').fill(hub.setupCode!);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('.qr svg').waitFor();
      const secret = (await page.locator('#totp-secret').textContent())!.trim();
      await page.getByLabel('Choose a password').fill(PASSWORD);
      await page.getByLabel('Type the password again').fill(PASSWORD);
      await page.getByLabel('6-digit code the app now shows').fill(code(secret));
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();

      // Settings: the second broker with a wrong password is refused, with the broker's reason.
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { name: 'Home broker' }).waitFor();
      t.is(await page.locator('#home-url').inputValue(), first.url);
      await page.locator('#home-url').fill(second.url);
      await page.locator('#home-username').fill(BROKER_USER);
      await page.locator('#home-password').fill('not the password');
      await page.getByRole('button', { name: 'Save home broker' }).click();
      const refusal = page.locator('#home-broker-result [role="alert"]');
      await refusal.waitFor({ timeout: 20_000 });
      const reason = (await refusal.textContent()) ?? '';
      t.regex(reason, new RegExp(`The home broker at ${second.url.replace(/[.:/]/g, '\\$&')} did not accept the hub: .*(Not authorized|Bad username or password).*Nothing was saved`), reason);
      await publishUntil(onFirst, cloud, cloud.received + 1, 'from the first broker after the refusal');

      // The right password: saved, in effect at once.
      await page.locator('#home-password').fill(BROKER_PASSWORD);
      await page.getByRole('button', { name: 'Save home broker' }).click();
      await page.locator('#home-broker-result .msg-ok').getByText('Saved. In effect now: localBroker.').waitFor({ timeout: 20_000 });
      await page.screenshot({ path: join(dir, 'settings.png'), fullPage: true });

      // Readings published on the second broker reach the vendor.
      await publishUntil(onSecond, cloud, cloud.received + 3, 'from the second broker');

      // The password is in the hub's secret store, never in what the page gets, the audit log or the settings document.
      const settings = await page.evaluate(async () => (await fetch('/api/settings')).text());
      t.false(settings.includes(BROKER_PASSWORD));
      t.true(JSON.parse(settings).localBroker.passwordSet);
      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.getByText(`localBroker: ${second.url} as ${BROKER_USER} with a password`).first().waitFor();
      t.false((await page.content()).includes(BROKER_PASSWORD));
      t.deepEqual(problems, []);

      // The time zone the page shows times in: the audit log's times follow it at once.
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.locator('#hub-tz').fill('Pacific/Auckland');
      await page.getByRole('button', { name: 'Save hub' }).click();
      await page.locator('#hub-form-result .msg-ok').getByText('In effect now: timeZone.').waitFor();
      await page.getByRole('link', { name: 'Audit log' }).click();
      const row = page.getByRole('row').filter({ hasText: 'timeZone: Pacific/Auckland' });
      const shownAt = (await row.getByRole('cell').nth(1).textContent()) ?? '';
      const [inZone, inBrowser] = await page.evaluate(async () => {
        const entry = ((await (await fetch('/api/audit?limit=1')).json()) as { entries: { at: string }[] }).entries[0]!;
        const style = { dateStyle: 'medium', timeStyle: 'short' } as const;
        return [new Date(entry.at).toLocaleString(undefined, { ...style, timeZone: 'Pacific/Auckland' }), new Date(entry.at).toLocaleString(undefined, style)];
      });
      t.is(shownAt, inZone, "the audit log shows the hub's time zone");
      t.not(inZone, inBrowser, "(the browser's own zone would show another time)");

      // A restart keeps it: the hub comes back on the second broker (the data folder, not the file).
      await hub.stop();
      const stored = readFileSync(join(dir, 'data', 'store.json'), 'utf8');
      t.true(stored.includes('"settings"'), 'the settings are in the data folder');
      hub = await runHub(config);
      await publishUntil(onSecond, cloud, cloud.received + 3, 'from the second broker after a restart');
    } catch (error) {
      t.log(hub.output());
      throw error;
    } finally {
      await onFirst.endAsync();
      await onSecond.endAsync();
      await context.close();
      await hub.stop();
      await cloud.close();
      for (const broker of brokers) await broker.close();
    }
  });
}
