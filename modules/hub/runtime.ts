/**
 * One runtime for both roots: the firmware (main.ts) and the desktop
 * (hosts/node/desktop-hub.ts, `airlock run`) call `startRuntime` with a
 * checked configuration (runtime-check.ts) and their platform bindings. It
 * lays the page's saved settings over the file (runtime-settings.ts),
 * composes the Hub with the integrations of the file and those added on the
 * page (integration-installer.ts), their transports sharing one session pool
 * (modules/forward/sessions.ts), records the installer's consent from the
 * configuration, connects the home broker (device messages in) and the
 * monitoring broker (runtime-brokers.ts), and builds the local page with its
 * settings and integrations areas. What stays in the roots is
 * what only a platform has: partitions, Wi-Fi, BLE, the boot supervisor and
 * updates on the board; files, an embedded broker and BLE replay on a computer.
 */
import { logHeldRecords } from '../boot.js';
import type { Contract } from '../contract/types.js';
import { SessionPool, type SessionOptions } from '../forward/sessions.js';
import type { Transport } from '../forward/transport.js';
import type { Flash, Host } from '../host.js';
import type { MonitorSnapshot } from '../monitor/status.js';
import type { WebRouter } from '../web/router.js';
import type { WebAssets } from '../web/static.js';
import type { WindowOptions } from '../log/write-behind.js';
import { Hub, type ContractArchive, type HubPowers } from './hub.js';
import { createSettingsFacade, type WifiSettings } from './facade/settings.js';
import { BrokerSlot, connectMonitoring, probeBroker, sourceClientId, type ConnectBroker } from './runtime-brokers.js';
import { hubSources, type RuntimeIntegration } from './runtime-check.js';
import type { ConfigProblem, RuntimeConfig } from './runtime-config.js';
import { startSettings, type StartSettings } from './runtime-settings.js';
import { createHubWebPage } from './web-page.js';
import type { FetchContract } from './contract-fetch.js';
import { IntegrationInstaller, restoreInstalled } from './integration-installer.js';

/** How long a new broker has to accept the hub's test connection before the page's change is refused. */
const PROBE_TIMEOUT_MS = 10_000;

export interface RuntimeOptions {
  /** The configuration file; the page's saved settings are laid over it (runtime-settings.ts). */
  config: RuntimeConfig;
  /** The checked integrations (runtime-check.ts). */
  integrations: readonly RuntimeIntegration[];
  /** The running software version: in the hub's state, discovery and `airlock/<hub>/version`. */
  version: string;
  /** Shown to Home Assistant: "ESP32", "desktop host". */
  model: string;
  /** The retained version document (the board adds its update trial's state); `{running: version}` without it. */
  versions?: () => unknown;
  /** Each integration's RAM window (records and bytes held before they spill to flash); the core's default without it. */
  buffer?: WindowOptions;
  /** Devices the hub keeps state for (the board profile's; the sources' default, 256, without it): beyond it a new device is refused and counted. */
  maxDevices?: number;
  /** PBKDF2 iterations for new password hashes on the page: a per-host figure (the desktop's 600 000); the core's (the board's) without it. */
  pbkdf2Iterations?: number;
  /**
   * The profile's delivery sessions (modules/forward/sessions.ts): `maxSessions` is the most
   * open at once (the board's TLS budget; no cap without it), a ceiling the configuration's
   * `sessions` may lower but not raise.
   */
  sessions?: SessionOptions;
  /** The most integrations the hub runs (the board profile's `maxIntegrations`): adding one on the page beyond it is refused. No limit without it. */
  maxIntegrations?: number;
}

/** What an integration's transport is built with. */
export interface TransportPowers {
  /** Resolves its credential: what the owner entered on the page first, then the host's own secrets (runtime-settings.ts). */
  secret(name: string): string | undefined;
  /** Its connection opens on demand through the pool, shared per endpoint (modules/forward/sessions.ts). */
  sessions: SessionPool;
}

export interface RuntimePowers {
  host: Host;
  /** A partition of its own for the audit log. */
  auditFlash: Flash;
  archive: ContractArchive;
  /** Builds an integration's transport (also for one added on the page, or whose credential the owner replaced). */
  transport(integration: string, endpoint: string, contract: Contract, powers: TransportPowers): Transport;
  /** One GET for adding an integration by its contract's https:// address (modules/hub/contract-fetch.ts); without it the page offers upload and paste only. */
  fetch?: FetchContract;
  /** Without it the hub runs with no broker: BLE only, monitoring computed for the page. */
  connect?: ConnectBroker;
  /** Secret values by name (broker passwords, BTHome keys) from the host: the secrets file, the board's NVS. */
  secret(name: string): string | undefined;
  /** The page's settings over the file, when the root needed them first (its hub id); else the runtime reads them. */
  settings?: StartSettings;
  /** The board's Wi-Fi, for the settings page. */
  wifi?: WifiSettings;
  /** What the page's settings must also pass on this host (the board's profile), with the model's checks. */
  checkSettings?(config: RuntimeConfig): ConfigProblem[];
  /** The page's assets; without them (or with `web: false`) there is no page. */
  webAssets?: WebAssets;
  /**
   * Asked after the hub is composed, before it starts: the board judges its
   * key store by the hub's own log scan here. False leaves the hub composed
   * but stopped: no sources, no sealing, no forwarding; monitoring and the page run.
   */
  admit?: (check: { logHeldRecords: boolean; probeKeys(): unknown }) => boolean;
}

export interface Runtime {
  /** The page's router (serve it with the host's HTTP server), and the owner setup code while there is no owner. */
  readonly page?: { router: WebRouter; setupCode?: string };
  /** Whether the hub runs (see `admit`). */
  readonly running: boolean;
  acceptBle(mac: string, serviceData: Uint8Array, rssi?: number): void;
  snapshot(): MonitorSnapshot;
  /** Graceful stop: says `offline`, closes the brokers; the host closes its own files and servers. */
  stop(): Promise<void>;
}

export function startRuntime(options: RuntimeOptions, powers: RuntimePowers): Runtime {
  const { host } = powers;
  const settings = powers.settings ?? startSettings(options.config, { store: host.store, crypto: host.crypto, log: host.log, secret: powers.secret });
  const config = settings.config;
  const hubId = config.hubId;
  const sessions = new SessionPool(sessionOptions(options.sessions, config.sessions), host);
  let hub: Hub | undefined; // the monitoring connection is opened first: the hub publishes through it

  const connect = powers.connect;
  const versions = options.versions ?? (() => ({ running: options.version }));
  const monitoring = connect ? new BrokerSlot((broker) => connectMonitoring(connect, broker, { hubId, versions }, () => hub?.monitor), config.monitorBroker ?? config.localBroker) : undefined;

  const secret = settings.secret; // the page's first, then the host's
  // Integrations added or replaced on the page come back from the archive; for those the page wins over the file.
  const added = restoreInstalled(host, powers.archive);
  const fromPage = new Set(added.map((i) => i.contract.integration));
  const fromFile = options.integrations.filter((i) => !fromPage.has(i.contract.integration));
  const composed = new Hub(
    {
      hubId,
      version: options.version,
      model: options.model,
      integrations: [...fromFile.map((i) => ({ contract: i.contract, ...(i.endpoint ? { endpoint: i.endpoint } : {}) })), ...added],
      sources: hubSources(config, secret),
      ...(config.monitorIntervalMs ? { monitorIntervalMs: config.monitorIntervalMs } : {}),
      ...(options.buffer ? { buffer: options.buffer } : {}),
      ...(options.maxDevices ? { sourceLimits: { maxDevices: options.maxDevices } } : {}),
    },
    {
      host,
      auditFlash: powers.auditFlash,
      archive: powers.archive,
      // A lane built again (Hub.reconnect: its credential replaced on the page) gets a new session:
      // a shared one keeps the credential it opened with. A lane built the first time has none to renew.
      transport: (integration, endpoint, contract) => {
        sessions.renew(integration);
        return powers.transport(integration, endpoint, contract, { secret, sessions });
      },
      ...(monitoring ? { publish: monitoring.publish } : {}),
    },
  );
  hub = composed;
  if (composed.recovery.error) host.log.warn(`flash log: ${composed.recovery.error}`);
  if (settings.fileWon.length > 0) {
    composed.audit.record('hub', 'config.changed', 'hub', {
      event: 'settings.file-won',
      keys: settings.fileWon.join(','),
      text: `The configuration file changed ${settings.fileWon.join(', ')} after they were set on the page; the file's values stand.`,
    });
  }
  if (settings.problem) {
    composed.audit.record('hub', 'config.changed', 'hub', { event: 'settings.dropped', text: `The settings saved on the page no longer fit the configuration (${settings.problem}); the file's values stand.` });
  }

  const running =
    powers.admit?.({
      logHeldRecords: logHeldRecords(composed.recovery),
      probeKeys: () => composed.keyring.hubKey('boot-check'),
    }) ?? true;
  if (running) {
    giveConfiguredConsent(composed, fromFile);
    composed.start();
  }
  // QoS 1, persistent session, PUBACK once acceptMqtt returned: readings published while the hub is down wait at the broker.
  const home =
    connect && running
      ? new BrokerSlot(
          (broker) =>
            connect(
              { role: 'home', broker, clientId: sourceClientId(hubId), subscriptions: composed.subscriptions, persistentSession: true },
              { connected: () => undefined, message: (topic, payload) => composed.acceptMqtt(topic, payload) },
            ),
          config.localBroker,
        )
      : undefined;

  const installer = new IntegrationInstaller(
    composed,
    {
      host,
      archive: powers.archive,
      secrets: settings.store.secrets,
      configuredSecret: (name) => powers.secret(name) !== undefined,
      ...(powers.fetch ? { fetch: powers.fetch } : {}),
    },
    options.maxIntegrations !== undefined ? { maxIntegrations: options.maxIntegrations } : {},
  );
  const settingsFacade = createSettingsFacade({
    hub: composed,
    store: settings.store,
    crypto: host.crypto,
    file: settings.file,
    running: config,
    ...(connect ? { probe: (role, broker) => probeBroker(connect, broker, { role, hubId, timers: host.timers, timeoutMs: PROBE_TIMEOUT_MS }) } : {}),
    reconnect: (role, broker) => void (role === 'home' ? home : monitoring)?.replace(broker),
    ...(powers.wifi ? { wifi: powers.wifi } : {}),
    ...(powers.checkSettings ? { check: powers.checkSettings } : {}),
  });

  const page =
    config.web !== false && powers.webAssets
      ? createHubWebPage(composed, host, host.log, powers.webAssets, {
          settings: settingsFacade,
          installer,
          ...(options.pbkdf2Iterations !== undefined ? { pbkdf2Iterations: options.pbkdf2Iterations } : {}),
        })
      : undefined;
  const setupCode = page?.router.auth.boot(); // also printed on the console: only someone at the hub has it

  let stopped = false;
  return {
    ...(page ? { page: { router: page.router, ...(setupCode ? { setupCode } : {}) } } : {}),
    running,
    acceptBle: (mac, serviceData, rssi) => composed.acceptBle(mac, serviceData, rssi),
    snapshot: () => composed.snapshot(),
    async stop() {
      if (stopped) return;
      stopped = true;
      page?.facade.stop();
      await composed.stop();
      await sessions.close();
      composed.monitor.stopping();
      await Promise.all([home?.close(), monitoring?.close()]);
    },
  };
}

/** The profile's session options, with the configuration's: its cap only lowers the profile's. */
function sessionOptions(profile: SessionOptions = {}, configured: RuntimeConfig['sessions'] = {}): SessionOptions {
  const cap = Math.min(profile.maxSessions ?? Infinity, configured.maxSessions ?? Infinity);
  return { ...profile, ...configured, maxSessions: cap };
}

/**
 * Consent the configuration states is given once per purpose, by the
 * installer, and audited; once the owner decided on the page, that stands.
 */
function giveConfiguredConsent(hub: Hub, integrations: readonly RuntimeIntegration[]): void {
  for (const integration of integrations) {
    const id = integration.contract.integration;
    if (!hub.integrations.includes(id)) continue;
    for (const [purpose, given] of Object.entries(integration.consent)) {
      if (given && !hub.consent.isDecided(id, purpose)) hub.giveConsent(id, purpose, 'installer (configuration)');
    }
  }
}
