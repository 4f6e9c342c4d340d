// tools/screenshots.ts, the README's screenshots from the real demo: it starts `airlock run`, sets up
// the owner through the page, waits for deliveries and writes one PNG per page. Run here into a
// temporary folder so docs/screenshots/ is left alone.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../tools/build-web-assets.js';
import { peerMissing } from '../support/peers.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PNG = [0x89, 0x50, 0x4e, 0x47];

test('the screenshot script takes the four pages of the real demo', async (t) => {
  if (!existsSync(CHROMIUM)) return peerMissing(t, 'chromium', 'the screenshot script is not tried');
  t.timeout(240_000);
  const out = mkdtempSync(join(tmpdir(), 'airlock-shots-'));
  try {
    const run = spawn(process.execPath, [join(repoRoot, 'build/tools/screenshots.js'), '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    run.stdout.on('data', (c) => (output += c));
    run.stderr.on('data', (c) => (output += c));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    t.is(code, 0, output);
    t.regex(output, /the demo answers at http:\/\/127\.0\.0\.1:\d+/);
    for (const page of ['overview', 'datamap', 'consent', 'contracts']) {
      const file = join(out, `${page}.png`);
      t.true(existsSync(file), `${page}.png written`);
      const bytes = readFileSync(file);
      t.deepEqual([...bytes.subarray(0, 4)], PNG, `${page}.png is a PNG`);
      t.is(bytes.readUInt32BE(16), 1280, `${page}.png is the page's width`);
      t.true(bytes.readUInt32BE(20) <= 1600, `${page}.png is cut at 1600 px`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
