/**
 * Firmware entry for the ESP32 and Moddable's simulator (built by mcconfig
 * from manifest.json). It composes the same Hub as the desktop
 * (hosts/node/desktop-hub.ts, `airlock run`) over the Moddable bindings.
 *
 * Boot order (docs/esp32.md, "Boot and degraded states"): the supervisor
 * counts the boot; the log, audit and archive partitions are opened; the key
 * store is listed before anything creates keys; the firmware's update trial
 * starts; the bundled contracts are parsed; the hub is composed and the key
 * check judged by its own log scan; then BLE, Wi-Fi, SNTP, the brokers and
 * the page come up. Nothing here throws out of main or restarts the hub:
 * failures become a reported degraded state, and repeated unfinished boots
 * lead to safe mode (no hub: only the page's status, Wi-Fi setup and
 * signed updates).
 */
// First: the globals the core and cbor-x expect (hosts/moddable/globals.ts says why).
import './hosts/moddable/globals.js';
import config from 'mc/config';
import Preference from 'preference';
import { MemoryFlash } from './hosts/sim/memory-flash.js';
import {
  BootSupervisor,
  checkKeyStore,
  healthyForConfirmation,
  listKeysAtBoot,
  logHeldRecords,
  openLogPartition,
  type BootReport,
} from './modules/boot.js';
import { fromHex, utf8 } from './modules/bytes.js';
import type { Contract } from './modules/contract/types.js';
import type { Flash } from './modules/host.js';
import { parseContractBundle } from './modules/hub/contract-bundle.js';
import { FlashContractArchive } from './modules/hub/flash-archive.js';
import { Hub, type ContractArchive } from './modules/hub/hub.js';
import { createHubWebPage } from './modules/hub/web-page.js';
import { Keyring, KEYRING_DOMAIN } from './modules/keyring.js';
import { UpdateInstaller } from './modules/update/installer.js';
import { UpdateTrial, type UpdateStatus } from './modules/update/trial.js';
import { startBthomeScan } from './hosts/moddable/ble.js';
import { openFlashPartition } from './hosts/moddable/flash.js';
import { makeModdableHost, traceLogger } from './hosts/moddable/host.js';
import { startWebServer, type WebRequest, type WebResponse } from './hosts/moddable/http-server.js';
import { MqttConnection, monitorPublish } from './hosts/moddable/mqtt.js';
import { bundledContracts, resourceWebAssets } from './hosts/moddable/resources.js';
import { secretStore } from './hosts/moddable/secrets.js';
import { startTimeSync } from './hosts/moddable/sntp.js';
import { preferenceStore } from './hosts/moddable/store.js';
import { makeTransport } from './hosts/moddable/transports.js';
import { otaFirmwareSlot } from './hosts/moddable/update-slot.js';
import { updateUploads } from './hosts/moddable/update-upload.js';
import { startWifi } from './hosts/moddable/wifi.js';

interface BrokerSettings {
  host: string;
  port?: number;
  tls?: boolean;
  username?: string;
  password?: string;
}

interface AirlockConfig {
  version: string;
  /** The sealed record log's partition. */
  partition: string;
  /** Smallest usable log partition, bytes. */
  logMinBytes: number;
  /** The audit log's partition (its own, so a full record log never touches the audit chain). */
  auditPartition: string;
  auditMinBytes: number;
  /** Earlier contract versions (modules/hub/flash-archive.ts). */
  archivePartition: string;
  /** Bundled contract files (manifest.json `data`), by resource name. */
  contracts: string[];
  /** Uptime after which a healthy trial image is confirmed. */
  confirmAfterMs: number;
  /** The home's broker (zigbee2mqtt, Tasmota, ESPHome); without it only BTHome feeds the hub. */
  homeBroker?: BrokerSettings;
  /** Where monitoring goes (Home Assistant's broker); defaults to the home broker. */
  monitor?: BrokerSettings;
  hubId?: string;
  /** Per-integration endpoint overrides (an installer's relay). */
  endpoints?: Record<string, string>;
  /** Lab builds only: credential values copied into NVS on first boot (hosts/moddable/secrets.ts). */
  secrets?: Record<string, string>;
  webPort?: number;
  /** Hex of the vendor's P-256 update public key (65 bytes, uncompressed); without it updates are refused. */
  updateKey?: string;
}

const settings = (config as unknown as { airlock: AirlockConfig }).airlock;

/** RAM stand-ins when a partition is missing: the hub still enforces, but keeps nothing across a restart. */
const VOLATILE_LOG = { bytes: 4 * 1024, block: 1024 };
const VOLATILE_AUDIT = { bytes: 2 * 1024, block: 1024 };

/** An archive that forgets on restart, when its partition is missing. */
function memoryArchive(): ContractArchive {
  const kept = new Map<string, Contract>();
  return { load: (id, version) => kept.get(`${id}@${version}`), save: (c) => void kept.set(`${c.integration}@${c.version}`, c) };
}

export default function main(): void {
  const log = traceLogger();
  const store = preferenceStore(Preference);
  const supervisor = new BootSupervisor({ store, log });
  supervisor.begin();
  const safe = supervisor.report().mode === 'safe';
  const hubId = settings.hubId ?? 'airlock';

  const recordFlash = openLogPartition(supervisor, () => openFlashPartition(settings.partition), { minBytes: settings.logMinBytes, blockSize: 4096 });
  const host = makeModdableHost(store, { recordFlash: recordFlash ?? new MemoryFlash(VOLATILE_LOG.bytes, VOLATILE_LOG.block) });
  // Listed before the hub's keyring can create a master key: an empty list next to sealed records means the keys were lost.
  const keysAtBoot = listKeysAtBoot(supervisor, host.store, KEYRING_DOMAIN);

  const firmwareSlot = otaFirmwareSlot();
  const trial = supervisor.step('update', 'update-state', 'erase the NVS partition if this repeats', () => {
    const t = new UpdateTrial('firmware', { store: host.store, control: firmwareSlot, log }, { runningVersion: settings.version });
    t.start();
    return t;
  });
  const firmwareInstaller =
    trial &&
    supervisor.step('update', 'update-key', 'set airlock.updateKey in manifest.json to the vendor\'s P-256 public key (docs/esp32.md)', () =>
      new UpdateInstaller('firmware', fromHex(settings.updateKey ?? ''), { crypto: host.crypto, slot: firmwareSlot, trial, log }),
    );
  // Contract bundles arrive as signed updates too once a contract slot exists; today they ship in the image.
  const uploads = updateUploads(firmwareInstaller ? [firmwareInstaller] : [], () => host.timers.set(() => firmwareSlot.restart(), 2000));
  const report = (): BootReport => supervisor.report();
  const versions = (): UpdateStatus | undefined => trial?.status();

  // Monitoring connection first: the hub publishes through it.
  const monitorBroker = settings.monitor ?? settings.homeBroker;
  const monitor =
    monitorBroker && !safe
      ? new MqttConnection(
          { ...monitorBroker, clientId: `airlock-${hubId}-monitor`, will: { topic: `airlock/${hubId}/status`, message: 'offline', retain: true } },
          { timers: host.timers, log },
        )
      : undefined;
  const publish = monitor ? monitorPublish(monitor, log) : undefined;

  const connections: MqttConnection[] = [];
  let online = false;
  const hub = safe ? undefined : composeHub();

  function composeHub(): Hub | undefined {
    const auditFlash =
      openLogPartition(supervisor, () => openFlashPartition(settings.auditPartition), { minBytes: settings.auditMinBytes, blockSize: 4096 }) ??
      volatileAudit();
    const archive =
      supervisor.step('contracts', 'archive-missing', 'flash the firmware with its partition table (airlockctr); earlier contract versions are kept in RAM until then', () =>
        new FlashContractArchive(openFlashPartition(settings.archivePartition), log),
      ) ?? memoryArchive();
    const bundle = bundledContracts(settings.contracts ?? []);
    if (bundle.missing.length > 0) {
      supervisor.problem({
        component: 'contracts',
        code: 'contract-missing',
        message: `config.airlock.contracts names files the image does not carry: ${bundle.missing.join(', ')}`,
        action: 'add them to manifest.json "data" (contracts/) and rebuild',
      });
    }
    const contracts = parseContractBundle(bundle.files, supervisor);
    const secret = secretStore(host.store, host.crypto, log, settings.secrets);
    const built = supervisor.step('hub', 'hub-unavailable', 'see the other problems (keys, store); restore NVS or reset the keys from the page', () =>
      new Hub(
        {
          hubId,
          version: versions()?.running ?? settings.version,
          model: 'ESP32',
          integrations: contracts.map((contract) => ({ contract, endpoint: settings.endpoints?.[contract.integration] })),
          // BTHome over BLE plus the MQTT sources on the home broker (all default on).
        },
        {
          host,
          auditFlash,
          archive,
          transport: (integration, endpoint, contract) =>
            makeTransport(integration, endpoint, contract, { hubId, secret, timers: host.timers, log, connections, online: () => online }),
          ...(publish ? { publish } : {}),
        },
      ),
    );
    checkKeyStore(supervisor, host.store, KEYRING_DOMAIN, {
      logHasRecords: built ? logHeldRecords(built.recovery) : false,
      keysAtBoot,
      probe: () => (built?.keyring ?? new Keyring(host)).hubKey('boot-check'),
    });
    if (built && report().capabilities.forwarding) built.start();
    return built;
  }

  function volatileAudit(): Flash {
    supervisor.problem({
      component: 'audit',
      code: 'audit-volatile',
      message: `the audit partition "${settings.auditPartition}" is unusable; audit entries are kept in RAM until the next restart`,
      action: 'flash the firmware with its partition table (hosts/moddable/partitions.csv)',
    });
    return new MemoryFlash(VOLATILE_AUDIT.bytes, VOLATILE_AUDIT.block);
  }

  if (hub && report().capabilities.forwarding) {
    supervisor.step('ble', 'ble-unavailable', 'rebuild with the BLE client enabled', () =>
      startBthomeScan((mac, serviceData, rssi) => hub.acceptBle(mac, serviceData, rssi), log),
    );
  }

  const wifi = supervisor.step('wifi', 'wifi-unavailable', 'check the board has Wi-Fi', () =>
    startWifi({ store: host.store, random: host.random, timers: host.timers, clock: host.clock, log, supervisor }),
  );
  const time = startTimeSync({ timers: host.timers, log, supervisor });
  if (host.clock.wallTime() === undefined) {
    supervisor.problem({ component: 'time', code: 'time-unknown', message: 'wall time not known yet (waiting for SNTP)', action: 'connect the hub to the internet' });
  }

  // The home's broker: device messages in (subscriptions are the hub's decoders' topics).
  const home =
    hub && settings.homeBroker && report().capabilities.forwarding
      ? new MqttConnection({ ...settings.homeBroker, clientId: `airlock-${hubId}-sources` }, { timers: host.timers, log })
      : undefined;
  if (home && hub) {
    for (const topic of hub.subscriptions) home.subscribe(topic, 0);
    home.onMessage = (topic, payload) => hub.acceptMqtt(topic, payload);
    connections.push(home);
  }

  if (monitor) {
    monitor.onConnected = () => {
      publish!(`airlock/${hubId}/status`, 'online', { retain: true, qos: 1 });
      publish!(`airlock/${hubId}/version`, JSON.stringify(versions() ?? { running: settings.version }), { retain: true, qos: 1 });
      hub?.monitor.connected(); // discovery and the full state, again after every reconnect
    };
    connections.push(monitor);
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
    body: utf8(JSON.stringify({ boot: report(), firmware: versions() ?? { running: settings.version } })),
  });
  const pageRouter = hub
    ? supervisor.step('web', 'web-assets', 'run `npm run build` before mcconfig so the page is in the image', () => {
        const { router } = createHubWebPage(hub, host, log, resourceWebAssets());
        router.auth.boot(); // logs the first-boot owner setup code on the console
        return router;
      })
    : undefined;
  const route = async (request: WebRequest): Promise<WebResponse> => {
    if (request.path === '/api/status' && (request.method === 'GET' || request.method === 'HEAD')) return status();
    if (pageRouter) return pageRouter.handle(request);
    return {
      status: 503,
      headers: [['content-type', 'application/json']],
      body: utf8(JSON.stringify({ error: safe ? 'safe-mode' : 'hub-unavailable', message: 'The hub is not running; GET /api/status says why.' })),
    };
  };
  supervisor.step('web', 'web-unavailable', 'port taken; rebuild with another config.airlock.webPort', () =>
    startWebServer(route, log, { uploads, ...(settings.webPort ? { port: settings.webPort } : {}) }),
  );

  const ready = supervisor.ready();
  log.info('airlock: booted', { version: settings.version, mode: ready.mode, boot: host.clock.bootCount, integrations: hub?.integrations.length ?? 0 });

  // A trial image is kept only after it has run healthy for a while: a crash soon after boot still reverts.
  if (trial && versions()?.state === 'trial') {
    host.timers.set(() => {
      if (healthyForConfirmation(report())) trial.confirm();
      else trial.fail(`unhealthy after ${settings.confirmAfterMs} ms: ${report().problems.map((p) => p.code).join(', ')}`);
    }, settings.confirmAfterMs);
  }
}
