/**
 * Firmware entry for the ESP32 and Moddable's simulator (built by mcconfig
 * from manifest.json): the board's boot sequence around the core runtime
 * (modules/hub/runtime.ts), which the desktop's `airlock run` calls too.
 *
 * Boot order (docs/esp32.md, "Boot and degraded states"): the supervisor
 * counts the boot; `config.airlock` is checked against the configuration
 * model (every problem becomes a boot problem with its path); the log, audit
 * and archive partitions are opened; the key store is listed before anything
 * creates keys; the firmware's update trial starts; the runtime composes the
 * hub over the Moddable bindings and the key check is judged by its own log
 * scan; then BLE, Wi-Fi, SNTP, the brokers and the page come up. Nothing here
 * throws out of main or restarts the hub: failures become a reported
 * degraded state, and repeated unfinished boots lead to safe mode (no hub:
 * only the page's status, Wi-Fi setup and signed updates).
 */
// First: the globals the core and cbor-x expect (hosts/moddable/globals.ts says why).
import './hosts/moddable/globals.js';
import config from 'mc/config';
import Preference from 'preference';
import { BootSupervisor, checkKeyStore, healthyForConfirmation, listKeysAtBoot, openLogPartition, type BootReport } from './modules/boot.js';
import { fromHex, utf8 } from './modules/bytes.js';
import type { Flash } from './modules/host.js';
import { checkProfile } from './modules/hub/board-profile.js';
import { boardSettings } from './modules/hub/board-settings.js';
import { FlashContractArchive } from './modules/hub/flash-archive.js';
import { memoryContractArchive } from './modules/hub/memory-archive.js';
import { bootProblem, checkConfigContents } from './modules/hub/runtime-check.js';
import { parseRuntimeConfig, type RuntimeConfig } from './modules/hub/runtime-config.js';
import { startRuntime, type Runtime } from './modules/hub/runtime.js';
import { startSettings } from './modules/hub/runtime-settings.js';
import { Keyring, KEYRING_DOMAIN } from './modules/keyring.js';
import { MemoryFlash } from './modules/memory-flash.js';
import { UpdateInstaller } from './modules/update/installer.js';
import { UpdateTrial, type UpdateStatus } from './modules/update/trial.js';
import { startBthomeScan } from './hosts/moddable/ble.js';
import { boardBrokers } from './hosts/moddable/brokers.js';
import { openFlashPartition } from './hosts/moddable/flash.js';
import { makeModdableHost, traceLogger } from './hosts/moddable/host.js';
import { startWebServer, type WebRequest, type WebResponse } from './hosts/moddable/http-server.js';
import type { MqttConnection } from './hosts/moddable/mqtt.js';
import { bundledContracts, resourceWebAssets } from './hosts/moddable/resources.js';
import { secretStore } from './hosts/moddable/secrets.js';
import { startTimeSync } from './hosts/moddable/sntp.js';
import { preferenceStore } from './hosts/moddable/store.js';
import { makeTransport } from './hosts/moddable/transports.js';
import { fetchContract } from './hosts/moddable/fetch-contract.js';
import { otaFirmwareSlot } from './hosts/moddable/update-slot.js';
import { updateUploads } from './hosts/moddable/update-upload.js';
import { startWifi, type WifiController } from './hosts/moddable/wifi.js';

/** The manifest's `config.airlock`: the configuration model (modules/hub/runtime-config.ts), checked at boot. */
const raw: unknown = (config as unknown as { airlock?: unknown }).airlock;

/** RAM stand-ins when a partition is missing: the hub still enforces, but keeps nothing across a restart. */
const VOLATILE_LOG = { bytes: 4 * 1024, block: 1024 };
const VOLATILE_AUDIT = { bytes: 2 * 1024, block: 1024 };

export default function main(): void {
  const log = traceLogger();
  const store = preferenceStore(Preference);
  const supervisor = new BootSupervisor({ store, log });
  supervisor.begin();
  const safe = supervisor.report().mode === 'safe';
  const board = boardSettings(raw);
  const parsed = parseRuntimeConfig(raw);
  for (const problem of parsed.problems) supervisor.problem(bootProblem(problem));
  // A configuration beyond the board profile is refused whole, now, rather than running into "memory full" later.
  const beyondProfile = parsed.config && board.profile ? checkProfile(board.profile, parsed.config) : [];
  for (const problem of beyondProfile) supervisor.problem(bootProblem(problem));

  const recordFlash = openLogPartition(supervisor, () => openFlashPartition(board.partition), { minBytes: board.logMinBytes, blockSize: 4096 });
  const host = makeModdableHost(store, { recordFlash: recordFlash ?? new MemoryFlash(VOLATILE_LOG.bytes, VOLATILE_LOG.block) });
  // Listed before the hub's keyring can create a master key: an empty list next to sealed records means the keys were lost.
  const keysAtBoot = listKeysAtBoot(supervisor, host.store, KEYRING_DOMAIN);

  const firmwareSlot = otaFirmwareSlot();
  const trial = supervisor.step('update', 'update-state', 'erase the NVS partition if this repeats', () => {
    const t = new UpdateTrial('firmware', { store: host.store, control: firmwareSlot, log }, { runningVersion: board.version });
    t.start();
    return t;
  });
  const firmwareInstaller =
    trial &&
    supervisor.step('update', 'update-key', 'set airlock.updateKey in manifest.json to the vendor\'s P-256 public key (docs/esp32.md)', () =>
      new UpdateInstaller('firmware', fromHex(board.updateKey), { crypto: host.crypto, slot: firmwareSlot, trial, log }),
    );
  // Contract bundles arrive as signed updates too once a contract slot exists; today they ship in the image.
  const uploads = updateUploads(firmwareInstaller ? [firmwareInstaller] : [], () => host.timers.set(() => firmwareSlot.restart(), 2000));
  const report = (): BootReport => supervisor.report();
  const versions = (): UpdateStatus | { running: string } => trial?.status() ?? { running: board.version };

  const connections: MqttConnection[] = []; // opened once Wi-Fi is up
  let wifi: WifiController | undefined; // started after the runtime; its settings page reaches it through this
  let online = false;
  const runtime = safe || !parsed.config || beyondProfile.length > 0 ? undefined : startBoardRuntime(parsed.config);

  function startBoardRuntime(fileConfig: RuntimeConfig): Runtime | undefined {
    const auditFlash =
      openLogPartition(supervisor, () => openFlashPartition(board.auditPartition), { minBytes: board.auditMinBytes, blockSize: 4096 }) ??
      volatileAudit();
    const archive =
      supervisor.step('contracts', 'archive-missing', 'flash the firmware with its partition table (airlockctr); earlier contract versions are kept in RAM until then', () =>
        new FlashContractArchive(openFlashPartition(board.archivePartition), log),
      ) ?? memoryContractArchive();
    const nvsSecret = secretStore(host.store, host.crypto, log, fileConfig.secrets);
    // What the page saved in NVS lies over config.airlock (docs/configuration.md says what wins).
    const saved = startSettings(fileConfig, { store: host.store, crypto: host.crypto, log, secret: nvsSecret });
    const settings = saved.config;
    const secret = saved.secret;
    const checked = checkConfigContents(settings, {
      readContract: (name) => {
        const file = bundledContracts([name]).files[0];
        return file ? { text: file.text } : { error: `${name} is not in the image` };
      },
      hasSecret: (name) => secret(name) !== undefined,
      secretsWhere: 'NVS',
    });
    for (const problem of checked.problems) supervisor.problem(bootProblem(problem));
    const webAssets =
      settings.web === false ? undefined : supervisor.step('web', 'web-assets', 'run `npm run build` before mcconfig so the page is in the image', resourceWebAssets);
    const hubId = settings.hubId;
    const started = supervisor.step('hub', 'hub-unavailable', 'see the other problems (keys, store); restore NVS or reset the keys from the page', () =>
      startRuntime(
        {
          config: fileConfig,
          integrations: checked.integrations,
          version: versions().running,
          model: 'ESP32',
          versions,
          // The profile's RAM window, its cap of vendor sessions (TLS) open at once, of devices the hub keeps
          // state for, and of integrations (the page cannot add one beyond it).
          ...(board.profile
            ? {
                buffer: board.profile.ramWindow,
                sessions: { maxSessions: board.profile.maxSessions },
                maxDevices: board.profile.maxDevices,
                maxIntegrations: board.profile.maxIntegrations,
              }
            : {}),
        },
        {
          host,
          auditFlash,
          archive,
          // `lookup` is the runtime's one secret lookup: what the owner entered on the page (the same NVS domain) first.
          transport: (integration, endpoint, contract, { secret: lookup, sessions }) =>
            makeTransport(integration, endpoint, contract, { hubId, secret: lookup, timers: host.timers, log, connections, online: () => online, sessions }),
          fetch: fetchContract({ timers: host.timers }),
          connect: boardBrokers({ timers: host.timers, log, supervisor, secret, connections, online: () => online }),
          secret,
          settings: saved,
          // A bindkey the page adds must fit the profile too: beyond it the next boot would refuse the configuration.
          ...(board.profile ? { checkSettings: (candidate: RuntimeConfig) => checkProfile(board.profile!, candidate) } : {}),
          // Wi-Fi starts after the runtime: the page reaches it late.
          wifi: { network: () => wifi?.network(), save: (credentials) => wifi?.saveCredentials(credentials) },
          ...(webAssets ? { webAssets } : {}),
          admit: (check) => {
            checkKeyStore(supervisor, host.store, KEYRING_DOMAIN, { logHasRecords: check.logHeldRecords, keysAtBoot, probe: check.probeKeys });
            return report().capabilities.forwarding;
          },
        },
      ),
    );
    if (!started) checkKeyStore(supervisor, host.store, KEYRING_DOMAIN, { logHasRecords: false, keysAtBoot, probe: () => new Keyring(host).hubKey('boot-check') });
    return started;
  }

  function volatileAudit(): Flash {
    supervisor.problem({
      component: 'audit',
      code: 'audit-volatile',
      message: `the audit partition "${board.auditPartition}" is unusable; audit entries are kept in RAM until the next restart`,
      action: 'flash the firmware with its partition table (hosts/moddable/partitions.csv)',
    });
    return new MemoryFlash(VOLATILE_AUDIT.bytes, VOLATILE_AUDIT.block);
  }

  if (runtime?.running) {
    supervisor.step('ble', 'ble-unavailable', 'rebuild with the BLE client enabled', () =>
      startBthomeScan((mac, serviceData, rssi) => runtime.acceptBle(mac, serviceData, rssi), log),
    );
  }

  wifi = supervisor.step('wifi', 'wifi-unavailable', 'check the board has Wi-Fi', () =>
    startWifi({ store: host.store, random: host.random, timers: host.timers, clock: host.clock, log, supervisor }),
  );
  const time = startTimeSync({ timers: host.timers, log, supervisor });
  if (host.clock.wallTime() === undefined) {
    supervisor.problem({ component: 'time', code: 'time-unknown', message: 'wall time not known yet (waiting for SNTP)', action: 'connect the hub to the internet' });
  }

  wifi?.onOnline(() => {
    online = true;
    time.syncNow();
    for (const connection of connections) if (!connection.connected) connection.open();
  });
  wifi?.onOffline(() => {
    online = false;
  });

  // The page: the shared router over the hub's facade, plus /api/status (boot report and versions, public:
  // it is what an owner needs to recover, and holds no secrets). Without a hub, only /api/status and updates.
  const status = (): WebResponse => ({
    status: 200,
    headers: [['content-type', 'application/json'], ['cache-control', 'no-store']],
    body: utf8(JSON.stringify({ boot: report(), firmware: versions() })),
  });
  const pageRouter = runtime?.page?.router; // its setup code went to the console when it was built
  const route = async (request: WebRequest): Promise<WebResponse> => {
    if (request.path === '/api/status' && (request.method === 'GET' || request.method === 'HEAD')) return status();
    if (pageRouter) return pageRouter.handle(request);
    return {
      status: 503,
      headers: [['content-type', 'application/json']],
      body: utf8(JSON.stringify({ error: safe ? 'safe-mode' : 'hub-unavailable', message: 'The hub is not running; GET /api/status says why.' })),
    };
  };
  const web = parsed.config?.web;
  supervisor.step('web', 'web-unavailable', 'port taken; rebuild with another config.airlock.web.port', () =>
    startWebServer(route, log, { uploads, ...(web && web.port ? { port: web.port } : {}) }),
  );

  const ready = supervisor.ready();
  log.info('airlock: booted', { version: board.version, profile: board.profile?.name ?? 'none', mode: ready.mode, boot: host.clock.bootCount, integrations: runtime?.snapshot().integrations.length ?? 0 });

  // A trial image is kept only after it has run healthy for a while: a crash soon after boot still reverts.
  if (trial && trial.status().state === 'trial') {
    host.timers.set(() => {
      if (healthyForConfirmation(report())) trial.confirm();
      else trial.fail(`unhealthy after ${board.confirmAfterMs} ms: ${report().problems.map((p) => p.code).join(', ')}`);
    }, board.confirmAfterMs);
  }
}
