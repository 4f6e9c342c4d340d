/**
 * The desktop hub's configuration file (`airlock run --config <file>`),
 * format "airlock-config/1", documented by docs/config.schema.json and
 * docs/configuration.md. Loading checks everything that can be checked
 * before start and reports one clear message per problem: a missing or
 * invalid contract, an unknown secret reference, an unwritable data folder.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import * as v from 'valibot';
import { parseContractText } from '../../modules/contract/validate.js';
import type { Contract } from '../../modules/contract/types.js';
import type { HubSources } from '../../modules/hub/hub.js';

export const CONFIG_FORMAT = 'airlock-config/1';

const Url = (schemes: string[]) =>
  v.pipe(
    v.string(),
    v.check((s) => schemes.some((scheme) => s.startsWith(`${scheme}://`)), `must start with ${schemes.map((s) => `${s}://`).join(' or ')}`),
  );
const Port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const SecretRef = v.strictObject({ secret: v.pipe(v.string(), v.minLength(1)) });

const Broker = v.union([
  v.strictObject({ url: Url(['mqtt', 'mqtts']), username: v.optional(v.string()), password: v.optional(SecretRef), ca: v.optional(v.string()) }),
  v.strictObject({ embedded: v.literal(true), port: v.optional(Port), host: v.optional(v.string()) }),
]);

const ConfigSchema = v.strictObject({
  $schema: v.optional(v.string()),
  format: v.literal(CONFIG_FORMAT, `format must be "${CONFIG_FORMAT}"`),
  hubId: v.pipe(v.string(), v.regex(/^[a-zA-Z0-9_-]{1,32}$/, 'hubId must be 1-32 letters, digits, "_" or "-"')),
  dataDir: v.optional(v.string()),
  flash: v.optional(
    v.strictObject({
      recordBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(8 * 4096))),
      auditBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(4 * 4096))),
      blockSize: v.optional(v.picklist([4096])),
    }),
  ),
  localBroker: Broker,
  monitorBroker: v.optional(Broker),
  secretsFile: v.optional(v.string()),
  sources: v.optional(
    v.strictObject({
      zigbee2mqtt: v.optional(v.union([v.literal(false), v.strictObject({ baseTopic: v.optional(v.string()) })])),
      tasmota: v.optional(v.union([v.literal(false), v.strictObject({ fullTopic: v.optional(v.string()), telemetryPrefix: v.optional(v.string()) })])),
      esphome: v.optional(v.union([v.literal(false), v.strictObject({ nodes: v.optional(v.array(v.string())) })])),
      bthome: v.optional(
        v.union([
          v.literal(false),
          v.strictObject({ keys: v.optional(v.record(v.string(), SecretRef)), replayFile: v.optional(v.string()) }),
        ]),
      ),
    }),
  ),
  integrations: v.array(
    v.strictObject({
      contract: v.string(),
      /** Overrides the contract's endpoint: an installer's relay, or a local stand-in. */
      endpoint: v.optional(Url(['mqtt', 'mqtts', 'https', 'http'])),
      ca: v.optional(v.string()),
      consent: v.optional(v.record(v.string(), v.boolean())),
    }),
  ),
  web: v.optional(v.union([v.literal(false), v.strictObject({ port: v.optional(Port), host: v.optional(v.string()) })])),
  monitorIntervalMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100))),
});

export type ConfigFile = v.InferOutput<typeof ConfigSchema>;
export type BrokerConfig = v.InferOutput<typeof Broker>;

export interface LoadedIntegration {
  contract: Contract;
  contractPath: string;
  endpoint?: string;
  ca?: string;
  consent: Record<string, boolean>;
}

/** A configuration that passed every check, with paths resolved and secrets read. */
export interface LoadedConfig {
  file: ConfigFile;
  path: string;
  dataDir: string;
  hubId: string;
  integrations: LoadedIntegration[];
  sources: HubSources;
  bthomeReplay?: string;
  secrets: Record<string, string>;
  /** Resolves a secret reference; the loader has checked every reference exists. */
  secret(name: string): string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: string[];
  constructor(path: string, problems: string[]) {
    super(`${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

function pathOf(issue: v.BaseIssue<unknown>): string {
  return v.getDotPath(issue) ?? '(top level)';
}

/** Parses and checks an already-read configuration object; `base` resolves relative paths. */
export function checkConfig(json: unknown, path: string, given: { secrets?: Record<string, string> } = {}): LoadedConfig {
  const base = dirname(resolve(path));
  const parsed = v.safeParse(ConfigSchema, json);
  if (!parsed.success) throw new ConfigError(path, parsed.issues.map((issue) => `${pathOf(issue)}: ${issue.message}`));
  const file = parsed.output;
  const problems: string[] = [];
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));

  const dataDir = at(file.dataDir ?? './data');
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 }); // private: store.json inside holds the master key
    accessSync(dataDir, constants.W_OK);
  } catch (error) {
    problems.push(`dataDir: ${dataDir} is not a writable folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the flash image and key store live there`);
  }

  let secrets: Record<string, string> = { ...given.secrets };
  if (file.secretsFile) {
    const secretsPath = at(file.secretsFile);
    try {
      const raw = JSON.parse(readFileSync(secretsPath, 'utf8')) as unknown;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw) || Object.values(raw).some((x) => typeof x !== 'string')) {
        problems.push(`secretsFile: ${secretsPath} must be a JSON object of name → string`);
      } else secrets = raw as Record<string, string>;
    } catch (error) {
      problems.push(`secretsFile: cannot read ${secretsPath}: ${(error as Error).message}`);
    }
  }
  const references: [string, string][] = [];
  const ref = (where: string, name: string | undefined) => name && references.push([where, name]);

  const integrations: LoadedIntegration[] = [];
  const seen = new Set<string>();
  file.integrations.forEach((entry, i) => {
    const where = `integrations[${i}]`;
    const contractPath = at(entry.contract);
    if (!existsSync(contractPath)) {
      problems.push(`${where}.contract: ${contractPath} does not exist`);
      return;
    }
    const result = parseContractText(readFileSync(contractPath, 'utf8'));
    if (!result.ok) {
      for (const e of result.errors) problems.push(`${where}.contract (${entry.contract}) ${e.path || '(document)'}: ${e.message}`);
      return;
    }
    const contract = result.contract;
    if (seen.has(contract.integration)) problems.push(`${where}: integration "${contract.integration}" is configured twice`);
    seen.add(contract.integration);
    ref(`${where} (${contract.integration}) delivery.credentials`, contract.delivery.credentials?.secret);
    const purposes = new Set(contract.purposes.map((p) => p.id));
    for (const purpose of Object.keys(entry.consent ?? {})) {
      if (!purposes.has(purpose)) problems.push(`${where}.consent.${purpose}: the contract has no such purpose (it has ${[...purposes].join(', ')})`);
    }
    const ca = entry.ca ? at(entry.ca) : undefined;
    if (ca && !existsSync(ca)) problems.push(`${where}.ca: ${ca} does not exist`);
    integrations.push({ contract, contractPath, endpoint: entry.endpoint, ca, consent: entry.consent ?? {} });
  });

  for (const [name, broker] of [['localBroker', file.localBroker], ['monitorBroker', file.monitorBroker]] as const) {
    if (broker && 'url' in broker) {
      ref(`${name}.password`, broker.password?.secret);
      if (broker.ca && !existsSync(at(broker.ca))) problems.push(`${name}.ca: ${at(broker.ca)} does not exist`);
    }
  }
  const sources = file.sources ?? {};
  let bthomeReplay: string | undefined;
  const bthomeKeys: Record<string, string> = {};
  if (sources.bthome) {
    for (const [mac, key] of Object.entries(sources.bthome.keys ?? {})) {
      ref(`sources.bthome.keys.${mac}`, key.secret);
      if (secrets[key.secret] !== undefined) bthomeKeys[mac] = secrets[key.secret]!;
    }
    if (sources.bthome.replayFile) {
      bthomeReplay = at(sources.bthome.replayFile);
      if (!existsSync(bthomeReplay)) problems.push(`sources.bthome.replayFile: ${bthomeReplay} does not exist`);
    }
  }
  for (const [where, name] of references) {
    if (secrets[name] === undefined) {
      problems.push(`${where}: secret "${name}" is not in ${file.secretsFile ? 'the secrets file' : 'any secrets file (set "secretsFile")'}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(path, problems);

  return {
    file,
    path,
    dataDir,
    hubId: file.hubId,
    integrations,
    bthomeReplay,
    secrets,
    secret: (name) => secrets[name] ?? '',
    sources: {
      zigbee2mqtt: sources.zigbee2mqtt ?? {},
      tasmota: sources.tasmota ?? {},
      esphome: sources.esphome ?? {},
      bthome: sources.bthome === false ? false : { keys: bthomeKeys },
    },
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
