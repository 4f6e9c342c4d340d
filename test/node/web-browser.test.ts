/**
 * The hub's page in a real browser (Debian Chromium driven by playwright-core)
 * against the node HTTP server serving the router over DemoFacade: first-boot
 * setup with the console's setup code, TOTP enrolment, login with TOTP,
 * withdrawing consent, approving a contract change, export then delete.
 * Screenshots of every page go to artifacts/screenshots/ (kept by CI).
 * Without /usr/bin/chromium the suite says what is missing and does nothing else;
 * with CI=true that is a failure (test/support/peers.ts).
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebServer, type WebServer } from '../../hosts/node/http-server.js';
import { makeNodeHost, type NodeHost } from '../../hosts/node/host.js';
import { loadWebAssets } from '../../hosts/node/web-assets.js';
import type { LogFields } from '../../modules/host.js';
import { describeAuthEvent } from '../../modules/web/auth.js';
import { createWebRouter } from '../../modules/web/router.js';
import { base32Decode, totp } from '../../modules/web/totp.js';
import { buildWebAssets, repoRoot, webAssetsDir } from '../../tools/build-web-assets.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { utf8 } from '../../modules/bytes.js';
import { Hub } from '../../modules/hub/hub.js';
import { auditAuthEvent, createHubFacade } from '../../modules/hub/web-facade.js';
import { makeContract } from '../support/contracts.js';
import { DemoFacade } from '../support/demo-facade.js';
import { FakeTransport } from '../support/fake-transport.js';
import { memoryArchive } from '../support/hub-web-rig.js';
import { peerMissing } from '../support/peers.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(repoRoot, 'artifacts', 'screenshots');
const PASSWORD = 'tulip window garden 42';
const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

if (!existsSync(CHROMIUM)) {
  test('browser suite (needs Debian chromium)', (t) => {
    t.false(existsSync(CHROMIUM));
    peerMissing(t, 'chromium', `${CHROMIUM} is absent: the browser suite (setup, TOTP login, consent, approval, exit) does not run`);
  });
} else {
  test.serial('the homeowner sets up the hub, logs in with TOTP and governs their data in Chromium', async (t) => {
    const { chromium } = await import('playwright-core');
    mkdirSync(SHOTS, { recursive: true });
    if (!existsSync(join(webAssetsDir, 'manifest.json'))) buildWebAssets();

    const dataDir = mkdtempSync(join(tmpdir(), 'airlock-web-'));
    const profile = mkdtempSync(join(tmpdir(), 'airlock-chromium-'));
    const consoleLines: { message: string; fields?: LogFields | undefined }[] = [];
    const quiet = (message: string, fields?: LogFields) => void consoleLines.push({ message, fields });
    const host: NodeHost = makeNodeHost({ dataDir, log: { debug: quiet, info: quiet, warn: quiet, error: quiet } });
    const facade = new DemoFacade({ clock: host.clock, crypto: host.crypto });
    const router = createWebRouter({
      ...host,
      facade,
      assets: loadWebAssets(webAssetsDir),
      onAuthEvent: (event) => facade.recordAuth(event.kind, event.name ?? null, describeAuthEvent(event)),
    });
    router.auth.boot();
    const setupCode = consoleLines.find((l) => l.message.includes('setup code'))?.fields?.code as string;
    t.regex(setupCode, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/, 'the setup code was printed on the console');

    const server: WebServer = await startWebServer(router);
    // A new, empty profile for every run (playwright takes it as the persistent context's user-data-dir).
    const context = await chromium
      .launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: BROWSER_ARGS,
        viewport: { width: 1280, height: 860 },
        acceptDownloads: true,
        locale: 'en-GB',
        timezoneId: 'Europe/Amsterdam',
      })
      .catch(async (error) => {
        await server.close();
        host.close();
        throw error;
      });
    const page = await context.newPage();
    try {
      const problems: string[] = [];
      page.on('console', (m) => {
        // The app's deliberate 401s (wrong code) are logged by Chromium as failed resources; anything else is a problem.
        if (m.type() === 'error' && !/status of 40[01]/.test(m.text())) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('request', (r) => {
        const url = r.url();
        if (!url.startsWith(server.url) && !url.startsWith('blob:') && !url.startsWith('data:')) problems.push(`request outside the hub: ${url}`);
      });
      const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
      const code = (secret: string, stepOffset = 0) => totp(host.crypto, base32Decode(secret), Date.now() + stepOffset * 30_000);

      // First boot: setup code from the console, then password and TOTP enrolment.
      await page.goto(server.url);
      await page.getByRole('heading', { name: 'Set up your hub' }).waitFor();
      await shot('01-setup');
      await page.getByLabel('Setup code').fill(setupCode);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('.qr svg').waitFor();
      const secret = (await page.locator('#totp-secret').textContent())!.trim();
      t.regex(secret, /^[A-Z2-7]{32}$/);
      await page.getByLabel('Choose a password').fill(PASSWORD);
      await page.getByLabel('Type the password again').fill(PASSWORD);
      await page.getByLabel('6-digit code the app now shows').fill(code(secret));
      await shot('02-enrol-totp');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      t.truthy(await page.getByText('Welcome, owner').count());

      // Log out, then log in with the password and the next TOTP code (the enrolment code cannot be replayed).
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('heading', { name: 'Log in to your hub' }).waitFor();
      await page.getByLabel('Account name').fill('owner');
      await page.getByLabel('Password').fill('not my password');
      await page.getByLabel('6-digit code from your authenticator app').fill(code(secret, 1));
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').getByText('not right').waitFor();
      await page.waitForTimeout(1100); // the failed attempt costs one second
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('6-digit code from your authenticator app').fill(code(secret, 1));
      await shot('03-login');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.getByText('AquaGuard leak monitor').first().waitFor();
      await shot('04-overview');

      // Data map: table and diagram.
      await page.getByRole('link', { name: 'Data map' }).click();
      await page.getByRole('heading', { name: 'Data map' }).waitFor();
      t.is(await page.locator('figure svg path').count() > 0, true, 'the diagram has bands');
      await shot('05-datamap');

      // Consent: the page says what will be purged; withdrawing is one click.
      await page.getByRole('link', { name: 'Consent' }).click();
      const row = page.locator('#consent-greenwatt-energy-advice');
      await row.getByText('will be deleted before they are sent').waitFor();
      await shot('06-consent');
      await page.locator('#withdraw-greenwatt-energy-advice').click();
      await page.getByText('Consent withdrawn: GreenWatt energy saver').waitFor();
      t.is(await row.locator('.badge').textContent(), 'Withdrawn');
      t.false(facade.consent().find((c) => c.purpose === 'energy-advice')!.given, 'the hub recorded the withdrawal');
      await page.getByRole('link', { name: 'Data map' }).click();
      const advice = page.locator('.purpose-block').filter({ has: page.getByRole('heading', { name: 'Energy-saving advice' }) });
      t.is(await advice.locator('.badge').textContent(), 'Not flowing: no consent', 'the data map shows the flow stopped');

      // Contracts: the pending change's diff, then approve.
      await page.getByRole('link', { name: 'Contracts' }).click();
      await page.getByText('Proposed change: 2.0.0 → 2.1.0').waitFor();
      await shot('07-contracts');
      await page.locator('#approve-aquaguard').click();
      await page.getByText('Approved: AquaGuard leak monitor contract 2.1.0 is now in force.').waitFor();
      t.is(facade.pendingChange('aquaguard'), null);

      await page.getByRole('link', { name: 'Counters' }).click();
      await page.locator('figure polyline').first().waitFor();
      await shot('08-counters');
      await page.getByRole('link', { name: 'Incidents' }).click();
      await page.getByText('OVERDUE').waitFor();
      await shot('09-incidents');
      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.getByText('✓ Verified').waitFor();
      t.truthy(await page.getByText('Contract 2.1.0 for AquaGuard leak monitor approved').count());
      await shot('10-audit');

      // Exit: download the export, then delete with the typed confirmation; a receipt appears.
      await page.getByRole('link', { name: 'Leaving' }).click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-greenwatt').click()]);
      t.regex(download.suggestedFilename(), /^airlock-greenwatt-\d{4}-\d{2}-\d{2}\.json$/);
      const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
      t.is(exported.integration, 'greenwatt');
      t.true(await page.locator('#delete-greenwatt').isDisabled(), 'delete stays locked until the name is typed');
      await page.getByLabel('To confirm, type greenwatt').fill('greenwatt');
      await page.locator('#delete-greenwatt').click();
      await page.getByRole('heading', { name: 'Receipt: GreenWatt energy saver ended' }).waitFor();
      await shot('11-exit-receipt');
      t.is(await page.locator('#export-greenwatt').count(), 0, 'GreenWatt is gone');

      await page.getByRole('link', { name: 'People' }).click();
      await page.getByRole('heading', { name: 'Invite someone' }).waitFor();
      await shot('12-people');

      // Changing the password: the current one, the new one twice; the page says what happened.
      await page.getByRole('link', { name: 'Password' }).click();
      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByLabel('New password', { exact: true }).fill('an even longer passphrase');
      await page.getByLabel('New password again').fill('an even longer passphrase');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText(/Password changed\. \d+ other session/).waitFor();
      await shot('13-password');

      t.deepEqual(problems, [], 'no script errors, CSP violations or requests outside the hub');
      const events = facade.audit(500).entries.map((e) => e.kind);
      t.true(events.includes('auth.login') && events.includes('auth.login-failed') && events.includes('auth.account-created'), 'logins and failures reached the audit log');
    } catch (error) {
      await page.screenshot({ path: join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
      throw error;
    } finally {
      await context.close();
      await server.close();
      host.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    }
  });
  test.serial('the same page over the real composed Hub: consent purges, approval applies, the audit chain verifies, exit deletes', async (t) => {
    const { chromium } = await import('playwright-core');
    mkdirSync(SHOTS, { recursive: true });
    if (!existsSync(join(webAssetsDir, 'manifest.json'))) buildWebAssets();
    const dataDir = mkdtempSync(join(tmpdir(), 'airlock-web-hub-'));
    const profile = mkdtempSync(join(tmpdir(), 'airlock-chromium-'));
    const consoleLines: { message: string; fields?: LogFields | undefined }[] = [];
    const quiet = (message: string, fields?: LogFields) => void consoleLines.push({ message, fields });
    const host: NodeHost = makeNodeHost({ dataDir, flashBytes: 128 * 1024, log: { debug: quiet, info: quiet, warn: quiet, error: quiet } });
    const transports = new Map<string, FakeTransport>();
    const saver = makeContract({
      purposes: [{ id: 'energy-advice', description: 'Advice on lowering electricity use.', requiresConsent: true }],
      streams: [{ stream: 'power', fields: { power: { purpose: 'energy-advice', transform: { kind: 'round', step: 10 } } } }],
    });
    const insurer = makeContract({ integration: 'leak-insurer' });
    insurer.vendor.name = 'Northshore Insurance';
    const hub = new Hub(
      { hubId: 'browser-hub', version: '0.1.0', model: 'desktop', integrations: [{ contract: saver }, { contract: insurer }], sources: { zigbee2mqtt: {} } },
      {
        host,
        auditFlash: new MemoryFlash(16 * 4096, 4096),
        archive: memoryArchive(),
        transport: (id, endpoint) => {
          const transport = new FakeTransport(endpoint, () => host.clock.monotonic());
          transport.fallback = 'unreachable'; // the vendors are away: records wait in the hub
          transports.set(id, transport);
          return transport;
        },
      },
    );
    hub.start();
    hub.acceptMqtt('zigbee2mqtt/bridge/devices', utf8(JSON.stringify([{ ieee_address: '0x00158d0001d4e5f6', friendly_name: 'kitchen plug', definition: { model: 'X', vendor: 'Y' } }])));
    hub.giveConsent('energy-saver', 'energy-advice', 'owner:owner');
    for (let i = 0; i < 4; i++) hub.acceptMqtt('zigbee2mqtt/kitchen plug', utf8(JSON.stringify({ power: 100 + i, voltage: 231 })));
    const wider = makeContract({ integration: 'leak-insurer' });
    wider.vendor.name = 'Northshore Insurance';
    wider.version = '1.1.0';
    wider.streams[0]!.fields.current = { purpose: 'energy-advice', transform: { kind: 'keep' } };
    hub.installContract(wider);
    const facade = createHubFacade(hub, { clock: host.clock, timers: host.timers });
    const router = createWebRouter({ ...host, facade, assets: loadWebAssets(webAssetsDir), onAuthEvent: auditAuthEvent(hub) });
    router.auth.boot();
    const setupCode = consoleLines.find((l) => l.message.includes('setup code'))?.fields?.code as string;
    const server: WebServer = await startWebServer(router);
    const context = await chromium
      .launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: BROWSER_ARGS, viewport: { width: 1280, height: 860 }, acceptDownloads: true, locale: 'en-GB' })
      .catch(async (error) => {
        await server.close();
        facade.stop();
        await hub.stop();
        host.close();
        throw error;
      });
    const page = await context.newPage();
    try {
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && !/status of 40[01]/.test(m.text())) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      const shot = (name: string) => page.screenshot({ path: join(SHOTS, `hub-${name}.png`), fullPage: true });
      const code = (secret: string) => totp(host.crypto, base32Decode(secret), Date.now());

      await page.goto(server.url);
      await page.getByLabel('Setup code').fill(setupCode);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('.qr svg').waitFor();
      const secret = (await page.locator('#totp-secret').textContent())!.trim();
      await page.getByLabel('Choose a password').fill(PASSWORD);
      await page.getByLabel('Type the password again').fill(PASSWORD);
      await page.getByLabel('6-digit code the app now shows').fill(code(secret));
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.getByText('Northshore Insurance').first().waitFor();
      await shot('01-overview');

      await page.getByRole('link', { name: 'Data map' }).click();
      await page.getByRole('heading', { name: 'Data map' }).waitFor();
      t.true((await page.locator('figure svg path').count()) > 0, 'the kitchen plug\'s flows are drawn');
      await shot('02-datamap');

      // The last consented purpose: the preview says everything waiting goes, and it does.
      await page.getByRole('link', { name: 'Consent' }).click();
      await page.locator('#consent-energy-saver-energy-advice').getByText('all 4 record(s) waiting in the hub').waitFor();
      await shot('03-consent');
      await page.locator('#withdraw-energy-saver-energy-advice').click();
      await page.getByText('4 waiting record(s) deleted').waitFor();
      t.is(hub.buffer.stats('energy-saver').records, 0, 'the hub purged the buffered records');

      await page.getByRole('link', { name: 'Contracts' }).click();
      await page.getByText('Proposed change: 1.0.0 → 1.1.0').waitFor();
      await shot('04-contracts');
      await page.locator('#approve-leak-insurer').click();
      await page.getByText('Approved: Northshore Insurance contract 1.1.0 is now in force.').waitFor();
      t.is(hub.contract('leak-insurer')!.version, '1.1.0');

      await page.getByRole('link', { name: 'Counters' }).click();
      await page.getByRole('heading', { name: 'Counters' }).waitFor();
      await page.getByRole('link', { name: 'Incidents' }).click();
      await page.getByRole('heading', { name: 'Incidents' }).waitFor();
      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.getByText('✓ Verified').waitFor();
      t.truthy(await page.getByText('Contract 1.1.0 for Northshore Insurance approved').count());
      await shot('05-audit');

      await page.getByRole('link', { name: 'Leaving' }).click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-energy-saver').click()]);
      const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
      t.is(exported.format, 'airlock-exit/2');
      await page.getByLabel('To confirm, type energy-saver').fill('energy-saver');
      await page.locator('#delete-energy-saver').click();
      await page.getByRole('heading', { name: 'Receipt: Wattwise Energy Services ended' }).waitFor();
      await shot('06-exit-receipt');
      t.deepEqual(hub.integrations, ['leak-insurer']);
      t.true(hub.audit.verify().ok);
      t.true(hub.audit.entries().some((e) => e.action === 'auth.login'), 'the login reached the hub\'s audit log');
      t.deepEqual(problems, [], 'no script errors or CSP violations');
    } catch (error) {
      await page.screenshot({ path: join(SHOTS, 'hub-failure.png'), fullPage: true }).catch(() => {});
      throw error;
    } finally {
      await context.close();
      await server.close();
      facade.stop();
      await hub.stop();
      host.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    }
  });
}
