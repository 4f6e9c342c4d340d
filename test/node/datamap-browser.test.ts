/**
 * The data map at a real home's scale, in Chromium (playwright-core) over the
 * real composed hub (test/support/hub-web-rig.ts) serving the built page: 50
 * devices on zigbee2mqtt, Tasmota, ESPHome and BTHome, fed through the hub's
 * own sources, and five companies. Checks the grouping (company → purpose →
 * kind of data), expanding a kind to its devices, zigbee2mqtt friendly names,
 * naming a Tasmota plug on the page, the device and company filters, and that
 * the page stays short. Screenshots go to build/screenshots/; with AIRLOCK_UPDATE_SCREENSHOTS=1 to
 * docs/screenshots/ (docs/web.md shows them), so a test run leaves the tree as it was.
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebServer } from '../../hosts/node/http-server.js';
import { loadWebAssets } from '../../hosts/node/web-assets.js';
import { buildWebAssets, repoRoot, webAssetsDir } from '../../tools/build-web-assets.js';
import { bthomeMac, homeContracts, tasmotaTopic, zigbeeName } from '../support/home-fixture.js';
import { makeHubWebRig } from '../support/hub-web-rig.js';
import { peerMissing } from '../support/peers.js';
import { OWNER_PASSWORD } from '../support/web-client.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.AIRLOCK_UPDATE_SCREENSHOTS === '1' ? join(repoRoot, 'docs', 'screenshots') : join(repoRoot, 'build', 'screenshots');
const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The whole data map page, diagram included, with every kind folded (the old table alone was 11 700 px for 7 devices). */
const MAX_PAGE_HEIGHT = 5000;

if (!existsSync(CHROMIUM)) {
  test('data map browser suite (needs Debian chromium)', (t) => {
    t.false(existsSync(CHROMIUM));
    peerMissing(t, 'chromium', `${CHROMIUM} is absent: the 50-device data map is not checked in a browser`);
  });
} else {
  test.serial('50 devices and 5 companies: grouped, expandable, named, filterable, and short enough to read', async (t) => {
    const { chromium } = await import('playwright-core');
    if (!existsSync(join(webAssetsDir, 'manifest.json'))) buildWebAssets();
    mkdirSync(SHOTS, { recursive: true });
    const r = makeHubWebRig(homeContracts(), {}, { home: 50, assets: loadWebAssets(webAssetsDir) });
    for (const [integration, purpose] of [['energy-saver', 'energy-advice'], ['energy-saver', 'tariff-optimisation'], ['leak-insurer', 'policy-discount'], ['health-sensors', 'room-comfort']]) {
      r.hub.giveConsent(integration!, purpose!, 'owner:owner');
    }
    const { secret } = await r.setUpOwner();
    const server = await startWebServer(r.router);
    const profile = mkdtempSync(join(tmpdir(), 'airlock-chromium-'));
    const context = await chromium
      .launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: BROWSER_ARGS, viewport: { width: 1280, height: 860 }, locale: 'en-GB' })
      .catch(async (error) => {
        await server.close();
        await r.close();
        throw error;
      });
    const page = await context.newPage();
    try {
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
      const height = () => page.evaluate('document.documentElement.scrollHeight') as Promise<number>;

      await page.goto(server.url);
      await page.getByLabel('Account name').fill('owner');
      await page.getByLabel('Password').fill(OWNER_PASSWORD);
      await page.getByLabel('6-digit code from your authenticator app').fill(r.code(secret));
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.getByRole('link', { name: 'Data map' }).click();
      await page.getByRole('heading', { name: 'Data map' }).waitFor();

      // Grouped: one card per company, a block per purpose, a line per kind of data.
      const companies = page.locator('main section.card');
      await companies.first().waitFor();
      t.deepEqual(await companies.locator('h2').allTextContents(), ['Wattwise Energy Services', 'Northshore Insurance', 'Sentinel Home Security', 'CareLink Telehealth', 'Stroomnet Flex']);
      t.is(await page.locator('#map-count').textContent(), '5 companies receive data from 50 of your 51 devices.');
      const carelink = companies.filter({ has: page.getByRole('heading', { name: 'CareLink Telehealth' }) });
      const temperature = carelink.getByRole('row').filter({ has: page.getByRole('cell', { name: 'temperature', exact: true }) });
      t.is(await temperature.locator('summary').textContent(), '22 devices');
      t.is(await companies.getByRole('cell', { name: '(device identity)' }).count(), 8, 'the device identity once per purpose, not once per device');
      t.true(await page.locator('figure svg path').count() > 0, 'the diagram is drawn');
      const folded = await height();
      t.true(folded <= MAX_PAGE_HEIGHT, `the page is ${folded} px tall with 50 devices`);
      t.false(await temperature.locator('ul.devices').isVisible(), 'devices stay folded until asked for');
      await shot('datamap-50-devices');

      // Expanding a kind lists its devices by name: zigbee2mqtt's friendly names, labels for the others.
      await temperature.locator('summary').click();
      const list = temperature.locator('ul.devices');
      await list.waitFor();
      t.is(await list.locator('li').count(), 22);
      await list.getByText(zigbeeName(0), { exact: true }).waitFor();
      await list.getByText(`BTHome sensor ${bthomeMac(0)}`, { exact: true }).waitFor();
      await list.getByText('ESPHome node-1', { exact: true }).waitFor();

      // Naming a Tasmota plug on the page.
      const plug = `tasmota:${tasmotaTopic(0)}`;
      await page.locator('#naming summary').click();
      await page.getByLabel(`Name for ${plug}`, { exact: true }).fill('Office desk plug');
      await page.getByRole('row').filter({ has: page.getByLabel(`Name for ${plug}`, { exact: true }) }).getByRole('button', { name: 'Save' }).click();
      await page.getByText(`${plug} is now called "Office desk plug".`).waitFor();
      await page.locator('#naming summary').click();
      await page.locator('#naming').screenshot({ path: join(SHOTS, 'datamap-naming.png') });
      t.is(r.hub.deviceNames.get(plug), 'Office desk plug', 'the hub kept the name');
      t.true(r.hub.audit.entries((e) => e.details.event === 'device.named').length === 1, 'and audited it');

      // Filtering by device: only the companies that receive its data, its lines opened.
      await page.getByLabel('Device', { exact: true }).fill('office desk');
      await page.getByText('Showing 2 of 5 companies and 1 of 51 devices.').waitFor();
      t.deepEqual(await companies.locator('h2').allTextContents(), ['Wattwise Energy Services', 'Stroomnet Flex']);
      const senders = await companies.locator('tbody td:last-child').allTextContents();
      t.is(senders.length, 6, 'power, energy and the device identity for two purposes at Wattwise, power and identity at Stroomnet');
      t.deepEqual([...new Set(senders)], ['Office desk plug'], 'only that device is listed, by its given name');
      await shot('datamap-filter-device');

      // Filtering by company.
      await page.getByLabel('Device', { exact: true }).fill('');
      await page.getByLabel('Company', { exact: true }).selectOption({ label: 'Northshore Insurance' });
      await page.getByText(/^Showing 1 of 5 companies/).waitFor();
      t.deepEqual(await companies.locator('h2').allTextContents(), ['Northshore Insurance']);
      await page.getByLabel('Company', { exact: true }).selectOption({ label: 'All companies' });
      await page.getByText('5 companies receive data from 50 of your 51 devices.').waitFor();

      // On a phone: nothing wider than the screen, and still far shorter than the old table.
      await page.locator('#naming summary').click(); // fold the naming list again
      await page.setViewportSize({ width: 390, height: 844 });
      const phone = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')) as [number, number];
      t.true(phone[0] <= 390, `nothing scrolls sideways on a 390 px screen (page is ${phone[0]} px wide)`);
      t.true(phone[1] <= 2 * MAX_PAGE_HEIGHT, `the page is ${phone[1]} px tall on a phone`);
      await shot('datamap-50-devices-phone');

      t.deepEqual(problems, [], 'no script errors or CSP violations');
    } catch (error) {
      await page.screenshot({ path: join(repoRoot, 'artifacts', 'datamap-failure.png'), fullPage: true }).catch(() => {});
      throw error;
    } finally {
      await context.close();
      await server.close();
      await r.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
}
