/**
 * `node build/tools/screenshots.js` (after `npm run build`): the README's and
 * docs/web.md's screenshots, taken from the real demo rather than a stand-in.
 *
 * Starts `airlock run` as `npm start` does (the demo with its embedded
 * defaults) on a fresh data folder, waits until it prints its page's address
 * and first-time setup code and the page answers, sets up the owner through
 * the page as a person would (setup code, password, the TOTP code for the
 * secret the page shows), waits until every integration has had records
 * delivered, then screenshots the overview, data map, consent and contracts
 * pages into docs/screenshots/ with Chromium (playwright-core; /usr/bin/chromium,
 * or the browser $CHROMIUM names). Nothing is kept of the demo's data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCrypto } from '../hosts/node/crypto.js';
import { base32Decode, totp } from '../modules/web/totp.js';
import { repoRoot, webAssetsDir } from './build-web-assets.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** Where they go: docs/screenshots/, or the folder after `--out` (the test uses a temporary one). */
const OUT = process.argv[2] === '--out' && process.argv[3] ? process.argv[3] : join(repoRoot, 'docs', 'screenshots');
const CLI = join(repoRoot, 'build', 'tools', 'airlock.js');
const PASSWORD = 'screenshots only, thrown away';
/** Long pages (the data map's table) are cut here: the top says what the page is. */
const MAX_HEIGHT = 1600;
const STARTUP_MS = 60_000;
const DELIVERY_MS = 120_000;

interface Demo {
  child: ChildProcess;
  output(): string;
  url: string;
  setupCode: string;
}

/** Starts the demo and resolves once it has printed its page's address and setup code. */
function startDemo(dataDir: string): Promise<Demo> {
  const child = spawn(process.execPath, [CLI, 'run', '--data', dataDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`it printed no page address and setup code within ${STARTUP_MS / 1000} s`), STARTUP_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      reject(new Error(`screenshots: the demo did not start: ${why}.\n${output}`));
    };
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /Web page: (http:\/\/\S+)\s+first-time setup code: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})/.exec(output);
      if (!found) return;
      clearTimeout(timer);
      child.stdout!.off('data', read);
      resolve({ child, output: () => output, url: found[1]!.replace(/\/$/, ''), setupCode: found[2]! });
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(`it exited (code ${code})`));
  });
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`screenshots: timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stopDemo(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function main(): Promise<number> {
  for (const [path, what] of [[CLI, 'the CLI'], [join(webAssetsDir, 'manifest.json'), 'the page\'s assets']] as const) {
    if (!existsSync(path)) {
      console.error(`screenshots: ${what} (${path}) is missing: run \`npm run build\` first`);
      return 2;
    }
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`screenshots: no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM to its path`);
    return 2;
  }
  const { chromium } = await import('playwright-core');
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-screenshots-'));
  const profile = mkdtempSync(join(tmpdir(), 'airlock-screenshots-chromium-'));
  let demo: Demo | undefined;
  try {
    demo = await startDemo(dataDir);
    const { url, setupCode } = demo;
    await until('the page to answer', STARTUP_MS, async () => ((await fetch(`${url}/api/session`)).ok ? true : undefined));
    console.log(`screenshots: the demo answers at ${url}`);

    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 860 },
      locale: 'en-GB',
    });
    try {
      const page = await context.newPage();
      // First boot, as the owner does it: the setup code from the console, a password, the authenticator code.
      await page.goto(url);
      await page.getByLabel('Setup code').fill(setupCode);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('.qr svg').waitFor();
      const secret = (await page.locator('#totp-secret').textContent())!.trim();
      await page.getByLabel('Choose a password').fill(PASSWORD);
      await page.getByLabel('Type the password again').fill(PASSWORD);
      await page.getByLabel('6-digit code the app now shows').fill(totp(nodeCrypto, base32Decode(secret), Date.now()));
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();

      // The simulated devices talk every two seconds: wait until each integration has had records delivered.
      await until('every integration to have records delivered', DELIVERY_MS, () =>
        page.evaluate(async () => {
          const overview = (await (await fetch('/api/overview')).json()) as { integrations: { forwarded: number }[] };
          return overview.integrations.length > 0 && overview.integrations.every((i) => i.forwarded > 0) ? true : undefined;
        }),
      );

      mkdirSync(OUT, { recursive: true });
      for (const [link, heading, file] of [
        ['Data map', 'Data map', 'datamap'],
        ['Consent', 'Consent', 'consent'],
        ['Contracts', 'Contracts', 'contracts'],
        ['Overview', 'Overview', 'overview'],
      ] as const) {
        await page.getByRole('link', { name: link, exact: true }).click();
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        const height = await page.evaluate<number>('document.documentElement.scrollHeight');
        const path = join(OUT, `${file}.png`);
        await page.screenshot({ path, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.min(height, MAX_HEIGHT) } });
        console.log(`screenshots: ${path}`);
      }
    } finally {
      await context.close();
    }
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    if (demo) console.error(`the demo's output:\n${demo.output()}`);
    return 1;
  } finally {
    if (demo) await stopDemo(demo.child);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

process.exit(await main());
