/**
 * Boot supervision: every start ends in a clearly reported state, and the hub
 * never loops in resets.
 *
 * - Each boot step runs through `step()`: a failure becomes a named problem
 *   with the action that fixes it, never an exception out of the boot.
 * - A counter in the key-value store counts boots that did not reach
 *   `ready()`. After `maxUnfinishedBoots` of them in a row (a crash during
 *   start, a watchdog reset), the next boot is in **safe mode**: only what
 *   the owner needs to recover (setup access point, local page, signed
 *   updates), no sources, no forwarding. Safe mode lasts until the owner
 *   leaves it or a new image is installed; it is not reset by a restart.
 * - What the problems mean for the hub is summarised as capabilities, so the
 *   composition root starts only what can work (no sealing without keys, no
 *   buffering without the log partition).
 *
 * Nothing here restarts the device: the only restarts in the firmware are an
 * update's revert (bounded, modules/update/trial.ts) and an owner's request.
 */
import type { Flash, KeyValueStore, Logger } from './host.js';

export type BootComponent = 'store' | 'keys' | 'flash' | 'wifi' | 'time' | 'update' | 'ble' | 'mqtt' | 'web' | 'contracts' | 'audit' | 'hub' | 'config';

export interface BootProblem {
  component: BootComponent;
  /** Stable identifier for dashboards and tests, e.g. `flash-missing`. */
  code: string;
  message: string;
  /** What a person can do about it. */
  action: string;
  /** Where in the configuration, for problems of the configuration (`integrations[1].contract`): one problem per place. */
  path?: string;
}

export interface BootCapabilities {
  /** Records can be sealed and pseudonymized (keys available). */
  sealing: boolean;
  /** The flash log can hold records while the uplink is away. */
  buffering: boolean;
  /** Sources and forwarding run (not in safe mode, and sealing works). */
  forwarding: boolean;
}

export type BootMode = 'normal' | 'degraded' | 'safe';

export interface BootReport {
  mode: BootMode;
  problems: BootProblem[];
  /** Boots in a row, including this one, that had not reached `ready()` when they began. */
  unfinishedBoots: number;
  capabilities: BootCapabilities;
  ready: boolean;
}

const DOMAIN = 'boot';
const UNFINISHED = 'unfinished';
const SAFE = 'safe';

/** Problems that stop sealing or buffering; the others only pause something (Wi-Fi, time) or are warnings. */
const STOPS_SEALING: readonly string[] = ['store-unreadable', 'store-unwritable', 'keys-damaged', 'hub-unavailable', 'config-invalid', 'profile-exceeded'];
const STOPS_BUFFERING: readonly string[] = [...STOPS_SEALING, 'flash-missing', 'flash-size'];

export class BootSupervisor {
  readonly #store: KeyValueStore;
  readonly #log: Logger;
  readonly #max: number;
  readonly #problems = new Map<string, BootProblem>();
  #unfinished = 0;
  #safe = false;
  #ready = false;

  constructor(powers: { store: KeyValueStore; log: Logger }, options: { maxUnfinishedBoots?: number } = {}) {
    this.#store = powers.store;
    this.#log = powers.log;
    this.#max = options.maxUnfinishedBoots ?? 3;
  }

  /** Call first. Counts this boot as unfinished until `ready()` and decides on safe mode. */
  begin(): BootReport {
    this.step('store', 'store-unreadable', 'erase the NVS partition to start over (see docs/esp32.md, "Recovering a hub")', () => {
      const saved = this.#store.get(DOMAIN, UNFINISHED);
      this.#unfinished = (typeof saved === 'number' && saved >= 0 ? saved : 0) + 1;
      this.#safe = this.#store.get(DOMAIN, SAFE) === true || this.#unfinished > this.#max;
      this.#store.set(DOMAIN, UNFINISHED, this.#unfinished);
      if (this.#safe) this.#store.set(DOMAIN, SAFE, true);
    });
    if (this.#safe) {
      this.#log.error('boot: safe mode; earlier boots did not finish', { unfinishedBoots: this.#unfinished });
    }
    return this.report();
  }

  /**
   * Runs one boot step. A throw becomes a problem of `component` (the
   * message is the error's) and `undefined` is returned; the boot goes on.
   */
  step<T>(component: BootComponent, code: string, action: string, run: () => T): T | undefined {
    try {
      return run();
    } catch (error) {
      this.problem({ component, code, message: (error as Error)?.message ?? String(error), action });
      return undefined;
    }
  }

  /** Records a problem found at boot or later (Wi-Fi lost, time unknown). */
  problem(problem: BootProblem): void {
    const key = `${problem.component}/${problem.code}/${problem.path ?? ''}`;
    if (!this.#problems.has(key)) this.#log.warn(`boot: ${problem.message}`, { component: problem.component, code: problem.code });
    this.#problems.set(key, problem);
  }

  /** A component recovered (Wi-Fi back, time set). */
  resolved(component: BootComponent, code?: string): void {
    for (const [key, problem] of [...this.#problems]) {
      if (problem.component === component && (code === undefined || problem.code === code)) this.#problems.delete(key);
    }
  }

  /**
   * The boot went as far as it will: the unfinished-boot counter is cleared
   * (outside safe mode, which only the owner ends). Call once the hub runs,
   * degraded or not.
   */
  ready(): BootReport {
    this.#ready = true;
    if (!this.#safe) {
      this.step('store', 'store-unwritable', 'erase the NVS partition to start over (see docs/esp32.md, "Recovering a hub")', () =>
        this.#store.set(DOMAIN, UNFINISHED, 0),
      );
    }
    const report = this.report();
    this.#log.info('boot: ready', { mode: report.mode, problems: report.problems.map((p) => p.code).join(',') || 'none' });
    return report;
  }

  /** The owner asks to start normally again (from the local page); the host restarts afterwards. */
  leaveSafeMode(): void {
    this.#store.set(DOMAIN, UNFINISHED, 0);
    this.#store.delete(DOMAIN, SAFE);
  }

  report(): BootReport {
    const problems = [...this.#problems.values()];
    const codes = new Set(problems.map((p) => p.code));
    const sealing = !STOPS_SEALING.some((c) => codes.has(c));
    const buffering = !STOPS_BUFFERING.some((c) => codes.has(c));
    return {
      mode: this.#safe ? 'safe' : problems.length > 0 ? 'degraded' : 'normal',
      problems,
      unfinishedBoots: this.#unfinished,
      capabilities: { sealing, buffering, forwarding: sealing && !this.#safe },
      ready: this.#ready,
    };
  }
}

/**
 * Opens the record log's partition and checks its geometry. A missing or
 * too-small partition is a problem (the hub runs without buffering), not a
 * crash.
 */
export function openLogPartition(
  supervisor: BootSupervisor,
  open: () => Flash,
  expected: { minBytes: number; blockSize: number },
): Flash | undefined {
  const action = 'flash the firmware with its partition table (mcconfig builds hosts/moddable/partitions.csv; see docs/esp32.md)';
  const flash = supervisor.step('flash', 'flash-missing', action, open);
  if (!flash) return undefined;
  if (flash.blockSize !== expected.blockSize || flash.byteLength < expected.minBytes || flash.byteLength % flash.blockSize !== 0) {
    supervisor.problem({
      component: 'flash',
      code: 'flash-size',
      message: `the log partition is ${flash.byteLength} bytes in ${flash.blockSize}-byte sectors; at least ${expected.minBytes} bytes in ${expected.blockSize}-byte sectors are needed`,
      action,
    });
    return undefined;
  }
  return flash;
}

/**
 * Lists the key names the store holds now, before anything creates keys.
 * The firmware calls this before composing the hub (whose keyring creates
 * the master key on a first boot) and passes the answer to `checkKeyStore`
 * as `keysAtBoot`. Undefined when the store cannot be read (a problem then).
 */
export function listKeysAtBoot(supervisor: BootSupervisor, store: KeyValueStore, keyringDomain: string): string[] | undefined {
  return supervisor.step('store', 'store-unreadable', KEYS_ACTION, () => store.keys(keyringDomain));
}

const KEYS_ACTION = 'restore the NVS backup, or reset the keys from the local page (buffered records are then lost)';

/**
 * Checks the key store before the keyring uses it. `probe` derives a key
 * (creating the master key on a first boot); `logHasRecords` says whether
 * the flash log holds sealed records from before. `keysAtBoot` (from
 * `listKeysAtBoot`) is what the store held before the hub was composed;
 * without it the store is listed now.
 */
export function checkKeyStore(
  supervisor: BootSupervisor,
  store: KeyValueStore,
  keyringDomain: string,
  options: { logHasRecords: boolean; probe: () => unknown; keysAtBoot?: readonly string[] | undefined },
): boolean {
  const existing = 'keysAtBoot' in options ? options.keysAtBoot : listKeysAtBoot(supervisor, store, keyringDomain);
  if (existing === undefined) return false;
  if (existing.length === 0 && options.logHasRecords) {
    supervisor.problem({
      component: 'keys',
      code: 'keys-lost',
      message: 'the key store is empty but the flash log holds sealed records: they cannot be opened and will be purged',
      action: 'if NVS was erased by mistake, restore its backup before the purge; otherwise nothing to do',
    });
  }
  return supervisor.step('keys', 'keys-damaged', KEYS_ACTION, () => (options.probe(), true)) ?? false;
}

/** Whether the record log found records it holds or that another (lost) master key sealed. */
export function logHeldRecords(report: { records: number; foreignSectors: number; state: string }): boolean {
  return report.records > 0 || report.foreignSectors > 0 || report.state === 'foreign';
}

/**
 * Whether a new image on trial may be confirmed: it reached `ready()`
 * outside safe mode, and store, keys and log all work. Wi-Fi and time
 * problems do not count against it: the home's network may simply be down,
 * and a revert would not bring it back.
 */
export function healthyForConfirmation(report: BootReport): boolean {
  return report.ready && report.mode !== 'safe' && report.capabilities.sealing && report.capabilities.buffering;
}
