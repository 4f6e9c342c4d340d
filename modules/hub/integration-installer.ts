/**
 * Adding, replacing and removing integrations while the hub runs (the page's
 * "Add an integration", docs/web.md). The steps, in the order that leaves
 * nothing half-configured:
 *
 * 1. lint: the rules of `airlock contract lint` (size limit, duplicate keys,
 *    the schema, cross-checks), every error with its path, and the delivery
 *    target parsed as the transports parse it;
 * 2. preview: its part of the data map over this home's devices,
 *    purposes, retention, onward sharing, service levels, endpoint;
 * 3. install: everything that can refuse is checked first (credentials, the
 *    archive's room, the installed list's room); then the contract goes to
 *    the archive, the credential to the secret store, the hub starts the lane
 *    (no records flow for a purpose needing consent until it is given), and
 *    last the installed list names it: that one store write is the commit
 *    point a restart follows. A contract for an integration already on the
 *    hub is a new version: it goes through change management (narrowing
 *    applies, widening waits for the owner).
 *
 * Removing is the exit (`Hub.deleteIntegration`: export first, then stop,
 * shred keys, purge, receipt); the hub then forgets the contract, its
 * archived versions and its consent, and this module drops its credential
 * and its entry in the installed list.
 *
 * Persistence: the installed list is one store value (domain "hub", key
 * "installed", at most 4000 bytes: NVS's limit), naming each integration the
 * page added or replaced and its endpoint override. At start the runtime
 * restores them from the contract archive, at the version the hub enforced
 * (`restoreInstalled`); for those the page wins over the configuration file.
 */
import type { Contract, ContractError } from '../contract/types.js';
import { deliveryUrl } from '../contract/terms.js';
import { parseContractText } from '../contract/validate.js';
import { contractWarnings } from '../contract/warnings.js';
import { utf8 } from '../bytes.js';
import type { ChangeOutcome } from '../contract/changes.js';
import { parseEndpoint } from '../forward/endpoint-url.js';
import type { Host, KeyValueStore } from '../host.js';
import { buildDataMap, type DataMapCompany } from '../pipeline/datamap.js';
import type { DeviceInfo } from '../reading.js';
import { checkFetchUrl, CONTRACT_MAX_BYTES, FETCH_TIMEOUT_MS, judgeFetch, type FetchContract } from './contract-fetch.js';
import { enforcedVersion, type ContractArchive, type Hub, type HubIntegration } from './hub.js';
import { secretValueProblem, type SecretStore } from './secret-store.js';

const STORE_DOMAIN = 'hub';
const INSTALLED_KEY = 'installed';
const STORE_VALUE_MAX = 4000;

export interface InstalledEntry {
  id: string;
  endpoint?: string;
}

export function readInstalled(store: KeyValueStore): InstalledEntry[] {
  const raw = store.get(STORE_DOMAIN, INSTALLED_KEY);
  if (typeof raw !== 'string') return [];
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list)) return [];
    return list.flatMap((e): InstalledEntry[] => {
      const entry = e as { id?: unknown; endpoint?: unknown };
      if (typeof entry?.id !== 'string') return [];
      return [{ id: entry.id, ...(typeof entry.endpoint === 'string' ? { endpoint: entry.endpoint } : {}) }];
    });
  } catch {
    return [];
  }
}

function installedValue(list: readonly InstalledEntry[]): string {
  return JSON.stringify(list);
}

/**
 * The integrations the page added, for the Hub to compose at start: each
 * contract from the archive at the version the hub enforced. One that cannot
 * be found is reported and left out (the others run).
 */
export function restoreInstalled(host: Pick<Host, 'store' | 'crypto' | 'log'>, archive: ContractArchive): HubIntegration[] {
  const out: HubIntegration[] = [];
  for (const entry of readInstalled(host.store)) {
    const version = enforcedVersion(host, entry.id);
    const contract = version === undefined ? undefined : archive.load(entry.id, version);
    if (!contract) {
      host.log.error(`integration ${entry.id} was added on the page but its contract (version ${version ?? 'unknown'}) is not in the contract archive; add it again on the page`);
      continue;
    }
    out.push({ contract, ...(entry.endpoint ? { endpoint: entry.endpoint } : {}) });
  }
  return out;
}

export type LintResult = { ok: true; contract: Contract; warnings: ContractError[] } | { ok: false; errors: ContractError[] };

/** `airlock contract lint`'s rules over pasted, uploaded or fetched text, plus the size limit and the delivery target. */
export function lintContractText(text: string, endpoint?: string): LintResult {
  const bytes = utf8(text).length;
  if (bytes > CONTRACT_MAX_BYTES) return { ok: false, errors: [{ path: '', message: `the contract is ${bytes} bytes, over the size limit of ${CONTRACT_MAX_BYTES} bytes` }] };
  const parsed = parseContractText(text);
  if (!parsed.ok) return parsed;
  try {
    parseEndpoint(deliveryUrl(parsed.contract, endpoint));
  } catch (error) {
    return { ok: false, errors: [{ path: endpoint ? 'endpoint' : 'delivery', message: (error as Error).message }] };
  }
  return { ok: true, contract: parsed.contract, warnings: contractWarnings(parsed.contract) };
}

export interface IntegrationPreview {
  integration: string;
  vendor: string;
  version: string;
  /** Where records go (the contract's delivery target, or the override). */
  endpoint: string;
  /** Its part of the data map (purpose → kind of data), over this home's devices known now; kinds name devices by index into `devices`. */
  company: DataMapCompany;
  /** The home's known devices (`company`'s indexes point here). */
  devices: DeviceInfo[];
  purposes: { id: string; description: string; requiresConsent: boolean }[];
  retention: { hub: string; vendorDays: number; location: string };
  onwardSharing: { name: string; relation: string; purpose: string }[];
  serviceLevels: { uptimePercent: number; p95DeliveryLatencySeconds: number; maxDeliveryLagSeconds: number; breachNotificationHours: number };
  /** The credential the contract names, and whether the hub already has a value for it. */
  credential: { name: string; type: string; stored: boolean } | null;
  /** The version on the hub when this would replace it (change management decides then). */
  replaces: string | null;
  warnings: ContractError[];
}

export interface InstallRequest {
  text: string;
  /** Credential values by the names the contract gives them. */
  secrets?: Readonly<Record<string, string>>;
  /** An installer's relay or local stand-in instead of the contract's endpoint. */
  endpoint?: string;
}

export type InstallOutcome =
  | { ok: true; integration: string; version: string; status: 'added' | Extract<ChangeOutcome, { ok: true }>['status']; diff?: string[] }
  | { ok: false; code: string; message: string; errors: ContractError[] };

export type FetchState =
  | { state: 'idle' }
  | { state: 'fetching'; url: string }
  | { state: 'done'; url: string; text: string }
  | { state: 'failed'; url: string; error: string };

export interface InstallerPowers {
  host: Pick<Host, 'store' | 'crypto' | 'log'>;
  archive: ContractArchive;
  /** Where the credentials the owner enters are kept (the hub's one secret store, secret-store.ts). */
  secrets: SecretStore;
  /** Whether a credential is available from elsewhere (the desktop's secrets file, the board's lab provisioning). */
  configuredSecret(name: string): boolean;
  /** One GET for "add from an address"; without it, adding by address is refused with the reason. */
  fetch?: FetchContract;
}

export interface InstallerOptions {
  /**
   * The most integrations the hub runs at once (the board profile's
   * `maxIntegrations`: each lane holds a RAM window); adding one beyond it is
   * refused. No limit without it.
   */
  maxIntegrations?: number;
}

const refuse = (code: string, message: string, errors: ContractError[] = []): InstallOutcome => ({ ok: false, code, message, errors });

export class IntegrationInstaller {
  readonly #hub: Hub;
  readonly #powers: InstallerPowers;
  readonly #secrets: SecretStore;
  readonly #maxIntegrations: number;
  #fetch: FetchState = { state: 'idle' };

  constructor(hub: Hub, powers: InstallerPowers, options: InstallerOptions = {}) {
    this.#hub = hub;
    this.#powers = powers;
    this.#secrets = powers.secrets;
    this.#maxIntegrations = options.maxIntegrations ?? Infinity;
    hub.onRemoved((integration, contracts) => this.#afterRemoval(integration, contracts));
  }

  lint(text: string, endpoint?: string): LintResult {
    return lintContractText(text, endpoint);
  }

  preview(contract: Contract, endpoint?: string): IntegrationPreview {
    const hub = this.#hub;
    const map = buildDataMap([contract], hub.consent, hub.sources.registry.list());
    const company = map.companies[0]!;
    const credential = contract.delivery.credentials;
    const current = hub.contract(contract.integration);
    return {
      integration: contract.integration,
      vendor: contract.vendor.name,
      version: contract.version,
      endpoint: deliveryUrl(contract, endpoint),
      company,
      devices: map.devices,
      purposes: contract.purposes.map((p) => ({ id: p.id, description: p.description, requiresConsent: p.requiresConsent })),
      retention: { hub: company.retention, vendorDays: contract.vendorStorage.retentionDays, location: contract.vendorStorage.location },
      onwardSharing: contract.vendorStorage.onwardSharing.map((s) => ({ name: s.name, relation: s.relation, purpose: s.purpose })),
      serviceLevels: { ...contract.serviceLevels, breachNotificationHours: contract.breachNotification.deadlineHours },
      credential: credential ? { name: credential.secret, type: credential.type, stored: this.#hasSecret(credential.secret) } : null,
      replaces: current ? current.version : null,
      warnings: contractWarnings(contract),
    };
  }

  /** Adds, or replaces through change management; a refusal changes nothing. */
  install(request: InstallRequest, actor: string): InstallOutcome {
    const linted = this.lint(request.text, request.endpoint);
    if (!linted.ok) return refuse('contract-invalid', `The contract has ${linted.errors.length} problem(s); nothing was installed.`, linted.errors);
    const contract = linted.contract;
    const id = contract.integration;
    const credential = contract.delivery.credentials?.secret;
    const given = request.secrets ?? {};
    for (const [name, value] of Object.entries(given)) {
      if (name !== credential) return refuse('unknown-secret', `The contract names no credential "${name}"${credential ? ` (it names "${credential}")` : ''}; nothing was installed.`);
      const problem = secretValueProblem(value);
      if (problem) return refuse('bad-secret', `The value for "${name}" ${problem}; nothing was installed.`);
    }
    const newSecret = credential === undefined ? undefined : given[credential];
    const hub = this.#hub;
    const existing = hub.contract(id);
    const list = readInstalled(this.#powers.host.store);
    const entry: InstalledEntry = { id, ...(request.endpoint ? { endpoint: request.endpoint } : {}) };
    const nextList = [...list.filter((e) => e.id !== id), entry];
    if (utf8(installedValue(nextList)).length > STORE_VALUE_MAX) {
      return refuse('too-many-integrations', `The list of installed integrations would be over ${STORE_VALUE_MAX} bytes (one NVS value); remove an integration first. Nothing was installed.`);
    }

    if (existing) {
      if (request.endpoint !== undefined && deliveryUrl(contract, request.endpoint) !== hub.delivery(id)?.endpoint) {
        return refuse('endpoint-needs-new-integration', `${id} is already on this hub; its endpoint changes with a new contract version, not an override. Nothing was changed.`);
      }
      const outcome = hub.installContract(contract, actor);
      if (!outcome.ok) return refuse(outcome.code, `${outcome.reason}; nothing was changed.`);
      if (newSecret !== undefined && credential) this.#replaceSecret(id, credential, newSecret, actor);
      // The page now governs this integration: a restart takes its versions from the archive, not the file.
      this.#saveList(nextList);
      return { ok: true, integration: id, version: contract.version, status: outcome.status, ...(outcome.diff ? { diff: outcome.diff.changes.map((c) => `${c.direction}: ${c.summary}`) } : {}) };
    }

    const running = hub.integrations.length;
    if (running >= this.#maxIntegrations) {
      return refuse(
        'integration-limit',
        `This hub runs at most ${this.#maxIntegrations} integrations (its board profile: each one holds a RAM window) and ${running} are on it; remove one first. Nothing was installed.`,
      );
    }
    if (credential && newSecret === undefined && !this.#hasSecret(credential)) {
      return refuse('credential-missing', `The contract names the credential "${credential}" (${contract.delivery.credentials!.type}); enter its value. Nothing was installed.`);
    }
    if (this.#powers.archive.save(contract) === false) {
      return refuse('archive-full', `The contract archive has no room for ${id} ${contract.version} (see the hub log); remove an integration, or grow the archive partition. Nothing was installed.`);
    }
    const previousSecret = credential === undefined ? undefined : this.#secrets.get(credential);
    try {
      if (newSecret !== undefined && credential) this.#secrets.set(credential, newSecret);
      hub.addIntegration({ contract, ...(request.endpoint ? { endpoint: request.endpoint } : {}) }, actor);
      this.#saveList(nextList);
    } catch (error) {
      // Undo what this call wrote, so a failure leaves the hub as it was.
      if (credential && newSecret !== undefined) {
        if (previousSecret === undefined) this.#secrets.delete(credential);
        else this.#secrets.set(credential, previousSecret);
      }
      if (hub.contract(id)) hub.deleteIntegration(id, actor);
      this.#powers.archive.remove?.(id);
      return refuse('install-failed', `${id} could not be installed (${(error as Error)?.message ?? String(error)}); nothing was kept.`);
    }
    hub.audit.record(actor, 'config.changed', id, {
      event: 'integration.added',
      version: contract.version,
      endpoint: hub.delivery(id)?.endpoint ?? '',
      credential: credential ?? null,
      text: `Integration ${contract.vendor.name} (${id}) ${contract.version} added; nothing flows for purposes that need consent until it is given.`,
    });
    return { ok: true, integration: id, version: contract.version, status: 'added' };
  }

  /** Replaces the value of the credential an installed integration's contract names; the old value is not shown. */
  replaceSecret(integration: string, name: string, value: string, actor: string): InstallOutcome {
    const contract = this.#hub.contract(integration);
    if (!contract) return refuse('no-such-integration', `There is no integration "${integration}" on this hub.`);
    const credential = contract.delivery.credentials?.secret;
    if (name !== credential) return refuse('unknown-secret', `${integration}'s contract names no credential "${name}"${credential ? ` (it names "${credential}")` : ''}.`);
    const problem = secretValueProblem(value);
    if (problem) return refuse('bad-secret', `The value for "${name}" ${problem}; nothing was changed.`);
    this.#replaceSecret(integration, name, value, actor);
    return { ok: true, integration, version: contract.version, status: 'unchanged' };
  }

  /** Starts fetching a contract from an https:// address; `fetchState()` tells how it went. */
  startFetch(url: string, actor: string): FetchState {
    const problem = checkFetchUrl(url);
    if (problem) return (this.#fetch = { state: 'failed', url: String(url).slice(0, 300), error: problem });
    const fetch = this.#powers.fetch;
    if (!fetch) return (this.#fetch = { state: 'failed', url, error: 'this hub cannot fetch from an address; upload or paste the contract instead' });
    if (this.#fetch.state === 'fetching') return this.#fetch;
    const state: FetchState = { state: 'fetching', url };
    this.#fetch = state;
    this.#hub.audit.record(actor, 'config.changed', 'hub', { event: 'contract.fetch', url, text: `Contract fetched from ${url}.` });
    const settle = (next: FetchState) => {
      if (this.#fetch === state) this.#fetch = next;
    };
    fetch(url, { maxBytes: CONTRACT_MAX_BYTES, timeoutMs: FETCH_TIMEOUT_MS }).then(
      (answer) => {
        const judged = judgeFetch(answer);
        settle('text' in judged ? { state: 'done', url, text: judged.text } : { state: 'failed', url, error: judged.error });
      },
      (error: unknown) => settle({ state: 'failed', url, error: String((error as Error)?.message ?? error) }),
    );
    return state;
  }

  fetchState(): FetchState {
    return this.#fetch;
  }

  #hasSecret(name: string): boolean {
    return this.#secrets.get(name) !== undefined || this.#powers.configuredSecret(name);
  }

  #replaceSecret(integration: string, name: string, value: string, actor: string): void {
    this.#secrets.set(name, value);
    this.#hub.audit.record(actor, 'config.changed', integration, { event: 'secret.replaced', name, text: `The credential "${name}" of ${integration} was replaced (the value is not logged).` });
    this.#hub.reconnect(integration);
  }

  #saveList(list: readonly InstalledEntry[]): void {
    this.#powers.host.store.set(STORE_DOMAIN, INSTALLED_KEY, installedValue(list));
  }

  /** During the exit: the credential (unless another integration names it) and the installed-list entry go; the receipt names them. */
  #afterRemoval(integration: string, contracts: readonly Contract[]): string[] {
    const still = new Set(this.#hub.integrations.flatMap((id) => this.#hub.contract(id)?.delivery.credentials?.secret ?? []));
    const names = [...new Set(contracts.flatMap((c) => c.delivery.credentials?.secret ?? []))].filter((n) => !still.has(n));
    for (const name of names) this.#secrets.delete(name);
    const list = readInstalled(this.#powers.host.store);
    if (list.some((e) => e.id === integration)) this.#saveList(list.filter((e) => e.id !== integration));
    return names;
  }
}
