/**
 * Boot confirmation: a newly installed image runs on trial until the hub
 * says it is healthy; if it does not, the previous image comes back.
 *
 *   steady ──install──▶ pending ──start (running = new)──▶ trial ──confirm──▶ steady (floor = new)
 *                                   │                        │
 *                                   │                        ├─ fail(), or more than maxTrialStarts
 *                                   │                        ▼  starts without confirm
 *                                   │                      reverting ──control.revert()──▶ old image
 *                                   ▼                                                          │
 *                  running = old (the bootloader reverted, or the new image never started) ◀───┘
 *                                   ▼
 *                                reverted: the version is remembered as failed and refused from now on
 *
 * The same machine serves contract bundles ("start" is loading the bundle).
 * State lives in the key-value store (a few small writes per update; NVS
 * wears, but updates are rare). Each step writes in an order that a power
 * cut at any point leaves either the old or the new state, never a loop.
 */
import type { KeyValueStore, Logger } from '../host.js';
import { compareVersions, isVersion, type UpdateKind } from './manifest.js';
import type { BootControl } from './slot.js';

const DOMAIN = 'update';
const PREFIX: Record<UpdateKind, string> = { firmware: 'fw', contracts: 'ct' };

export type TrialState =
  | { state: 'steady'; running: string }
  | { state: 'trial'; running: string; start: number; maxStarts: number }
  | { state: 'reverting'; running: string; failed: string; reason: string }
  | { state: 'reverted'; running: string; failed: string };

export interface UpdateStatus {
  kind: UpdateKind;
  running: string;
  state: TrialState['state'];
  /** Installed and waiting for its trial, or on trial. */
  pending: string | null;
  /** The last version that failed its trial (refused from now on). */
  lastFailed: string | null;
  /** The highest version ever confirmed: nothing at or below it is installed again. */
  floor: string | null;
}

export interface UpdateTrialPowers {
  store: KeyValueStore;
  control: BootControl;
  log: Logger;
}

export class UpdateTrial {
  readonly kind: UpdateKind;
  readonly running: string;
  readonly #powers: UpdateTrialPowers;
  readonly #maxStarts: number;
  readonly #key: (name: string) => string;
  #state: TrialState;

  constructor(kind: UpdateKind, powers: UpdateTrialPowers, options: { runningVersion: string; maxTrialStarts?: number }) {
    if (!isVersion(options.runningVersion)) {
      throw new RangeError(`update trial: running version "${options.runningVersion}" must be MAJOR.MINOR.PATCH`);
    }
    this.kind = kind;
    this.running = options.runningVersion;
    this.#powers = powers;
    this.#maxStarts = options.maxTrialStarts ?? 3;
    this.#key = (name) => `${PREFIX[kind]}.${name}`;
    this.#state = { state: 'steady', running: this.running };
  }

  /** Call once per start (firmware: early at boot, after the store opens; contracts: after loading the bundle). */
  start(): TrialState {
    const pending = this.#text('pend');
    if (pending === undefined) return (this.#state = { state: 'steady', running: this.running });
    if (pending !== this.running) {
      // The new image is not what runs: the bootloader went back, or it never started.
      this.#forget(pending);
      this.#powers.log.warn('update: the new image did not start; running the previous one', { kind: this.kind, failed: pending, running: this.running });
      return (this.#state = { state: 'reverted', running: this.running, failed: pending });
    }
    if (this.#text('bad') === pending) return this.#revert(pending, 'an earlier revert did not complete');
    const start = this.#number('tries') + 1;
    this.#powers.store.set(DOMAIN, this.#key('tries'), start);
    if (start > this.#maxStarts) return this.#revert(pending, `not confirmed healthy within ${this.#maxStarts} starts`);
    this.#powers.log.info('update: running a new image on trial', { kind: this.kind, version: pending, start, maxStarts: this.#maxStarts });
    return (this.#state = { state: 'trial', running: this.running, start, maxStarts: this.#maxStarts });
  }

  /** The hub is healthy on this image: keep it. Returns whether a trial ended. */
  confirm(): boolean {
    if (this.#state.state !== 'trial') return false;
    // Confirm with the platform first: a power cut before the store writes means one more trial start, not a lost image.
    this.#powers.control.confirm();
    this.#powers.store.set(DOMAIN, this.#key('floor'), this.running);
    this.#powers.store.delete(DOMAIN, this.#key('pend'));
    this.#powers.store.delete(DOMAIN, this.#key('tries'));
    this.#powers.log.info('update: new image confirmed healthy', { kind: this.kind, version: this.running });
    this.#state = { state: 'steady', running: this.running };
    return true;
  }

  /** The hub found itself unhealthy on a trial image: go back now. */
  fail(reason: string): TrialState {
    if (this.#state.state !== 'trial') return this.#state;
    return this.#revert(this.running, reason);
  }

  /** The installer calls this once the new image is written and marked pending. */
  installed(version: string): void {
    this.#powers.store.set(DOMAIN, this.#key('tries'), 0);
    this.#powers.store.set(DOMAIN, this.#key('pend'), version);
  }

  /** Why `version` may not be installed now, or undefined when it may. */
  refusal(version: string): { reason: 'rollback' | 'failed-before' | 'busy'; message: string } | undefined {
    if (this.#state.state === 'trial') {
      return { reason: 'busy', message: `update: ${this.kind} ${this.running} is still on trial; confirm or revert it first` };
    }
    const floor = this.#text('floor');
    const highest = floor !== undefined && compareVersions(floor, this.running) > 0 ? floor : this.running;
    if (compareVersions(version, highest) <= 0) {
      return { reason: 'rollback', message: `update: ${this.kind} version ${version} is not newer than ${highest}; versions only go up` };
    }
    if (this.#text('bad') === version) {
      return { reason: 'failed-before', message: `update: ${this.kind} version ${version} failed its trial before; publish a newer version` };
    }
    return undefined;
  }

  status(): UpdateStatus {
    return {
      kind: this.kind,
      running: this.running,
      state: this.#state.state,
      pending: this.#text('pend') ?? null,
      lastFailed: this.#text('bad') ?? null,
      floor: this.#text('floor') ?? null,
    };
  }

  #revert(version: string, reason: string): TrialState {
    // Remember the failure before switching: if power fails mid-way, the next start reverts again.
    this.#powers.store.set(DOMAIN, this.#key('bad'), version);
    this.#powers.log.error('update: reverting to the previous image', { kind: this.kind, failed: version, reason });
    this.#state = { state: 'reverting', running: this.running, failed: version, reason };
    this.#powers.control.revert();
    return this.#state;
  }

  #forget(pending: string): void {
    this.#powers.store.set(DOMAIN, this.#key('bad'), pending);
    this.#powers.store.delete(DOMAIN, this.#key('pend'));
    this.#powers.store.delete(DOMAIN, this.#key('tries'));
  }

  #text(name: string): string | undefined {
    const value = this.#powers.store.get(DOMAIN, this.#key(name));
    return typeof value === 'string' && isVersion(value) ? value : undefined;
  }

  #number(name: string): number {
    const value = this.#powers.store.get(DOMAIN, this.#key(name));
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
  }
}
