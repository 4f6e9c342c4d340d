/**
 * The hub page's weight and the cost of its password hash.
 * - web.gzipBytes: every asset of the page, gzipped as the hub stores and serves them (target <= 100 KB).
 * - web.xs.meterPerPbkdf2Iteration: one PBKDF2-HMAC-SHA256 iteration in pure JS (@noble) inside XS: the
 *   upper bound; on the ESP32 the SHA-256 runs natively (docs/web.md sizes the iteration count).
 * - web.xs.meterPerPbkdf2LoopJs: the JavaScript part of the ESP32 host's PBKDF2 loop (hosts/moddable/crypto.ts:
 *   the XOR of each 32-byte block as eight words), with the native HMAC replaced by a stand-in that costs one call.
 * - web.xs.meterPerSessionRequest: the router answering GET /api/session (parsing, cookie, headers, JSON).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWebAssets } from '../tools/build-web-assets.js';
import { meterInXs } from './xs.js';
import type { BenchRow } from './types.js';

const XS_ENTRY = `
import { nobleCrypto as c } from './hosts/xs/crypto.ts';
import { createWebRouter } from './modules/web/router.ts';
import { MemoryStore } from './hosts/sim/memory-store.ts';
import { ManualClock } from './hosts/sim/manual-time.ts';
import { SeededRandom } from './hosts/sim/seeded-random.ts';
import { measure, done } from './bench/xs-harness.ts';
const password = new TextEncoder().encode('correct horse battery');
const salt = new Uint8Array(16).fill(9);
const ITER = 50;
measure('pbkdf2x50', () => c.pbkdf2Sha256(password, salt, ITER, 32), 4);
// The ESP32 loop with a stand-in for the native HMAC: what the JavaScript around it costs.
const fixed = new Uint8Array(32).fill(5).buffer;
const prf = { process: (...parts) => fixed };
function moddableLoop(iterations) {
  let u = prf.process(salt.buffer);
  const t = new Uint32Array(u.slice(0));
  for (let i = 1; i < iterations; i++) {
    u = prf.process(u);
    const view = new Uint32Array(u);
    for (let k = 0; k < 8; k++) t[k] ^= view[k];
  }
  return t;
}
measure('loopx50', () => moddableLoop(ITER), 20);
const nolog = () => {};
const router = createWebRouter({
  clock: new ManualClock(), random: new SeededRandom(1), crypto: c, store: new MemoryStore(),
  log: { debug: nolog, info: nolog, warn: nolog, error: nolog }, facade: {}, assets: new Map(), pbkdf2Iterations: 10,
});
router.auth.boot();
measure('session', () => router.respond({ method: 'GET', path: '/api/session', query: {}, headers: { cookie: 'airlock_session=' + '0'.repeat(64) }, body: undefined }), 50);
done();
`;

export async function benchWeb(): Promise<BenchRow[]> {
  const out = mkdtempSync(join(tmpdir(), 'airlock-web-bench-'));
  let gzipBytes: number;
  let rawBytes: number;
  try {
    const manifest = buildWebAssets(undefined, out);
    gzipBytes = manifest.totalGzipBytes;
    rawBytes = manifest.totalBytes;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const xs = await meterInXs(XS_ENTRY, 'web');
  return [
    { key: 'web.gzipBytes', value: gzipBytes, unit: 'bytes', target: '<= 102400', note: `all page assets gzipped (${rawBytes} bytes minified)` },
    { key: 'web.xs.meterPerPbkdf2Iteration', value: Math.round(xs.pbkdf2x50! / 50), unit: 'XS meter', note: 'pure-JS SHA-256 (@noble) upper bound' },
    { key: 'web.xs.meterPerPbkdf2LoopJs', value: Math.round(xs.loopx50! / 50), unit: 'XS meter', note: 'JS part of the ESP32 PBKDF2 loop (HMAC native)' },
    { key: 'web.xs.meterPerSessionRequest', value: xs.session!, unit: 'XS meter', note: 'router: GET /api/session' },
  ];
}
