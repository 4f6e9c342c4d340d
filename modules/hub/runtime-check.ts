/**
 * Everything about a configuration the core can judge, the same on both
 * hosts: its shape, every contract it names (parsed with the rules of
 * `airlock contract lint`), an integration configured twice, consent for a
 * purpose the contract does not have, and every secret it or its contracts
 * name. All problems come back at once, each with its path. The hosts add
 * what only they can see (files on the desktop, partitions on the board)
 * and decide what problems mean: the desktop refuses to start, the firmware
 * reports them at boot and runs what is valid.
 */
import type { BootProblem } from '../boot.js';
import type { Contract } from '../contract/types.js';
import { parseContractText } from '../contract/validate.js';
import { parseEndpoint } from '../forward/endpoint-url.js';
import { deliveryUrl } from '../contract/terms.js';
import type { HubSources } from './hub.js';
import { parseRuntimeConfig, type ConfigProblem, type RuntimeConfig } from './runtime-config.js';

/** An integration ready to compose: its parsed contract and what the configuration says about it. */
export interface RuntimeIntegration {
  contract: Contract;
  /** Its entry in `integrations[]`, for what only the host interprets (`ca`). */
  index: number;
  endpoint?: string;
  consent: Readonly<Record<string, boolean>>;
}

export interface CheckPowers {
  /** The text of the contract a configuration names (a file, a bundled resource), or why there is none. */
  readContract(reference: string): { text: string } | { error: string };
  /** Whether a secret's value is available (the secrets file, NVS). */
  hasSecret(name: string): boolean;
  /** Where secrets were looked for, for the message: `the secrets file`, `NVS`. */
  secretsWhere: string;
}

export interface CheckedConfig {
  /** Undefined when the shape is wrong: nothing else can be judged then. */
  config?: RuntimeConfig;
  /** The integrations whose contracts are valid (the firmware runs these even when others have problems). */
  integrations: RuntimeIntegration[];
  problems: ConfigProblem[];
}

/** The shape first (nothing else can be judged without it), then the contents. */
export function checkRuntimeConfig(raw: unknown, powers: CheckPowers): CheckedConfig {
  const parsed = parseRuntimeConfig(raw);
  if (!parsed.config) return { integrations: [], problems: parsed.problems };
  return { config: parsed.config, ...checkConfigContents(parsed.config, powers) };
}

/**
 * The contents of a configuration whose shape is right. Separate because a
 * host may need the parsed document to lend these powers (the desktop's
 * secrets file, the board's NVS seeded from `secrets`).
 */
export function checkConfigContents(config: RuntimeConfig, powers: CheckPowers): { integrations: RuntimeIntegration[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const integrations: RuntimeIntegration[] = [];
  const seen = new Map<string, number>();
  const secretUses: [path: string, name: string, what: string][] = [];

  (config.integrations ?? []).forEach((entry, index) => {
    const at = `integrations[${index}]`;
    const read = powers.readContract(entry.contract);
    if ('error' in read) {
      problems.push({ path: `${at}.contract`, message: read.error, code: 'contract-missing' });
      return;
    }
    const result = parseContractText(read.text);
    if (!result.ok) {
      for (const e of result.errors) {
        problems.push({ path: `${at}.contract`, message: `${entry.contract} ${e.path || '(document)'}: ${e.message}`, code: 'contract-invalid' });
      }
      return;
    }
    const contract = result.contract;
    const first = seen.get(contract.integration);
    if (first !== undefined) {
      problems.push({ path: at, message: `integration "${contract.integration}" is configured twice (first at integrations[${first}])`, code: 'contract-duplicate' });
      return;
    }
    seen.set(contract.integration, index);
    const purposes = contract.purposes.map((p) => p.id);
    for (const purpose of Object.keys(entry.consent ?? {})) {
      if (!purposes.includes(purpose)) {
        problems.push({ path: `${at}.consent.${purpose}`, message: `the contract has no such purpose (it has ${purposes.join(', ')})`, code: 'consent-unknown' });
      }
    }
    // Where records go, by the rule the hub delivers by, parsed as the transports parse it: a target
    // with no usable topic is a problem now, not a transport that fails later.
    try {
      parseEndpoint(deliveryUrl(contract, entry.endpoint));
    } catch (error) {
      const where = entry.endpoint ? { path: `${at}.endpoint`, message: (error as Error).message } : { path: `${at}.contract`, message: `${entry.contract} delivery: ${(error as Error).message}` };
      problems.push({ ...where, code: 'endpoint-invalid' });
      return;
    }
    const credential = contract.delivery.credentials?.secret;
    if (credential) secretUses.push([at, credential, ` (${contract.integration}'s delivery.credentials)`]);
    integrations.push({ contract, index, ...(entry.endpoint ? { endpoint: entry.endpoint } : {}), consent: entry.consent ?? {} });
  });

  for (const name of ['localBroker', 'monitorBroker'] as const) {
    const broker = config[name];
    if (broker && 'url' in broker && broker.password) secretUses.push([`${name}.password`, broker.password.secret, '']);
  }
  const bthome = config.sources?.bthome;
  for (const [mac, key] of Object.entries((bthome && bthome.keys) || {})) secretUses.push([`sources.bthome.keys.${mac}`, key.secret, '']);
  for (const [path, name, what] of secretUses) {
    if (!powers.hasSecret(name)) problems.push({ path, message: `secret "${name}" is not in ${powers.secretsWhere}${what}`, code: 'secret-missing' });
  }
  return { integrations, problems };
}

/** The sources the hub composes: every adapter on unless switched off, BTHome keys resolved. */
export function hubSources(config: RuntimeConfig, secret: (name: string) => string | undefined): HubSources {
  const sources = config.sources ?? {};
  const bthome = sources.bthome;
  const keys: Record<string, string> = {};
  for (const [mac, key] of Object.entries((bthome && bthome.keys) || {})) {
    const value = secret(key.secret);
    if (value !== undefined) keys[mac] = value;
  }
  return {
    zigbee2mqtt: sources.zigbee2mqtt ?? {},
    tasmota: sources.tasmota ?? {},
    esphome: sources.esphome ?? {},
    bthome: bthome === false ? false : { keys },
  };
}

/** Where a configuration problem belongs in the boot report and what fixes it. */
function bootAction(code: string): [BootProblem['component'], string] {
  switch (code) {
    case 'contract-missing':
      return ['contracts', 'add the file to contracts/ (manifest.json "data") and rebuild; the other integrations run'];
    case 'contract-invalid':
      return ['contracts', 'fix the file (npx airlock contract lint) and rebuild; the other integrations run'];
    case 'contract-duplicate':
      return ['contracts', 'list each integration once in config.airlock.integrations'];
    case 'endpoint-invalid':
      return ['config', 'correct integrations[].endpoint, or the contract\'s delivery endpoint and topic/path; the other integrations run'];
    case 'consent-unknown':
      return ['config', 'name only purposes the contract has in integrations[].consent'];
    case 'profile-exceeded':
      return ['config', 'configure fewer (docs/esp32.md, "Board profiles"), or build for a board with PSRAM (-p esp32/esp32s3); until then the hub is not composed'];
    case 'secret-missing':
      return ['config', 'provision the secret in NVS (docs/esp32.md, "Credentials"); the vendor or broker will likely refuse the hub until then'];
    default:
      return ['config', 'correct config.airlock in manifest.json (docs/configuration.md) and rebuild; until then the hub is not composed'];
  }
}

/** A configuration problem as the board's boot report shows it: one entry per path. */
export function bootProblem(problem: ConfigProblem): BootProblem {
  const [component, action] = bootAction(problem.code);
  return { component, code: problem.code, message: `${problem.path}: ${problem.message}`, action, path: problem.path };
}
