/**
 * The hub's page in a real browser (Debian Chromium driven by playwright-core)
 * against the node HTTP server serving the router over the real hub and its
 * facade (the household of test/support/web-fixture.ts, on simulated flash and
 * manual time): first-boot setup with the console's setup code, TOTP
 * enrolment, login with TOTP, withdrawing consent (the hub purges), approving
 * a contract change (the hub applies it), counters, an overdue incident, the
 * audit chain, export then delete, people and password.
 * Screenshots of every page go to artifacts/screenshots/ (kept by CI).
 * Without /usr/bin/chromium the suite says what is missing and does nothing else;
 * with CI=true that is a failure (test/support/peers.ts).
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebServer, type WebServer } from '../../hosts/node/http-server.js';
import { loadWebAssets } from '../../hosts/node/web-assets.js';
import { buildWebAssets, repoRoot, webAssetsDir } from '../../tools/build-web-assets.js';
import { peerMissing } from '../support/peers.js';
import { makeWebFixture } from '../support/web-fixture.js';

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
  test.serial('the homeowner sets up the real hub, logs in with TOTP and governs their data in Chromium', async (t) => {
    const { chromium } = await import('playwright-core');
    mkdirSync(SHOTS, { recursive: true });
    if (!existsSync(join(webAssetsDir, 'manifest.json'))) buildWebAssets();

    const f = makeWebFixture({ assets: loadWebAssets(webAssetsDir) });
    const { hub, host } = f;
    const printed = host.lines.find((l) => l.message.includes('setup code'))?.fields?.code;
    t.is(printed, f.setupCode, 'the setup code was printed on the console');
    t.regex(f.setupCode, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);

    const profile = mkdtempSync(join(tmpdir(), 'airlock-chromium-'));
    const server: WebServer = await startWebServer(f.router);
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
        await f.close();
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

      // First boot: setup code from the console, then password and TOTP enrolment.
      await page.goto(server.url);
      await page.getByRole('heading', { name: 'Set up your hub' }).waitFor();
      await shot('01-setup');
      await page.getByLabel('Setup code').fill(f.setupCode);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('.qr svg').waitFor();
      const secret = (await page.locator('#totp-secret').textContent())!.trim();
      t.regex(secret, /^[A-Z2-7]{32}$/);
      await page.getByLabel('Choose a password').fill(PASSWORD);
      await page.getByLabel('Type the password again').fill(PASSWORD);
      await page.getByLabel('6-digit code the app now shows').fill(f.code(secret));
      await shot('02-enrol-totp');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      t.truthy(await page.getByText('Welcome, owner').count());

      // Log out, then log in with the password and the next TOTP code (the enrolment code cannot be replayed).
      host.clock.advance(30_000);
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('heading', { name: 'Log in to your hub' }).waitFor();
      await page.getByLabel('Account name').fill('owner');
      await page.getByLabel('Password').fill('not my password');
      await page.getByLabel('6-digit code from your authenticator app').fill(f.code(secret));
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').getByText('not right').waitFor();
      host.clock.advance(1_000); // the failed attempt costs one second
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('6-digit code from your authenticator app').fill(f.code(secret));
      await shot('03-login');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.getByText('AquaGuard').first().waitFor();
      await shot('04-overview');

      // Data map: table and diagram.
      await page.getByRole('link', { name: 'Data map' }).click();
      await page.getByRole('heading', { name: 'Data map' }).waitFor();
      t.true((await page.locator('figure svg path').count()) > 0, 'the diagram has bands');
      await shot('05-datamap');

      // Consent: energy advice is the last purpose GreenWatt may use, so the page says everything waiting goes, and it does.
      await page.getByRole('link', { name: 'Consent' }).click();
      const row = page.locator('#consent-greenwatt-energy-advice');
      await row.getByText('all 4 record(s) waiting in the hub').waitFor();
      await shot('06-consent');
      await page.locator('#withdraw-greenwatt-energy-advice').click();
      await page.getByText(/Consent withdrawn: GreenWatt .*4 waiting record\(s\) deleted/).waitFor();
      t.is(await row.locator('.badge').textContent(), 'Withdrawn');
      t.false(hub.consent.isGiven('greenwatt', 'energy-advice'), 'the hub recorded the withdrawal');
      t.is(hub.buffer.stats('greenwatt').records, 0, 'the hub purged the waiting records');
      await page.getByRole('link', { name: 'Data map' }).click();
      const advice = page.locator('main section.card').filter({ has: page.getByRole('heading', { name: 'GreenWatt' }) }).locator('.purpose-block').filter({ has: page.getByRole('heading', { name: 'Advice on lowering electricity use' }) });
      t.is(await advice.locator('.badge').textContent(), 'Not flowing: no consent', 'the data map shows the flow stopped');

      // Contracts: the pending change's diff, then approve.
      await page.getByRole('link', { name: 'Contracts' }).click();
      await page.getByText('Proposed change: 2.0.0 → 2.1.0').waitFor();
      await shot('07-contracts');
      await page.locator('#approve-aquaguard').click();
      await page.getByText('Approved: AquaGuard contract 2.1.0 is now in force.').waitFor();
      t.is(hub.contract('aquaguard')!.version, '2.1.0', 'the hub applies the approved contract');
      t.is(hub.changes.pending('aquaguard'), undefined);

      // Counters: two minutes of the hub's time give the charts their samples.
      await f.run(2 * 60_000);
      await page.getByRole('link', { name: 'Counters' }).click();
      await page.locator('figure polyline').first().waitFor();
      await shot('08-counters');
      await page.getByRole('link', { name: 'Incidents' }).click();
      await page.getByText('OVERDUE').waitFor();
      await shot('09-incidents');
      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.getByText('✓ Verified').waitFor();
      t.truthy(await page.getByText('Contract 2.1.0 for AquaGuard approved').count());
      await shot('10-audit');

      // Exit: download the export, then delete with the typed confirmation; a receipt appears.
      await page.getByRole('link', { name: 'Leaving' }).click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-greenwatt').click()]);
      t.regex(download.suggestedFilename(), /^airlock-greenwatt-\d{4}-\d{2}-\d{2}\.json$/);
      const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
      t.is(exported.integration, 'greenwatt');
      t.is(exported.format, 'airlock-exit/2');
      t.true(await page.locator('#delete-greenwatt').isDisabled(), 'delete stays locked until the name is typed');
      await page.getByLabel('To confirm, type greenwatt').fill('greenwatt');
      await page.locator('#delete-greenwatt').click();
      await page.getByRole('heading', { name: 'Receipt: GreenWatt ended' }).waitFor();
      await shot('11-exit-receipt');
      t.is(await page.locator('#export-greenwatt').count(), 0, 'GreenWatt is gone');
      t.deepEqual(hub.integrations, ['aquaguard', 'safehome']);

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
      t.true(hub.audit.verify().ok, 'the audit chain verifies');
      const actions = hub.audit.entries().map((e) => (e.action === 'config.changed' ? String(e.details.event) : e.action));
      t.true(actions.includes('auth.login') && actions.includes('auth.login-failed') && actions.includes('auth.account-created'), 'logins and failures reached the hub\'s audit log');
    } catch (error) {
      await page.screenshot({ path: join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
      throw error;
    } finally {
      await context.close();
      await server.close();
      await f.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
}
