/**
 * Runs bundled core code inside the real XS engine (xsnap, built from source
 * by @agoric/xsnap's install script). Used by the suite runner and the bench.
 */
// @agoric/xsnap's wrapper needs SES (hardened JavaScript) initialised before it loads.
import '@endo/init';
import { spawn } from 'node:child_process';
import { type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { xsnap, type MeterUsage } from '@agoric/xsnap';

/** The repository root, found from this file's place in build/hosts/xs/. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Swaps Node-only test plumbing for its XS counterpart. */
const xsPlatform: Plugin = {
  name: 'airlock-xs-platform',
  setup(b) {
    b.onResolve({ filter: /^ava$/ }, () => ({ path: join(repoRoot, 'hosts/xs/ava-shim.ts') }));
    const nodePlatform = join(repoRoot, 'test/support/platform.js');
    b.onResolve({ filter: /platform\.js$/ }, (args) =>
      join(args.resolveDir, args.path) === nodePlatform ? { path: join(repoRoot, 'hosts/xs/platform.ts') } : undefined,
    );
    b.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `${args.path} imported from ${args.importer}: core code must not use Node APIs` }],
    }));
  },
};

/** Bundles a small ES module source (resolved from the repo root) into one script for XS. */
export async function bundleForXs(source: string, name: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: repoRoot, sourcefile: name, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2022',
    // xsnap has no timers; libraries that capture them at load (fast-check's
    // `const safeSetTimeout = setTimeout`) read undefined instead of throwing.
    // AIRLOCK_FUZZ_RUNS (test/support/fuzz.ts) reaches the suites as a constant: XS has no environment.
    define: {
      setTimeout: 'globalThis.setTimeout',
      clearTimeout: 'globalThis.clearTimeout',
      AIRLOCK_FUZZ_RUNS: JSON.stringify(process.env.AIRLOCK_FUZZ_RUNS ?? ''),
    },
    // xsnap's XS does not bind a class's own name while its static fields are
    // initialised (`static BASE = new Point()` in @noble/curves throws "not
    // initialized yet"); esbuild moves such initialisers after the class.
    supported: { 'class-static-field': false },
    plugins: [xsPlatform],
    // Modules are strict code; an IIFE is not unless told, and sloppy mode would
    // let writes to frozen objects fail silently instead of throwing.
    banner: { js: '"use strict";' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/**
 * Freezes every intrinsic reachable from the global object before any test
 * code runs, as a Moddable preload build freezes what it built: code that
 * mutates shared state at module level fails here the way it would on the hub.
 */
export const HARDEN_PRELUDE = `
harden(globalThis);
if (!Object.isFrozen(Array.prototype) || !Object.isFrozen(Object) || !Object.isFrozen(Uint8Array.prototype)) {
  throw Error('intrinsics are not frozen: the XS run would not catch module-level mutation');
}`;

export interface XsRun {
  messages: unknown[];
  meter: MeterUsage;
}

/** The XS machine did not finish in time and was stopped. */
export class XsTimeoutError extends Error {
  override name = 'XsTimeoutError';
}

/**
 * Evaluates each script in order in one fresh XS machine; JSON sent with
 * issueCommand is collected. With `timeoutMs`, a machine still busy then (an
 * endless loop, a hang) is terminated and the run rejects with XsTimeoutError.
 */
export async function runInXs(scripts: string[], name: string, options: { timeoutMs?: number } = {}): Promise<XsRun> {
  const messages: unknown[] = [];
  const decoder = new TextDecoder();
  const worker = await xsnap({
    os: type(),
    spawn,
    fs: {}, // only used for snapshots, which this project does not take
    name,
    stdout: 'inherit',
    stderr: 'inherit',
    meteringLimit: 0,
    handleCommand: (request) => {
      messages.push(JSON.parse(decoder.decode(request)));
      return new Uint8Array();
    },
  });
  let meter: MeterUsage = { compute: null, allocate: null, currentHeapCount: null };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const deadline = new Promise<never>((_, reject) => {
    if (!options.timeoutMs) return;
    timer = setTimeout(() => {
      timedOut = true;
      reject(new XsTimeoutError(`${name}: still running after ${options.timeoutMs} ms; the XS machine was stopped`));
      void worker.terminate().catch(() => undefined);
    }, options.timeoutMs);
  });
  try {
    for (const script of scripts) meter = (await Promise.race([worker.evaluate(script), deadline])).meterUsage;
  } finally {
    clearTimeout(timer);
    if (!timedOut) await worker.close().catch(() => worker.terminate());
  }
  return { messages, meter };
}
