/**
 * The firmware suite's lab: a lab build of the real manifest (a manifest that includes
 * manifest.json and adds test integrations, brokers on loopback and a file root of its
 * own), Mosquitto processes on fixed ports (a build bakes its configuration in), and
 * the simulator runner. Nothing here stands in for the firmware: it is built by mcconfig
 * and runs on Moddable's runtime.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../hosts/node/file-store.js';
import { parseContractText } from '../../modules/contract/validate.js';
import { buildFirmware, repoRoot, type FirmwareBuild } from '../../tools/firmware/build.js';
import { mosquittoPath, waitForPort } from '../support/brokers.js';

export interface LabPorts {
  home: number;
  vendor: number;
  web: number;
}

export const PORTS: Readonly<LabPorts> = Object.freeze({ home: 18830, vendor: 18831, web: 18089 });
export const HUB_ID = 'simhub';

/** A test contract: energy-saver's shape, with purposes that need no consent so records flow at boot. */
export function labContract(n: number): { name: string; integration: string; secretName: string; topic: string; text: string } {
  const base = JSON.parse(readFileSync(join(repoRoot, 'docs', 'examples', 'energy-saver.json'), 'utf8')) as Record<string, any>;
  const integration = `lab-energy-${n}`;
  const secretName = `lab-energy-${n}-token`;
  base.integration = integration;
  base.purposes = base.purposes.map((p: Record<string, unknown>) => ({ ...p, requiresConsent: false }));
  // Transforms that show at once (no 15-minute aggregate window) and can be checked exactly.
  base.streams = [
    { stream: 'climate', fields: { temperature: { purpose: 'energy-advice', transform: { kind: 'round', step: 0.5 } } } },
    {
      stream: 'power',
      fields: {
        // zigbee2mqtt's plug says `power`; Tasmota's SENSOR says ENERGY.Power (flattened).
        power: { purpose: 'energy-advice', transform: { kind: 'round', step: 10 } },
        'ENERGY.Power': { purpose: 'energy-advice', transform: { kind: 'round', step: 10 } },
      },
    },
  ];
  base.delivery = { ...base.delivery, topic: `homes/${integration}`, batchSize: 1, maxRatePerMinute: 6000, credentials: { type: 'mqtt-password', secret: secretName } };
  const text = JSON.stringify(base, null, 2);
  const verdict = parseContractText(text);
  if (!verdict.ok) throw new Error(`lab contract ${integration} does not lint: ${JSON.stringify(verdict.errors)}`);
  return { name: `${integration}.json`, integration, secretName, topic: `homes/${integration}`, text };
}

export interface LabBuild extends FirmwareBuild {
  fileRoot: string;
  integrations: string[];
  topics: string[];
}

/**
 * Writes build/firmware-lab/<name>/ (contracts + manifest) and builds it for the simulator.
 * `ports`: the brokers' and the web server's loopback ports the build bakes in (the firmware
 * suite's by default; a bench running beside it uses others).
 */
/** Merged over the profile's creation: its initial sizes stay, growth is allowed. */
const GROWABLE = Object.freeze({ chunk: { incremental: 4096 }, heap: { incremental: 256 } });

export interface LabOptions {
  /** The board profile (hosts/moddable/profiles/<name>): its creation sizes and limits; mcconfig's default (esp32) without it. */
  profile?: string;
  /** Keys of `config.airlock` to add or replace (a probe that switches the page off, say). */
  airlock?: Record<string, unknown>;
  /**
   * Collect garbage this often (ms) from a lab entry point around main(): the instruments then show
   * the live set rather than garbage XS had no reason to collect yet (a growable heap collects late).
   */
  collectEveryMs?: number;
  /** XS creation sizes merged over the profile's; by default only growth is allowed (GROWABLE). `{}`: the profile's fixed sizes, as on the board. */
  creation?: Record<string, unknown>;
}

export async function buildLab(moddable: string, name: string, integrations: number, ports: Readonly<LabPorts> = PORTS, options: LabOptions = {}): Promise<LabBuild> {
  const dir = join(repoRoot, 'build', 'firmware-lab', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'contracts'), { recursive: true });
  const fileRoot = `/tmp/airlock-firmware-lab-${name}/`;
  const contracts = Array.from({ length: integrations }, (_, i) => labContract(i + 1));
  for (const c of contracts) writeFileSync(join(dir, 'contracts', c.name), c.text);
  const manifest = {
    include: [join(repoRoot, 'manifest.json')],
    config: {
      file: { root: fileRoot },
      airlock: {
        // The configuration model (modules/hub/runtime-config.ts), as the desktop's file has it.
        hubId: HUB_ID,
        localBroker: { url: `mqtt://127.0.0.1:${ports.home}` },
        integrations: contracts.map((c) => ({ contract: c.name, endpoint: `mqtt://127.0.0.1:${ports.vendor}/${c.topic}` })),
        secrets: Object.fromEntries(contracts.map((c) => [c.secretName, `token-${c.integration}`])),
        web: { port: ports.web },
        confirmAfterMs: 600000,
        ...options.airlock,
      },
    },
    // The profile's sizes to start with, but a heap that may grow: the lab measures what the hub needs
    // (bench/moddable.ts) rather than stopping at the profile's fixed budget (docs/esp32.md, "Board profiles").
    creation: options.creation ?? GROWABLE,
    data: { '*': ['./contracts/*'] },
  };
  if (options.collectEveryMs) {
    // Not the product's main: a lab entry that boots it and then collects on a timer.
    writeFileSync(
      join(dir, 'lab-main.js'),
      [
        'import main from "main";',
        'import Debug from "debug";',
        'import Timer from "timer";',
        'export default function labMain() {',
        '  main();',
        `  Timer.repeat(() => Debug.gc(), ${options.collectEveryMs});`,
        '}',
        '',
      ].join('\n'),
    );
    Object.assign(manifest, {
      include: [...manifest.include, '$(MODDABLE)/modules/base/debug/manifest.json'],
      modules: { 'lab-main': './lab-main' },
      creation: { ...manifest.creation, main: 'lab-main' },
    });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const built = await buildFirmware({ moddable, platform: 'lin', manifest: join(dir, 'manifest.json'), output: join(dir, 'mc'), ...(options.profile ? { profile: options.profile } : {}) });
  return { ...built, fileRoot, integrations: contracts.map((c) => c.integration), topics: contracts.map((c) => c.topic) };
}

/** Empties the lab's file root: a new chip with erased partitions and empty NVS. */
export function freshFileRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
}

export interface FixedBroker {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Mosquitto on a fixed loopback port. `persistent`: it keeps what it acknowledged across
 * its own restarts, as a vendor's broker must; the home broker starts empty each run so
 * no retained state from an earlier run is taken for the hub's.
 */
export function mosquittoOn(port: number, persistent: boolean, users?: Readonly<Record<string, string>>): FixedBroker {
  const binary = mosquittoPath();
  if (!binary) throw new Error('mosquitto is not installed (apt-get install -y mosquitto)');
  const dir = join('/tmp', `airlock-firmware-mosquitto-${port}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  const config = join(dir, 'mosquitto.conf');
  // `users`: a broker that takes only these names and passwords, as a vendor's does (none: anyone).
  const access = users ? ['allow_anonymous false', `password_file ${join(dir, 'passwords')}`] : ['allow_anonymous true'];
  if (users) {
    writeFileSync(join(dir, 'passwords'), '');
    chmodSync(join(dir, 'passwords'), 0o644);
    for (const [name, password] of Object.entries(users)) {
      const made = spawnSync('mosquitto_passwd', ['-b', join(dir, 'passwords'), name, password], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`mosquitto_passwd: ${made.stderr || made.error}`);
    }
  }
  writeFileSync(config, [`listener ${port} 127.0.0.1`, ...access, `persistence ${persistent}`, `persistence_location ${dir}/`, 'log_dest none', ''].join('\n'));
  let child: ChildProcess | undefined;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      child = spawn(binary, ['-c', config], { stdio: 'ignore' });
      await waitForPort(port, 10_000);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The simulator's NVS (the SDK's Linux `preference` module keeps a JSON file,
 * byte values as `{buffer: "1,2,3"}`) as a desktop key store, so the CLI can
 * derive the hub's audit key from it as it does for a desktop hub.
 */
export function storeFromSimulatorPreferences(fileRoot: string, out: string): void {
  const prefs = JSON.parse(readFileSync(join(fileRoot, 'modpreferences.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  const store = new FileStore(out);
  for (const [domain, entries] of Object.entries(prefs)) {
    for (const [key, value] of Object.entries(entries)) {
      if (value && typeof value === 'object' && typeof (value as { buffer?: unknown }).buffer === 'string') {
        store.set(domain, key, Uint8Array.from((value as { buffer: string }).buffer.split(',').map(Number)));
      } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        store.set(domain, key, value);
      }
    }
  }
}
