/**
 * `airlock run`: the hub on a desktop. The same composition root as the
 * ESP32 (modules/hub/hub.ts) over the desktop host: a file as NOR flash, the
 * home's broker through MQTT.js (or an embedded aedes broker), transports
 * over MQTT.js and node:https, monitoring with a last will.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { Hub } from '../../modules/hub/hub.js';
import type { Logger } from '../../modules/host.js';
import type { LoadedConfig, BrokerConfig } from './config.js';
import { fileContractArchive } from './contract-archive.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import { FileFlash } from './file-flash.js';
import { consoleLogger, makeNodeHost, type NodeHost } from './host.js';
import { connectMonitorBroker, type MonitorConnection } from './mqtt-monitor.js';
import { makeTransport } from './transports.js';
import { createHubWebPage, type HubWebPage } from '../../modules/hub/web-page.js';
import { startWebServer, type WebServer } from './http-server.js';
import { loadWebAssets } from './web-assets.js';
import { readReplayFile } from './ble-replay.js';

/** The page's assets, built by tools/build-web-assets.ts next to the compiled code. */
const WEB_ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web-assets');

export const VERSION = '0.1.0';

/**
 * PBKDF2-HMAC-SHA256 iterations for passwords set on the desktop: OWASP's
 * current figure (600 000, about a third of a second with node:crypto). The
 * board uses 10 000 (docs/web.md); hashes keep their own count either way.
 */
export const DESKTOP_PBKDF2_ITERATIONS = 600_000;

export interface RunningHub {
  hub: Hub;
  host: NodeHost;
  /** The home broker's URL (the embedded one's, when embedded). */
  localBrokerUrl: string;
  monitorBrokerUrl: string;
  embedded?: EmbeddedBroker;
  local: MqttClient;
  monitor: MonitorConnection;
  web?: WebServer;
  /** The one-time code that creates the owner account, while there is none. */
  setupCode?: string;
  stop(): Promise<void>;
}

export interface RunOptions {
  log?: Logger;
  /** Pretend the wall clock is unknown, as after an offline boot. */
  noWallClock?: boolean;
  /** Use a free port when the configured web port is taken (the demo). */
  webPortFallback?: boolean;
}

function brokerUrl(broker: BrokerConfig, embedded: EmbeddedBroker | undefined): string {
  return 'url' in broker ? broker.url : embedded!.url;
}

export async function runHub(config: LoadedConfig, options: RunOptions = {}): Promise<RunningHub> {
  const log = options.log ?? consoleLogger();
  const flash = config.file.flash ?? {};
  const host = makeNodeHost({ dataDir: config.dataDir, flashBytes: flash.recordBytes, blockSize: flash.blockSize, noWallClock: options.noWallClock, log });
  const auditFlash = new FileFlash({ path: join(config.dataDir, 'audit.flash'), byteLength: flash.auditBytes ?? 16 * 4096, blockSize: flash.blockSize ?? 4096 });

  let embedded: EmbeddedBroker | undefined;
  const localConfig = config.file.localBroker;
  if ('embedded' in localConfig) {
    try {
      embedded = await startEmbeddedBroker({ port: localConfig.port ?? 1883, host: localConfig.host ?? '127.0.0.1' });
    } catch (error) {
      throw new Error(`localBroker: cannot start the embedded broker on port ${localConfig.port ?? 1883} (${(error as Error).message}); pick another "port" or point "url" at your broker`);
    }
  }
  const localBrokerUrl = brokerUrl(localConfig, embedded);
  const monitorConfig = config.file.monitorBroker ?? localConfig;
  const monitorBrokerUrl = 'url' in monitorConfig ? monitorConfig.url : localBrokerUrl;
  const monitor = connectMonitorBroker(monitorBrokerUrl, config.hubId, log, {
    ...('url' in monitorConfig && monitorConfig.username ? { username: monitorConfig.username, password: config.secret(monitorConfig.password?.secret ?? '') } : {}),
  });

  const caFor = new Map(config.integrations.map((i) => [i.contract.integration, i.ca]));
  const hub = new Hub(
    {
      hubId: config.hubId,
      version: VERSION,
      model: 'desktop host',
      integrations: config.integrations.map((i) => ({ contract: i.contract, endpoint: i.endpoint })),
      sources: config.sources,
      monitorIntervalMs: config.file.monitorIntervalMs,
    },
    {
      host,
      auditFlash,
      archive: fileContractArchive(join(config.dataDir, 'contracts')),
      transport: (integration, endpoint, contract) => makeTransport(endpoint, contract, { hubId: config.hubId, secret: config.secret, caFile: caFor.get(integration) }),
      publish: monitor.publish,
    },
  );
  if (hub.recovery.error) log.warn(`flash log: ${hub.recovery.error}`);

  // Consent the configuration states is given once, by the installer, and audited;
  // later changes belong to the homeowner (the web page), so they are not overwritten.
  for (const integration of config.integrations) {
    const id = integration.contract.integration;
    if (!hub.integrations.includes(id)) continue;
    for (const [purpose, given] of Object.entries(integration.consent)) {
      if (given && !hub.consent.isDecided(id, purpose)) hub.giveConsent(id, purpose, 'installer (configuration)');
    }
  }

  const local = mqtt.connect(localBrokerUrl, {
    clientId: `airlock-${config.hubId}-sources`,
    reconnectPeriod: 2000,
    connectTimeout: 5000,
    ...('url' in localConfig && localConfig.username ? { username: localConfig.username, password: config.secret(localConfig.password?.secret ?? '') } : {}),
  });
  let warned = false;
  local.on('connect', () => {
    warned = false;
    log.info('home broker connected', { url: localBrokerUrl });
    local.subscribe(hub.subscriptions, { qos: 0 });
  });
  local.on('error', (error) => {
    if (!warned) log.warn('home broker unreachable; retrying (enforcement, buffering and the page keep running)', { url: localBrokerUrl, error: error.message });
    warned = true;
  });
  local.on('message', (topic, payload) => hub.acceptMqtt(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.length)));

  hub.start();
  monitor.attach(hub.monitor);

  // The desktop has no BLE radio: `sources.bthome.replayFile` feeds recorded advertisements once at start.
  if (config.bthomeReplay) {
    const replay = readReplayFile(config.bthomeReplay);
    if (replay.badLines.length > 0) log.warn('BLE replay: lines skipped (not {"mac", "data"} objects)', { file: config.bthomeReplay, lines: replay.badLines.join(',') });
    for (const frame of replay.frames) hub.acceptBle(frame.mac, frame.data, frame.rssi);
    log.info('BLE replay', { file: config.bthomeReplay, frames: replay.frames.length });
  }

  let web: WebServer | undefined;
  let setupCode: string | undefined;
  let facade: HubWebPage['facade'] | undefined;
  const webConfig = config.file.web;
  if (webConfig !== false) {
    const page = createHubWebPage(hub, host, log, loadWebAssets(WEB_ASSETS), { pbkdf2Iterations: DESKTOP_PBKDF2_ITERATIONS });
    facade = page.facade;
    const router = page.router;
    setupCode = router.auth.boot();
    const listenOn = { port: webConfig?.port ?? 8080, host: webConfig?.host ?? '127.0.0.1' };
    try {
      web = await startWebServer(router, listenOn);
    } catch (error) {
      if (!options.webPortFallback) {
        await hub.stop();
        throw new Error(`web: cannot listen on ${listenOn.host}:${listenOn.port} (${(error as Error).message}); set "web": {"port": ...} or "web": false`);
      }
      web = await startWebServer(router, { ...listenOn, port: 0 });
    }
    log.info('web page', { url: web.url });
  }

  let stopped = false;
  return {
    hub,
    host,
    localBrokerUrl,
    monitorBrokerUrl,
    embedded,
    local,
    monitor,
    web,
    setupCode,
    async stop() {
      if (stopped) return;
      stopped = true;
      await web?.close();
      facade?.stop();
      await hub.stop();
      await local.endAsync(true).catch(() => undefined);
      await monitor.close().catch(() => undefined);
      await embedded?.close();
      auditFlash.close();
      host.close();
    },
  };
}
