/**
 * Firmware entry for the ESP32 and Moddable's simulator (built by mcconfig
 * from manifest.json). The desktop equivalent is `airlock run`.
 *
 * Boot order (docs/esp32.md, "Boot and degraded states"): the supervisor
 * counts the boot, the log partition and the key store are checked, the
 * firmware's update trial starts, then the network side comes up. Nothing
 * here throws out of main or restarts the hub: failures become a reported
 * degraded state, and repeated unfinished boots lead to safe mode.
 *
 * LEAD: the places marked `LEAD:` are where the shared composition root
 * (records, contracts, forwarder, web layer, BTHome source, audit log)
 * plugs in; this branch could not see those modules.
 */
import config from 'mc/config';
import { BootSupervisor, checkKeyStore, healthyForConfirmation, openLogPartition, type BootReport } from './modules/boot.js';
import { fromHex, utf8 } from './modules/bytes.js';
import { Keyring, KEYRING_DOMAIN } from './modules/keyring.js';
import { UpdateInstaller } from './modules/update/installer.js';
import { UpdateTrial, type UpdateStatus } from './modules/update/trial.js';
import { startBthomeScan } from './hosts/moddable/ble.js';
import { openFlashPartition, unavailableFlash } from './hosts/moddable/flash.js';
import { makeModdableHost, traceLogger } from './hosts/moddable/host.js';
import { startWebServer, type WebRequest, type WebResponse } from './hosts/moddable/http-server.js';
import { MqttConnection, monitorPublish } from './hosts/moddable/mqtt.js';
import { startTimeSync } from './hosts/moddable/sntp.js';
import { preferenceStore } from './hosts/moddable/store.js';
import { otaFirmwareSlot } from './hosts/moddable/update-slot.js';
import { updateUploads } from './hosts/moddable/update-upload.js';
import { startWifi } from './hosts/moddable/wifi.js';

interface AirlockConfig {
  version: string;
  partition: string;
  /** Smallest usable log partition, bytes. */
  logMinBytes: number;
  /** Uptime after which a healthy trial image is confirmed. */
  confirmAfterMs: number;
  monitor?: { host: string; port?: number; tls?: boolean; username?: string; password?: string };
  hubId?: string;
  /** Hex of the vendor's P-256 update public key (65 bytes, uncompressed); without it updates are refused. */
  updateKey?: string;
}

const settings = (config as unknown as { airlock: AirlockConfig }).airlock;

export default function main(): void {
  const log = traceLogger();
  const supervisor = new BootSupervisor({ store: preferenceStore, log });
  supervisor.begin();

  const flash = openLogPartition(supervisor, () => openFlashPartition(settings.partition), { minBytes: settings.logMinBytes, blockSize: 4096 });
  const host = makeModdableHost({ recordFlash: flash ?? unavailableFlash('see the boot report') });
  const keyring = new Keyring({ store: host.store, crypto: host.crypto, random: host.random });
  // LEAD: pass whether the record log holds records (the flash log's recovery scan knows).
  checkKeyStore(supervisor, host.store, KEYRING_DOMAIN, { logHasRecords: false, probe: () => keyring.hubKey('boot-check') });

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
  // LEAD: a contracts installer (UpdateTrial('contracts') + a contract-bundle slot) joins this list.
  const uploads = updateUploads(firmwareInstaller ? [firmwareInstaller] : [], () => host.timers.set(() => firmwareSlot.restart(), 2000));

  const report = (): BootReport => supervisor.report();
  const versions = (): UpdateStatus | undefined => trial?.status();

  if (report().mode !== 'safe') {
    supervisor.step('ble', 'ble-unavailable', 'rebuild with the BLE client enabled', () =>
      // LEAD: replace the sink with the BTHome source's `(mac, serviceData, rssi)` entry.
      startBthomeScan((mac, serviceData, rssi) => log.debug('ble: BTHome advertisement', { mac, bytes: serviceData.length, rssi }), log),
    );
  }

  const wifi = supervisor.step('wifi', 'wifi-unavailable', 'check the board has Wi-Fi', () =>
    startWifi({ store: host.store, random: host.random, timers: host.timers, clock: host.clock, log, supervisor }),
  );
  const time = startTimeSync({ timers: host.timers, log, supervisor });
  if (host.clock.wallTime() === undefined) {
    supervisor.problem({ component: 'time', code: 'time-unknown', message: 'wall time not known yet (waiting for SNTP)', action: 'connect the hub to the internet' });
  }

  let monitor: MqttConnection | undefined;
  if (settings.monitor && report().mode !== 'safe') {
    const hubId = settings.hubId ?? 'airlock';
    monitor = new MqttConnection(
      {
        ...settings.monitor,
        clientId: `airlock-${hubId}-monitor`,
        will: { topic: `airlock/${hubId}/status`, message: 'offline', retain: true },
      },
      { timers: host.timers, log },
    );
    const publish = monitorPublish(monitor, log);
    monitor.onConnected = () => {
      publish(`airlock/${hubId}/status`, 'online', { retain: true, qos: 1 });
      // LEAD: attach the core Monitor here (monitor.connected()), reading the composed hub's snapshot;
      // its hub.version is versions()?.running.
      publish(`airlock/${hubId}/version`, JSON.stringify(versions() ?? { running: settings.version }), { retain: true, qos: 1 });
    };
  }

  wifi?.onOnline(() => {
    time.syncNow();
    if (monitor && !monitor.connected) monitor.open();
  });

  // LEAD: replace with the web layer's router (`handle(request)`); it should show report() and versions().
  const router = async (request: WebRequest): Promise<WebResponse> => {
    if (request.method === 'GET' && request.path === '/api/status') {
      return { status: 200, headers: [['content-type', 'application/json']], body: utf8(JSON.stringify({ boot: report(), firmware: versions() })) };
    }
    return { status: 404, headers: [['content-type', 'text/plain']], body: 'not found' };
  };
  supervisor.step('web', 'web-unavailable', 'port 80 is taken; rebuild with another port', () => startWebServer(router, log, { uploads }));

  const ready = supervisor.ready();
  log.info('airlock: booted', { version: settings.version, mode: ready.mode, boot: host.clock.bootCount });

  // A trial image is kept only after it has run healthy for a while: a crash soon after boot still reverts.
  if (trial && versions()?.state === 'trial') {
    host.timers.set(() => {
      if (healthyForConfirmation(report())) trial.confirm();
      else trial.fail(`unhealthy after ${settings.confirmAfterMs} ms: ${report().problems.map((p) => p.code).join(', ')}`);
    }, settings.confirmAfterMs);
  }
}
