/**
 * THE HOOK for the memory bench and the preload-safety smoke run: builds the
 * hub's long-lived objects for N integrations on a given Host.
 *
 * Until the shared composition root exists this builds what is there:
 * boot supervisor, keyring with both keys per integration, Wi-Fi policy,
 * firmware update trial, and the monitor with one status document per
 * integration. **Lead: when the composed hub lands, make
 * `composeHubForMeasurement` call it (same signature) so `xs.heapBytes.*`
 * measure the real hub.** Runs inside XS: portable code only.
 */
import { BootSupervisor, checkKeyStore } from '../modules/boot.js';
import type { Host } from '../modules/host.js';
import { Keyring, KEYRING_DOMAIN } from '../modules/keyring.js';
import { Monitor } from '../modules/monitor/publisher.js';
import { emptyDrops, type IntegrationStatus, type MonitorSnapshot } from '../modules/monitor/status.js';
import { UpdateTrial } from '../modules/update/trial.js';
import { WifiPolicy } from '../modules/wifi-policy.js';

export interface HubUnderTest {
  /** Everything the hub keeps alive between events (what the heap must hold). */
  readonly retained: unknown;
  /** One round of ordinary work: state changes, a publish, key lookups. */
  exercise(): void;
}

export function integrationNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `vendor-${String(i + 1).padStart(2, '0')}`);
}

function statusOf(id: string): IntegrationStatus {
  return {
    id,
    vendor: `${id} Ltd`,
    connectivity: 'online',
    received: 0,
    forwarded: 0,
    dropped: emptyDrops(),
    retried: 0,
    bufferedRecords: 0,
    bufferedBytes: 0,
    oldestBufferedAgeS: null,
    lastDelivery: null,
    lastError: null,
    slaViolations: 0,
    pendingApproval: false,
    auditOverdue: false,
    openIncidents: 0,
  };
}

export function composeHubForMeasurement(host: Host, integrations: string[]): HubUnderTest {
  const boot = new BootSupervisor({ store: host.store, log: host.log });
  boot.begin();
  const keyring = new Keyring({ store: host.store, crypto: host.crypto, random: host.random });
  checkKeyStore(boot, host.store, KEYRING_DOMAIN, { logHasRecords: false, probe: () => keyring.hubKey('audit') });
  for (const id of integrations) {
    keyring.key('data', id);
    keyring.key('pseudonym', id);
  }
  const wifi = new WifiPolicy(host.clock);
  wifi.start({ ssid: 'home', password: 'secret' });
  wifi.on({ type: 'got-ip' });
  const trial = new UpdateTrial('firmware', { store: host.store, control: { confirm() {}, revert() {} }, log: host.log }, { runningVersion: '0.1.0' });
  trial.start();
  const statuses = integrations.map(statusOf);
  const read = (): MonitorSnapshot => ({
    hub: {
      hubId: 'hub',
      version: trial.running,
      uptimeS: Math.floor(host.clock.monotonic() / 1000),
      bootCount: host.clock.bootCount,
      uplink: 'online',
      wallClockKnown: host.clock.wallTime() !== undefined,
      readingsReceived: 0,
      malformedInputs: 0,
      integrations: statuses.length,
      auditHeadSeq: null,
      auditHeadHash: null,
    },
    integrations: statuses,
  });
  let published = 0;
  const monitor = new Monitor({ hubId: 'hub', version: trial.running, model: 'esp32', minIntervalMs: 0 }, {
    publish: () => void published++,
    timers: host.timers,
    clock: host.clock,
    read,
  });
  monitor.connected();
  boot.ready();
  return {
    retained: { boot, keyring, wifi, trial, statuses, monitor },
    exercise() {
      for (const status of statuses) {
        status.received++;
        status.forwarded++;
        keyring.key('pseudonym', status.id);
      }
      monitor.changed();
      if (published === 0) throw new Error('the monitor published nothing');
    },
  };
}
