/**
 * Builds the firmware with Moddable's mcconfig, from manifest.json (or a manifest that
 * includes it, such as the firmware suite's lab builds).
 *
 * How TypeScript reaches mcconfig (docs/esp32.md, "How the build works"): the project's
 * own tsc compiles main.ts, hosts/moddable and modules/ to build/firmware/ with
 * hosts/moddable/tsconfig.json, which is also the firmware's type gate against the
 * Moddable typings and hosts/moddable/types. mcconfig then gets plain `.js` modules:
 * its wildcard `preload` entries match them (they match only `.js`), it needs no
 * TypeScript 6 on PATH, and it does not type-check node_modules' declarations against
 * the SDK's typings. Then valibot is bundled for XS (tools/firmware/vendor.ts), and
 * mcconfig builds. The linker's preload warnings are counted by module and kind and
 * written to <output>/preload-report.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleValibot } from './vendor.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface FirmwareBuildOptions {
  /** The Moddable SDK root ($MODDABLE). */
  moddable: string;
  /** mcconfig's platform: `lin` (the simulator here) or `esp32/<board>`. */
  platform: string;
  /** Defaults to the repository's manifest.json. */
  manifest?: string;
  /** Where mcconfig writes (bin/, tmp/); defaults to build/mc. */
  output?: string;
  /** A debug build (-d): traces and instruments reach the debugger. */
  debug?: boolean;
  /** mcconfig `name=value` config overrides (ssid=, password=). */
  config?: string[];
  /** The board profile (hosts/moddable/profiles/<name>/manifest.json: creation sizes and limits); the manifest's default (esp32) without it. */
  profile?: string;
  /** Prints mcconfig's output as it goes. */
  verbose?: boolean;
}

export interface PreloadWarnings {
  total: number;
  /** "module kind" -> count, kind being `not frozen` or `no const`. */
  byModule: Record<string, number>;
}

export interface FirmwareBuild {
  /** The simulator's shared library (lin) or the build's bin folder (hardware). */
  app: string;
  output: string;
  warnings: PreloadWarnings;
  seconds: number;
}

/** What the linker said about objects and variables it could not keep in flash. */
export function countPreloadWarnings(log: string): PreloadWarnings {
  const byModule: Record<string, number> = {};
  let total = 0;
  for (const match of log.matchAll(/^### warning: ([^:]+): .*?(not frozen|no const)$/gm)) {
    const key = `${match[1]} ${match[2]}`;
    byModule[key] = (byModule[key] ?? 0) + 1;
    total++;
  }
  return { total, byModule: Object.fromEntries(Object.entries(byModule).sort((a, b) => b[1] - a[1])) };
}

/** Step 1: type-check and emit the firmware's JavaScript, and the XS-ready valibot. */
export async function compileFirmwareSources(): Promise<void> {
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  // From scratch: a module whose source was removed must not stay behind, where the manifest's
  // wildcard preload would still put it into the image.
  rmSync(join(repoRoot, 'build', 'firmware'), { recursive: true, force: true });
  const result = spawnSync(process.execPath, [tsc, '-p', join(repoRoot, 'hosts', 'moddable', 'tsconfig.json')], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`firmware: TypeScript found problems in the firmware's sources:\n${result.stdout}${result.stderr}`);
  await bundleValibot(repoRoot, ['modules', 'hosts/moddable'], join(repoRoot, 'build', 'firmware', 'vendor', 'valibot.js'));
}

export async function buildFirmware(options: FirmwareBuildOptions): Promise<FirmwareBuild> {
  const started = Date.now();
  const tools = join(options.moddable, 'build', 'bin', 'lin', 'release');
  if (!existsSync(join(tools, 'mcconfig'))) {
    throw new Error(`firmware: no mcconfig under ${tools}; set MODDABLE to a built Moddable SDK (here: export MODDABLE="$(../shared/moddable/setup.sh)")`);
  }
  if (!existsSync(join(repoRoot, 'build', 'web-assets', 'esp32', 'web-assets.json'))) {
    throw new Error('firmware: the page assets are missing; run `npm run build` first');
  }
  await compileFirmwareSources();
  const output = options.output ?? join(repoRoot, 'build', 'mc');
  mkdirSync(output, { recursive: true });
  const manifest = options.manifest ?? join(repoRoot, 'manifest.json');
  // -dn: a debug build that launches no debugger (the simulator runner is the debugger);
  // -t build: build only (a plain -m on lin would pkill every running mcsim).
  const args = [...(options.debug === false ? [] : ['-dn']), '-m', '-p', options.platform, '-t', 'build', '-o', output, manifest, ...(options.config ?? [])];
  const log = await new Promise<string>((resolveLog, reject) => {
    const child = spawn(join(tools, 'mcconfig'), args, {
      cwd: dirname(manifest),
      env: { ...process.env, MODDABLE: options.moddable, ...(options.profile ? { AIRLOCK_PROFILE: options.profile } : {}), PATH: `${tools}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const take = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      if (options.verbose) process.stdout.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolveLog(text);
      else {
        const problems = text.split('\n').filter((line) => /error|not found|###/i.test(line) && !/warning: |Wformat|xsum/.test(line));
        reject(new Error(`firmware: mcconfig ${args.join(' ')} failed (exit ${code}):\n${problems.slice(-30).join('\n') || text.slice(-3000)}`));
      }
    });
  });
  const warnings = countPreloadWarnings(log);
  writeFileSync(join(output, 'preload-report.json'), JSON.stringify({ platform: options.platform, manifest: relative(repoRoot, manifest), warnings }, null, 2));
  const platformDir = options.platform.split('/')[0]!;
  const app = platformDir === 'lin' ? simulatorApp(join(output, 'bin', 'lin', 'mc', options.debug === false ? 'release' : 'debug')) : join(output, 'bin', platformDir);
  return { app, output, warnings, seconds: (Date.now() - started) / 1000 };
}

/** mcconfig names the build after the manifest's folder: take the newest mc.so. */
function simulatorApp(dir: string): string {
  const found = readdirSync(dir)
    .map((name) => join(dir, name, 'mc.so'))
    .filter((path) => existsSync(path))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!found[0]) throw new Error(`firmware: mcconfig finished but left no mc.so under ${dir}`);
  return found[0];
}
