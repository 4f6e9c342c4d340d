/**
 * Adding and removing an integration from the page, in Chromium, over a real
 * desktop hub (`runHub`, the runtime `airlock run` starts) fed by simulated
 * devices through Mosquitto: the test writes a fresh contract file, uploads
 * it, sees the preview name the simulated devices, enters a wrong token (the
 * stand-in cloud's 401 shows as the integration's error on the page), gives
 * consent, replaces the token (records reach the cloud), then exports and
 * removes the integration and checks the data folder: no contract file, no
 * epoch secrets, no token left in the store. Screenshots go to
 * artifacts/screenshots/. Without chromium or Mosquitto the suite says what is
 * missing; with CI=true that is a failure (test/support/peers.ts).
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { checkConfig } from '../../hosts/node/config.js';
import { runHub, type RunningHub } from '../../hosts/node/desktop-hub.js';
import { decodeEnvelope } from '../../modules/forward/envelope.js';
import { readInstalled } from '../../modules/hub/integration-installer.js';
import { totp, base32Decode } from '../../modules/web/totp.js';
import { buildWebAssets, repoRoot, webAssetsDir } from '../../tools/build-web-assets.js';
import { makeContract } from '../support/contracts.js';
import { freePort, startMosquitto } from '../support/brokers.js';
import { peerMissing } from '../support/peers.js';
import { repeatUntil, waitFor } from '../support/receiver-log.js';
import { platformCrypto } from '../support/platform.js';
import { FileStore } from '../../hosts/node/file-store.js';
import { toHex, utf8 } from '../../modules/bytes.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(repoRoot, 'artifacts', 'screenshots');
const PASSWORD = 'tulip window garden 42';
const TOKEN = 'hc-live-7Q2x9';
const ID = 'homeclimate';
const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The vendor's stand-in: accepts deliveries only with the right bearer token, 401 otherwise. */
async function tokenCloud(): Promise<{ url: string; records: number; refused: number; close(): Promise<void> }> {
  const state = { records: 0, refused: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        state.refused++;
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unknown token"}');
        return;
      }
      state.records += decodeEnvelope(new Uint8Array(Buffer.concat(chunks)), String(req.headers['content-type'])).records.length;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/ingest`,
    get records() {
      return state.records;
    },
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

test.serial('an integration is added from its contract file, delivers with its token, and is removed without a trace', async (t) => {
  if (!existsSync(CHROMIUM)) return peerMissing(t, 'chromium', `${CHROMIUM} is absent: adding an integration in the browser is not tested`);
  const broker = await startMosquitto();
  if (!broker) return peerMissing(t, 'mosquitto', 'adding an integration in the browser is not tested');
  const { chromium } = await import('playwright-core');
  mkdirSync(SHOTS, { recursive: true });
  if (!existsSync(join(webAssetsDir, 'manifest.json'))) buildWebAssets();

  const dir = mkdtempSync(join(tmpdir(), 'airlock-add-'));
  const cloud = await tokenCloud();
  // The contract the vendor hands over, as a file the test writes.
  const contract = makeContract({
    integration: ID,
    purposes: [{ id: 'comfort', description: 'Comfort advice for your heating.', requiresConsent: true }],
    streams: [{ stream: 'power', fields: { power: { purpose: 'comfort', transform: { kind: 'round', step: 10 } } } }],
  });
  contract.vendor.name = 'HomeClimate';
  contract.delivery = { endpoint: 'https://ingest.homeclimate.example', path: '/v1/records', maxRatePerMinute: 600, batchSize: 10, credentials: { type: 'bearer', secret: 'homeclimate-token' } } as never;
  const contractFile = join(dir, 'homeclimate.json');
  writeFileSync(contractFile, JSON.stringify(contract, null, 2));
  const webPort = await freePort();
  const config = checkConfig(
    { format: 'airlock-config/1', hubId: 'browser-home', dataDir: join(dir, 'data'), localBroker: { url: broker.url }, sources: { zigbee2mqtt: {} }, web: { port: webPort }, monitorIntervalMs: 200 },
    join(dir, 'airlock.json'),
  );
  const quiet = () => undefined;
  let hub: RunningHub | undefined = await runHub(config, { log: { debug: quiet, info: quiet, warn: quiet, error: quiet } });
  const devices = await mqtt.connectAsync(broker.url);
  const profile = mkdtempSync(join(tmpdir(), 'airlock-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: BROWSER_ARGS, viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'en-GB' });
  const page = await context.newPage();
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const publish = async (power: number) => {
    await devices.publishAsync('zigbee2mqtt/bridge/devices', JSON.stringify([{ ieee_address: '0x00158d0001d4e5f6', friendly_name: 'hall radiator plug', definition: { model: 'X', vendor: 'Y' } }]));
    await devices.publishAsync('zigbee2mqtt/hall radiator plug', JSON.stringify({ power, voltage: 230, energy: 2.5 }));
  };
  try {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    // Setup with the console's code, TOTP enrolment.
    await page.goto(hub.web!.url);
    await page.getByLabel('Setup code').fill(hub.setupCode!);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('.qr svg').waitFor();
    const secret = (await page.locator('#totp-secret').textContent())!.trim();
    await page.getByLabel('Choose a password').fill(PASSWORD);
    await page.getByLabel('Type the password again').fill(PASSWORD);
    await page.getByLabel('6-digit code the app now shows').fill(totp(platformCrypto, base32Decode(secret), Date.now()));
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    // The simulated device is known before the contract arrives (the hub's subscription may lag its start: repeat until it is seen).
    await repeatUntil(() => (hub!.snapshot().hub.readingsReceived ?? 0) > 0, (i) => publish(900 + i), { everyMs: 100, times: 100, failure: () => 'the hub never took a reading' });

    // Upload the contract file; a broken paste first shows its errors with paths.
    await page.goto(`${hub.web!.url}/#/contracts`);
    await page.getByRole('heading', { name: 'Add a service' }).waitFor();
    await page.locator('#contract-text').fill('{"format": "airlock-contract/1", "integration": "x"}');
    await page.getByRole('button', { name: 'Check and preview' }).click();
    await page.locator('#contract-errors').getByText('vendor').first().waitFor();
    await page.locator('#contract-file').setInputFiles(contractFile);
    await page.waitForFunction("document.getElementById('contract-text').value.includes('homeclimate')");
    await page.locator('#contract-endpoint').fill(cloud.url);
    await page.getByRole('button', { name: 'Check and preview' }).click();
    await page.locator('#preview-devices').getByText('hall radiator plug').waitFor();
    t.regex((await page.locator('#add-preview').textContent())!, /Comfort advice for your heating/);
    t.regex((await page.locator('#add-preview').textContent())!, /127\.0\.0\.1/);
    await shot('20-add-integration-preview');
    // A wrong token first.
    await page.getByLabel('Credential “homeclimate-token” (bearer)').fill('not-the-token');
    await page.locator('#install-integration').click();
    await page.getByText('Installed homeclimate 1.0.0. Nothing is sent until consent is given').waitFor();

    // Consent, then the vendor's refusal shows as the integration's error.
    await page.goto(`${hub.web!.url}/#/consent`);
    await page.locator(`#give-${ID}-comfort`).click();
    await page.getByText('Consent given').waitFor();
    await repeatUntil(() => cloud.refused > 0, (i) => publish(1000 + i), { everyMs: 100, times: 300, failure: () => 'the cloud never saw the wrong token' });
    t.is(cloud.records, 0);
    await waitFor(() => hub!.snapshot().integrations.some((i) => i.id === ID && i.lastError !== null), 15_000, 'the refusal to be the integration\'s error');
    await page.goto(`${hub.web!.url}/#/overview`);
    const card = page.getByRole('region', { name: 'HomeClimate' });
    await card.getByText('Last error').waitFor();
    t.regex((await card.textContent())!, /401/);
    await shot('21-add-integration-wrong-token');

    // The right token: records arrive at the cloud that requires it.
    await page.goto(`${hub.web!.url}/#/contracts`);
    const contractCard = page.locator(`#contract-${ID}`);
    await contractCard.getByText('Replace its credential').click();
    await contractCard.getByLabel('New credential for HomeClimate').fill(TOKEN);
    await contractCard.getByRole('button', { name: 'Replace' }).click();
    await page.getByText('Credential of HomeClimate replaced.').waitFor();
    await repeatUntil(() => cloud.records > 0, (i) => publish(1100 + i), { everyMs: 100, times: 300, failure: () => 'no records reached the cloud with the right token' });
    t.true(cloud.records > 0);
    t.false((await page.content()).includes(TOKEN), 'the token is never shown');

    // Remove: export, then delete with the typed confirmation.
    await page.goto(`${hub.web!.url}/#/exit`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`#export-${ID}`).click()]);
    t.regex(download.suggestedFilename(), /^airlock-homeclimate-/);
    await page.locator(`#confirm-${ID}`).fill(ID);
    await page.locator(`#delete-${ID}`).click();
    await page.locator('#deletion-receipt').waitFor();
    await shot('22-add-integration-removed');
    t.deepEqual(problems, []);
    await hub.stop();
    hub = undefined;

    // The data folder: no contract file, no token, no epoch secrets, nothing in the installed list.
    const dataDir = join(dir, 'data');
    t.deepEqual(readdirSync(join(dataDir, 'contracts')).filter((f) => f.startsWith(`${ID}@`)), []);
    const storeText = readFileSync(join(dataDir, 'store.json'), 'utf8');
    t.false(storeText.includes(TOKEN));
    t.false(storeText.includes('not-the-token'));
    const store = new FileStore(join(dataDir, 'store.json'));
    t.deepEqual(store.keys('secrets'), []);
    t.deepEqual(readInstalled(store), []);
    // The keyring names an integration's epoch secrets "s" + 10 hex of SHA-256("airlock-id:" + id) + the epoch (modules/keyring.ts).
    const tag = toHex(platformCrypto.sha256(utf8(`airlock-id:${ID}`))).slice(0, 10);
    t.deepEqual(store.keys('keyring').filter((k) => k.startsWith(`s${tag}`)), [], 'no epoch secret of the integration is left');
    t.true(store.keys('keyring').includes(`e${tag}`), 'only its epoch counter stays, so a re-add starts a new epoch');
  } finally {
    await context.close();
    await hub?.stop();
    await devices.endAsync();
    await cloud.close();
    await broker.close();
  }
});
