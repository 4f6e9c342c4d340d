/**
 * The desktop hub's configuration file (`airlock run --config <file>`). The
 * document is the core's one configuration model (modules/hub/runtime-config.ts,
 * the same the firmware's `config.airlock` is), checked by the core with the
 * same rules as on the board (modules/hub/runtime-check.ts). Here is only what
 * a computer adds: paths relative to the file, the secrets file, the data
 * folder, certificate and replay files. Every problem is reported at once,
 * one line each with its path, and the hub does not start.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { checkConfigContents, type RuntimeIntegration } from '../../modules/hub/runtime-check.js';
import { describeProblem, parseRuntimeConfig, type RuntimeConfig } from '../../modules/hub/runtime-config.js';

export { CONFIG_FORMAT, type BrokerConfig } from '../../modules/hub/runtime-config.js';

export interface LoadedIntegration extends RuntimeIntegration {
  /** The vendor's CA certificate file, resolved. */
  ca?: string;
}

/** A configuration that passed every check, with paths resolved and secrets read. */
export interface LoadedConfig {
  file: RuntimeConfig;
  path: string;
  dataDir: string;
  hubId: string;
  integrations: LoadedIntegration[];
  bthomeReplay?: string;
  /** Resolves a secret reference; the check made sure every reference exists. */
  secret(name: string): string | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: string[];
  constructor(path: string, problems: string[]) {
    super(`${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Parses and checks an already-read configuration object; relative paths are resolved against `path`'s folder. */
export function checkConfig(json: unknown, path: string, given: { secrets?: Record<string, string> } = {}): LoadedConfig {
  const base = dirname(resolve(path));
  const parsed = parseRuntimeConfig(json);
  if (!parsed.config) throw new ConfigError(path, parsed.problems.map(describeProblem));
  const file = parsed.config;
  const problems: string[] = [];
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));

  const dataDir = at(file.dataDir ?? './data');
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 }); // private: store.json inside holds the master key
    accessSync(dataDir, constants.W_OK);
  } catch (error) {
    problems.push(`dataDir: ${dataDir} is not a writable folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the flash image and key store live there`);
  }

  const secrets: Record<string, string> = { ...given.secrets, ...file.secrets };
  if (file.secretsFile) {
    const secretsPath = at(file.secretsFile);
    try {
      const raw = JSON.parse(readFileSync(secretsPath, 'utf8')) as unknown;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw) || Object.values(raw).some((x) => typeof x !== 'string')) {
        problems.push(`secretsFile: ${secretsPath} must be a JSON object of name → string`);
      } else Object.assign(secrets, raw);
    } catch (error) {
      problems.push(`secretsFile: cannot read ${secretsPath}: ${(error as Error).message}`);
    }
  }

  const checked = checkConfigContents(file, {
    readContract: (reference) => {
      const contractPath = at(reference);
      return existsSync(contractPath) ? { text: readFileSync(contractPath, 'utf8') } : { error: `${contractPath} does not exist` };
    },
    hasSecret: (name) => secrets[name] !== undefined,
    secretsWhere: file.secretsFile ? 'the secrets file' : 'any secrets file (set "secretsFile")',
  });
  problems.push(...checked.problems.map(describeProblem));

  const integrations: LoadedIntegration[] = [];
  for (const integration of checked.integrations) {
    const ca = file.integrations?.[integration.index]?.ca;
    if (ca && !existsSync(at(ca))) problems.push(`integrations[${integration.index}].ca: ${at(ca)} does not exist`);
    integrations.push({ ...integration, ...(ca ? { ca: at(ca) } : {}) });
  }
  for (const [name, broker] of [['localBroker', file.localBroker], ['monitorBroker', file.monitorBroker]] as const) {
    if (broker && 'url' in broker && broker.ca && !broker.ca.includes('-----BEGIN') && !existsSync(at(broker.ca))) problems.push(`${name}.ca: ${at(broker.ca)} does not exist`);
  }
  const bthome = file.sources?.bthome;
  const bthomeReplay = bthome && bthome.replayFile ? at(bthome.replayFile) : undefined;
  if (bthomeReplay && !existsSync(bthomeReplay)) problems.push(`sources.bthome.replayFile: ${bthomeReplay} does not exist`);
  if (problems.length > 0) throw new ConfigError(path, problems);

  return {
    file,
    path,
    dataDir,
    hubId: file.hubId,
    integrations,
    ...(bthomeReplay ? { bthomeReplay } : {}),
    secret: (name) => secrets[name],
  };
}

export function loadConfig(path: string): LoadedConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, [`cannot read the configuration: ${(error as Error).message}`]);
  }
  return checkConfig(json, path);
}
