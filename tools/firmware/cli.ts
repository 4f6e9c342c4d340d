/**
 * npm run firmware -- build [-p lin | -p esp32/<board>] [--profile esp32|esp32s3] [--release] [name=value ...]
 * npm run firmware -- sim [--app <mc.so>]      run the last simulator build, traces on stdout
 * npm run test:firmware                        the firmware suite on Moddable's runtime
 *
 * MODDABLE must point at a Moddable SDK with its Linux tools built. Here:
 *   export MODDABLE="$(../shared/moddable/setup.sh)"
 * Without it, `test` says plainly that it skipped the suite, and fails in CI (CI=true).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildFirmware, compileFirmwareSources, repoRoot } from './build.js';
import { startSimulator } from './simulator.js';

const USAGE = `usage: npm run firmware -- build [-p <platform>] [--profile <profile>] [--release] [name=value ...]
       npm run firmware -- sim [--app <mc.so>]
       npm run test:firmware

  -p, --platform   lin (Moddable's Linux simulator, the default) or esp32/<board>
  --profile        the board profile (hosts/moddable/profiles/): esp32 (no PSRAM, the default) or
                   esp32s3 (8 MB PSRAM; the default for -p esp32/esp32s3): XS's sizes and the hub's limits
  --release        a release build (no debugger, no instruments)
  --app            the simulator build to run (default build/mc's newest)
  name=value       mcconfig config overrides, e.g. ssid="Home Wi-Fi" password=...`;

function moddableRoot(): string | undefined {
  const root = process.env.MODDABLE;
  return root && root.trim() !== '' ? root : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'sources') {
    // Part of `npm run build`: the firmware's JavaScript and the XS-ready valibot, no SDK needed.
    await compileFirmwareSources();
    return 0;
  }
  const moddable = moddableRoot();
  if (command === 'test') {
    if (!moddable) {
      const message = 'firmware suite skipped: MODDABLE is not set (export MODDABLE="$(../shared/moddable/setup.sh)" to run it)';
      if (process.env.CI === 'true') {
        console.error(`${message}; in CI the firmware suite is required`);
        return 1;
      }
      console.log(message);
      return 0;
    }
    const ava = join(repoRoot, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
    return spawnSync(process.execPath, [ava, '--config', join(repoRoot, 'ava-firmware.config.js'), ...rest], { stdio: 'inherit', cwd: repoRoot }).status ?? 1;
  }
  if (!moddable) {
    console.error('firmware: MODDABLE is not set; point it at a Moddable SDK (here: export MODDABLE="$(../shared/moddable/setup.sh)")');
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    strict: true,
    allowPositionals: true,
    options: {
      platform: { type: 'string', short: 'p', default: 'lin' },
      profile: { type: 'string' },
      release: { type: 'boolean', default: false },
      app: { type: 'string' },
    },
  });
  if (command === 'build') {
    const config = positionals.filter((p) => p.includes('='));
    const stray = positionals.filter((p) => !p.includes('='));
    if (stray.length > 0) throw new Error(`firmware build: unexpected ${stray.join(' ')} (config overrides are name=value)`);
    const profile = values.profile ?? defaultProfile(values.platform!);
    if (!existsSync(join(repoRoot, 'hosts', 'moddable', 'profiles', profile, 'manifest.json'))) {
      throw new Error(`firmware build: no board profile "${profile}" (hosts/moddable/profiles/ has esp32 and esp32s3)`);
    }
    const built = await buildFirmware({ moddable, platform: values.platform!, profile, debug: !values.release, config, verbose: true });
    console.log(`firmware: built ${built.app} in ${built.seconds.toFixed(0)} s; ${built.warnings.total} preload warnings (${join(built.output, 'preload-report.json')})`);
    return 0;
  }
  if (command === 'sim') {
    const app = values.app ?? (await buildFirmwareAppPath());
    const sim = await startSimulator({ moddable, app, onTrace: (line) => console.log(line) });
    const stop = (): void => void sim.stop().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await sim.exited;
    return 0;
  }
  console.error(`firmware: unknown command "${command}"\n${USAGE}`);
  return 2;
}

/** An ESP32-S3 board gets the PSRAM profile unless told otherwise; everything else the no-PSRAM one. */
function defaultProfile(platform: string): string {
  return /^esp32\/.*s3/.test(platform) ? 'esp32s3' : 'esp32';
}

async function buildFirmwareAppPath(): Promise<string> {
  const { readdirSync, statSync, existsSync } = await import('node:fs');
  const dir = join(repoRoot, 'build', 'mc', 'bin', 'lin', 'mc', 'debug');
  const found = existsSync(dir) ? readdirSync(dir).map((n) => join(dir, n, 'mc.so')).filter((p) => existsSync(p)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs) : [];
  if (!found[0]) throw new Error('firmware sim: no simulator build yet; run `npm run firmware -- build` first');
  return found[0];
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
