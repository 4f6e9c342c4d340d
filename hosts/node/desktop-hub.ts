/**
 * `airlock run`: the hub on a desktop. The same runtime as the ESP32
 * (modules/hub/runtime.ts) over the desktop's bindings: a file as NOR flash,
 * brokers through MQTT.js (or an embedded aedes broker), transports over
 * MQTT.js and node:https, the page over node:http.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../modules/host.js';
import { startRuntime, type Runtime } from '../../modules/hub/runtime.js';
import { startSettings } from '../../modules/hub/runtime-settings.js';
import type { LoadedConfig } from './config.js';
import { fileContractArchive } from './contract-archive.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import { FileFlash } from './file-flash.js';
import { consoleLogger, makeNodeHost } from './host.js';
import { brokerUrl, nodeBrokers } from './mqtt-brokers.js';
import { makeTransport } from './transports.js';
import { fetchContract } from './fetch-contract.js';
import { startWebServer, type WebServer } from './http-server.js';
import { loadWebAssets } from './web-assets.js';
import { readReplayFile } from './ble-replay.js';

/**
 * Each integration's RAM window on the desktop: memory is plentiful, so the
 * window holds a restart burst (1 000 records/s for 2 s) without spilling;
 * the spill delay is the core's (5 s). A board profile sets smaller ones.
 */
const DESKTOP_WINDOW = { records: 4096, bytes: 512 * 1024 } as const;

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
  /** The hub's state, as monitoring publishes it (the console's summary). */
  snapshot: Runtime['snapshot'];
  /** A BTHome advertisement (the demo's simulated thermometer). */
  acceptBle: Runtime['acceptBle'];
  /** The home broker's URL (the embedded one's, when embedded). */
  localBrokerUrl?: string;
  monitorBrokerUrl?: string;
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

/**
 * The desktop's boot: the data folder's flash files and key store, an
 * embedded broker when configured, then the core runtime
 * (modules/hub/runtime.ts) over the Node bindings, and the page's server.
 */
export async function runHub(config: LoadedConfig, options: RunOptions = {}): Promise<RunningHub> {
  const log = options.log ?? consoleLogger();
  const flash = config.file.flash ?? {};
  const host = makeNodeHost({ dataDir: config.dataDir, flashBytes: flash.recordBytes, blockSize: flash.blockSize, noWallClock: options.noWallClock, log });
  // What the page saved in the data folder lies over the file (docs/configuration.md says what wins).
  const settings = startSettings(config.file, { store: host.store, crypto: host.crypto, log, secret: config.secret });
  const file = settings.config;
  const auditFlash = new FileFlash({ path: join(config.dataDir, 'audit.flash'), byteLength: flash.auditBytes ?? 16 * 4096, blockSize: flash.blockSize ?? 4096 });

  let embedded: EmbeddedBroker | undefined;
  const embeddedAt = (['localBroker', 'monitorBroker'] as const).find((key) => file[key] && 'embedded' in file[key]);
  const embeddedConfig = embeddedAt && file[embeddedAt];
  if (embeddedConfig && 'embedded' in embeddedConfig) {
    const port = embeddedConfig.port ?? 1883;
    try {
      embedded = await startEmbeddedBroker({ port, host: embeddedConfig.host ?? '127.0.0.1' });
    } catch (error) {
      auditFlash.close();
      host.close();
      throw new Error(`${embeddedAt}: cannot start the embedded broker on port ${port} (${(error as Error).message}); pick another "port" or point "url" at your broker`);
    }
  }
  const localBrokerUrl = file.localBroker && brokerUrl(file.localBroker, embedded?.url);
  const monitorBroker = file.monitorBroker ?? file.localBroker;
  const monitorBrokerUrl = monitorBroker && brokerUrl(monitorBroker, embedded?.url);

  const hubId = file.hubId;
  const caFor = new Map(config.integrations.map((i) => [i.contract.integration, i.ca]));
  const runtime = startRuntime(
    { config: config.file, integrations: config.integrations, version: VERSION, model: 'desktop host', buffer: DESKTOP_WINDOW, pbkdf2Iterations: DESKTOP_PBKDF2_ITERATIONS },
    {
      host,
      auditFlash,
      archive: fileContractArchive(join(config.dataDir, 'contracts')),
      // Connections open on demand, shared per endpoint; a desktop has no cap unless the configuration sets one.
      // `secret` is the runtime's one lookup: what the owner entered on the page first, then the secrets file.
      transport: (integration, endpoint, contract, { secret, sessions }) =>
        makeTransport(endpoint, contract, { hubId, secret: (name) => secret(name) ?? '', caFile: caFor.get(integration), sessions }),
      fetch: fetchContract(),
      connect: nodeBrokers({ log, secret: settings.secret, ...(embedded ? { embeddedUrl: embedded.url } : {}), path: (p) => resolve(dirname(resolve(config.path)), p) }),
      secret: config.secret,
      settings,
      ...(file.web !== false ? { webAssets: loadWebAssets(WEB_ASSETS) } : {}),
    },
  );

  // The desktop has no BLE radio: `sources.bthome.replayFile` feeds recorded advertisements once at start.
  if (config.bthomeReplay) {
    const replay = readReplayFile(config.bthomeReplay);
    if (replay.badLines.length > 0) log.warn('BLE replay: lines skipped (not {"mac", "data"} objects)', { file: config.bthomeReplay, lines: replay.badLines.join(',') });
    for (const frame of replay.frames) runtime.acceptBle(frame.mac, frame.data, frame.rssi);
    log.info('BLE replay', { file: config.bthomeReplay, frames: replay.frames.length });
  }

  let web: WebServer | undefined;
  const webConfig = file.web;
  if (runtime.page && webConfig !== false) {
    const listenOn = { port: webConfig?.port ?? 8080, host: webConfig?.host ?? '127.0.0.1' };
    try {
      web = await startWebServer(runtime.page.router, listenOn);
    } catch (error) {
      if (!options.webPortFallback) {
        await runtime.stop();
        await embedded?.close();
        auditFlash.close();
        host.close();
        throw new Error(`web: cannot listen on ${listenOn.host}:${listenOn.port} (${(error as Error).message}); set "web": {"port": ...} or "web": false`);
      }
      web = await startWebServer(runtime.page.router, { ...listenOn, port: 0 });
    }
    log.info('web page', { url: web.url });
  }

  let stopped = false;
  return {
    snapshot: () => runtime.snapshot(),
    acceptBle: (mac, data, rssi) => runtime.acceptBle(mac, data, rssi),
    ...(localBrokerUrl ? { localBrokerUrl } : {}),
    ...(monitorBrokerUrl ? { monitorBrokerUrl } : {}),
    ...(web ? { web } : {}),
    ...(runtime.page?.setupCode ? { setupCode: runtime.page.setupCode } : {}),
    async stop() {
      if (stopped) return;
      stopped = true;
      await web?.close();
      await runtime.stop();
      await embedded?.close();
      auditFlash.close();
      host.close();
    },
  };
}
