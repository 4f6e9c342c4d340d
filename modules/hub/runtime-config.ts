/**
 * The hub's configuration, one model for both hosts: the desktop's
 * `airlock run --config` file and the firmware's `mc/config` airlock section
 * (manifest.json `config.airlock`) are both this document, format
 * "airlock-config/1", and are checked by this one schema. A few keys only
 * mean something on one host (marked below); the other host ignores them.
 * docs/configuration.md describes every key, docs/config.schema.json is the
 * editors' copy of the same rules.
 */
import * as v from 'valibot';
import { matches } from '../contract/pattern.js';

export const CONFIG_FORMAT = 'airlock-config/1';

/** mqtt(s)://host[:port], nothing after: what a broker connection needs (brokerAddress splits it). */
const BROKER_URL = (): RegExp => /^(mqtts?):\/\/(\[[^\]]+\]|[^:/?#@[\]]+)(?::(\d{1,5}))?\/?$/i;

/**
 * The schemas, built when a configuration is checked (once per boot) rather
 * than at module level: the preload cannot keep valibot's objects in flash
 * (they are not frozen), so module-level schemas would hold RAM on the board
 * for good.
 */
export function runtimeConfigSchemas() {
  const Url = (schemes: readonly string[]) =>
    v.pipe(
      v.string(),
      v.check((s) => schemes.some((scheme) => s.startsWith(`${scheme}://`)), `must start with ${schemes.map((s) => `${s}://`).join(' or ')}`),
    );
  const Port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
  const Count = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min));
  /** Secrets are named, never written here: the desktop's secrets file or the board's NVS holds the values. */
  const SecretRef = v.strictObject({ secret: v.pipe(v.string(), v.minLength(1)) });

  const BrokerUrl = v.pipe(v.string(), matches(BROKER_URL, 'must be mqtt://host[:port] or mqtts://host[:port]'));

  const Broker = v.union([
    /** `ca`: the broker's CA certificate, PEM text (set from the page) or, on the desktop, a file holding it. */
    v.strictObject({ url: BrokerUrl, username: v.optional(v.pipe(v.string(), v.maxLength(128))), password: v.optional(SecretRef), ca: v.optional(v.pipe(v.string(), v.maxLength(3000))) }),
    /** Desktop only: an aedes broker inside the hub. */
    v.strictObject({ embedded: v.literal(true), port: v.optional(Port), host: v.optional(v.string()) }),
  ]);

  const Sources = v.strictObject({
    zigbee2mqtt: v.optional(v.union([v.literal(false), v.strictObject({ baseTopic: v.optional(v.string()) })])),
    tasmota: v.optional(v.union([v.literal(false), v.strictObject({ fullTopic: v.optional(v.string()), telemetryPrefix: v.optional(v.string()) })])),
    esphome: v.optional(v.union([v.literal(false), v.strictObject({ nodes: v.optional(v.array(v.string())) })])),
    bthome: v.optional(
      v.union([
        v.literal(false),
        /** `replayFile` is desktop only (a computer has no BLE radio here). */
        v.strictObject({ keys: v.optional(v.record(v.string(), SecretRef)), replayFile: v.optional(v.string()) }),
      ]),
    ),
  });

  const Integration = v.strictObject({
    /** The contract: a file path on the desktop (relative to the configuration), a bundled file name on the board. */
    contract: v.pipe(v.string(), v.minLength(1)),
    /** Overrides the contract's endpoint: an installer's relay, or a local stand-in. */
    endpoint: v.optional(Url(['mqtt', 'mqtts', 'https', 'http'])),
    /** Desktop only: the vendor's CA certificate file. */
    ca: v.optional(v.string()),
    /** Purposes the installer records as agreed at first start (given once, audited; the owner decides afterwards). */
    consent: v.optional(v.record(v.string(), v.boolean())),
  });

  const Config = v.strictObject({
    $schema: v.optional(v.string()),
    format: v.optional(v.literal(CONFIG_FORMAT, `format must be "${CONFIG_FORMAT}"`)),
    hubId: v.pipe(v.string(), matches(() => /^[a-zA-Z0-9_-]{1,32}$/, 'hubId must be 1-32 letters, digits, "_" or "-"')),
    /** The home's broker (zigbee2mqtt, Tasmota, ESPHome); without it only BTHome feeds the hub. */
    localBroker: v.optional(Broker),
    /** Where monitoring and Home Assistant discovery go; the home's broker when absent. */
    monitorBroker: v.optional(Broker),
    sources: v.optional(Sources),
    /** The time zone the page shows times in (an IANA name such as "Europe/Berlin"); the browser's own without it. */
    timeZone: v.optional(v.pipe(v.string(), matches(() => /^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+){1,2})$/, 'timeZone must be an IANA time zone name such as "Europe/Berlin", or "UTC"'))),
    integrations: v.optional(v.array(Integration)),
    web: v.optional(v.union([v.literal(false), v.strictObject({ port: v.optional(Port), host: v.optional(v.string()) })])),
    monitorIntervalMs: v.optional(Count(100)),
    /**
     * Delivery connections on demand (modules/forward/sessions.ts): at most `maxSessions` open at
     * once (never above the host's profile), each closed after `idleMs` without records.
     */
    sessions: v.optional(v.strictObject({ maxSessions: v.optional(Count(1)), idleMs: v.optional(Count(0)) })),
    /** Secret values written in the configuration: lab boards (copied into NVS at first boot) and the demo. */
    secrets: v.optional(v.record(v.string(), v.string())),

    // Desktop only.
    dataDir: v.optional(v.string()),
    secretsFile: v.optional(v.string()),
    flash: v.optional(
      v.strictObject({
        recordBytes: v.optional(Count(8 * 4096)),
        auditBytes: v.optional(Count(4 * 4096)),
        blockSize: v.optional(v.picklist([4096])),
      }),
    ),

    // Board only (the firmware image's own settings).
    /** The image's version, checked by signed updates' anti-rollback. */
    version: v.optional(v.string()),
    partition: v.optional(v.string()),
    logMinBytes: v.optional(Count(4096)),
    auditPartition: v.optional(v.string()),
    auditMinBytes: v.optional(Count(4096)),
    archivePartition: v.optional(v.string()),
    confirmAfterMs: v.optional(Count(1000)),
    /** Hex of the vendor's P-256 update key (65 bytes, uncompressed); empty: updates are refused. */
    updateKey: v.optional(v.union([v.literal(''), v.pipe(v.string(), matches(() => /^04[0-9a-fA-F]{128}$/, 'updateKey must be 130 hex digits starting 04 (an uncompressed P-256 key), or ""'))])),
    /** The board profile the build chose (hosts/moddable/profiles/<name>/manifest.json; board-profile.ts): its limits are checked at boot. */
    profile: v.optional(
      v.strictObject({
        name: v.pipe(v.string(), v.minLength(1)),
        maxIntegrations: Count(1),
        ramWindow: v.strictObject({ records: Count(2), bytes: Count(256) }),
        maxSessions: Count(1),
        maxBthomeKeys: Count(0),
        maxDevices: Count(1),
      }),
    ),
    /** Moddable's Linux simulator only: the emulated partitions, name → bytes (hosts/moddable/lin/flash.ts). */
    simPartitions: v.optional(v.record(v.string(), Count(4096))),
    /** Older manifests listed bundled contracts here; they are `integrations[].contract` now. */
    contracts: v.optional(v.pipe(v.array(v.string()), v.maxLength(0, 'list bundled contracts as integrations: [{"contract": "<file>"}]'))),
  });
  return { Config, Broker, Integration, Sources };
}

type Schemas = ReturnType<typeof runtimeConfigSchemas>;

export type RuntimeConfig = v.InferOutput<Schemas['Config']>;
export type BrokerConfig = v.InferOutput<Schemas['Broker']>;
export type IntegrationConfig = v.InferOutput<Schemas['Integration']>;

/** One thing wrong with a configuration: where (a dotted path, `integrations[1].consent.x`) and what. */
export interface ConfigProblem {
  path: string;
  message: string;
  /** Stable, for boot reports: `config-invalid` (the shape), `contract-missing`, `contract-invalid`, `contract-duplicate`, `endpoint-invalid`, `consent-unknown`, `secret-missing`. */
  code: string;
}

/** Checks the document's shape; every issue is returned at once, each with its path. */
export function parseRuntimeConfig(raw: unknown): { config: RuntimeConfig; problems: [] } | { config?: undefined; problems: ConfigProblem[] } {
  const parsed = v.safeParse(runtimeConfigSchemas().Config, raw);
  if (parsed.success) return { config: parsed.output, problems: [] };
  return { problems: parsed.issues.flatMap(innermost).map((issue) => ({ path: issuePath(issue), message: issue.message, code: 'config-invalid' })) };
}

/**
 * A union's issue ("expected false | Object") says less than the issues of
 * the branch that matched the type and failed inside it
 * (`sources.zigbee2mqtt.baseTopic`): those, when there are any.
 */
function innermost(issue: v.BaseIssue<unknown>): v.BaseIssue<unknown>[] {
  // The branches' paths start where the union is.
  const inside = (issue.issues ?? []).filter((inner) => (inner.path?.length ?? 0) > 0);
  if (inside.length === 0) return [issue];
  return inside.flatMap((inner) => innermost({ ...inner, path: [...(issue.path ?? []), ...inner.path!] as v.BaseIssue<unknown>['path'] }));
}

/** `integrations[0].endpoint` rather than valibot's `integrations.0.endpoint`: the form people read in JSON. */
function issuePath(issue: v.BaseIssue<unknown>): string {
  let path = '';
  for (const item of issue.path ?? []) {
    const key = item.key;
    path += typeof key === 'number' ? `[${key}]` : path === '' ? String(key) : `.${String(key)}`;
  }
  return path || '(top level)';
}

/** Host, port and TLS of a broker URL the schema accepted (hosts without a URL parser need the parts). */
export function brokerAddress(url: string): { host: string; port: number; tls: boolean } {
  const match = BROKER_URL().exec(url);
  if (!match) throw new TypeError(`broker URL "${url}" is not mqtt://host[:port] or mqtts://host[:port]`);
  const tls = match[1]!.toLowerCase() === 'mqtts';
  return { host: match[2]!.replace(/^\[|\]$/g, ''), port: match[3] === undefined ? (tls ? 8883 : 1883) : Number(match[3]), tls };
}

/** The problems as the desktop prints them and the firmware logs them, one line each. */
export function describeProblem(problem: ConfigProblem): string {
  return `${problem.path}: ${problem.message}`;
}
