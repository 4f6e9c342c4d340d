/**
 * One runtime for both roots: the firmware (main.ts) and the desktop
 * (hosts/node/desktop-hub.ts, `airlock run`) call `startRuntime` with a
 * checked configuration (runtime-check.ts) and their platform bindings. It
 * composes the Hub, records the installer's consent from the configuration,
 * connects the home broker (device messages in) and the monitoring broker
 * (runtime-brokers.ts), and builds the local page. What stays in the roots is
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
import { connectMonitoring, sourceClientId, type BrokerConnection, type ConnectBroker } from './runtime-brokers.js';
import { hubSources, type RuntimeIntegration } from './runtime-check.js';
import type { RuntimeConfig } from './runtime-config.js';
import { createHubWebPage } from './web-page.js';

export interface RuntimeOptions {
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
  /** PBKDF2 iterations for new password hashes on the page: a per-host figure (the desktop's 600 000); the core's (the board's) without it. */
  pbkdf2Iterations?: number;
  /**
   * The profile's delivery sessions (modules/forward/sessions.ts): `maxSessions` is the most
   * open at once (the board's TLS budget; no cap without it), a ceiling the configuration's
   * `sessions` may lower but not raise.
   */
  sessions?: SessionOptions;
}

export interface RuntimePowers {
  host: Host;
  /** A partition of its own for the audit log. */
  auditFlash: Flash;
  archive: ContractArchive;
  /** Builds an integration's transport; its connection opens on demand through `sessions`, shared per endpoint. */
  transport(integration: string, endpoint: string, contract: Contract, sessions: SessionPool): Transport;
  /** Without it the hub runs with no broker: BLE only, monitoring computed for the page. */
  connect?: ConnectBroker;
  /** Secret values by name (broker passwords, BTHome keys). */
  secret(name: string): string | undefined;
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
  const { config } = options;
  const { host } = powers;
  const hubId = config.hubId;
  const connections: BrokerConnection[] = [];
  const sessions = new SessionPool(sessionOptions(options.sessions, config.sessions), host);
  let hub: Hub | undefined; // the monitoring connection is opened first: the hub publishes through it

  const monitorBroker = config.monitorBroker ?? config.localBroker;
  const monitoring =
    powers.connect && monitorBroker
      ? connectMonitoring(powers.connect, monitorBroker, { hubId, versions: options.versions ?? (() => ({ running: options.version })) }, () => hub?.monitor)
      : undefined;
  if (monitoring) connections.push(monitoring);

  const composed = new Hub(
    {
      hubId,
      version: options.version,
      model: options.model,
      integrations: options.integrations.map((i) => ({ contract: i.contract, ...(i.endpoint ? { endpoint: i.endpoint } : {}) })),
      sources: hubSources(config, powers.secret),
      ...(config.monitorIntervalMs ? { monitorIntervalMs: config.monitorIntervalMs } : {}),
      ...(options.buffer ? { buffer: options.buffer } : {}),
    },
    {
      host,
      auditFlash: powers.auditFlash,
      archive: powers.archive,
      transport: (integration, endpoint, contract) => powers.transport(integration, endpoint, contract, sessions),
      ...(monitoring ? { publish: monitoring.publish } : {}),
    },
  );
  hub = composed;
  if (composed.recovery.error) host.log.warn(`flash log: ${composed.recovery.error}`);

  const running =
    powers.admit?.({
      logHeldRecords: logHeldRecords(composed.recovery),
      probeKeys: () => composed.keyring.hubKey('boot-check'),
    }) ?? true;
  if (running) {
    giveConfiguredConsent(composed, options.integrations);
    composed.start();
    if (powers.connect && config.localBroker) {
      connections.push(
        powers.connect(
          // QoS 1, persistent session, PUBACK once acceptMqtt returned: readings published while the hub is down wait at the broker.
          { role: 'home', broker: config.localBroker, clientId: sourceClientId(hubId), subscriptions: composed.subscriptions, persistentSession: true },
          { connected: () => undefined, message: (topic, payload) => composed.acceptMqtt(topic, payload) },
        ),
      );
    }
  }

  const page = config.web !== false && powers.webAssets ? createHubWebPage(composed, host, host.log, powers.webAssets, options.pbkdf2Iterations !== undefined ? { pbkdf2Iterations: options.pbkdf2Iterations } : {}) : undefined;
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
      await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
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
