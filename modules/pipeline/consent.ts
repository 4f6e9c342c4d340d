/**
 * Consent per integration and purpose: off until given. Each change is kept
 * in the key-value store (NVS names are at most 15 characters, so a pair is
 * named by a hash prefix), appended to an in-memory history with time and
 * actor, and announced to listeners: the audit log records it and, on
 * withdrawal, the flash log purges that integration's unsent data.
 */
import { toHex, utf8 } from '../bytes.js';
import type { Clock, Crypto, KeyValueStore, Logger } from '../host.js';
import type { Stamp } from '../reading.js';

const DOMAIN = 'consent';
/** Changes kept in memory; older ones are in the audit log only. */
export const CONSENT_HISTORY = 32;

export interface ConsentEvent {
  integration: string;
  purpose: string;
  given: boolean;
  /** Who decided, e.g. "homeowner:web" or "installer:cli". */
  actor: string;
  time: Stamp;
}

export type ConsentListener = (event: ConsentEvent) => void;

export interface ConsentPowers {
  store: KeyValueStore;
  crypto: Pick<Crypto, 'sha256'>;
  clock: Clock;
  /** Where a failing listener is reported (consent is recorded regardless). */
  log?: Pick<Logger, 'error'>;
}

export class ConsentBook {
  readonly #store: KeyValueStore;
  readonly #crypto: Pick<Crypto, 'sha256'>;
  readonly #clock: Clock;
  readonly #log: Pick<Logger, 'error'> | undefined;
  /** What the store says, cached: the pipeline asks per field of every reading. */
  readonly #given = new Map<string, boolean>();
  readonly #history: ConsentEvent[] = [];
  readonly #changeListeners = new Set<ConsentListener>();
  readonly #withdrawListeners = new Set<ConsentListener>();

  constructor({ store, crypto, clock, log }: ConsentPowers) {
    this.#log = log;
    this.#store = store;
    this.#crypto = crypto;
    this.#clock = clock;
  }

  isGiven(integration: string, purpose: string): boolean {
    const pair = `${integration}\u0000${purpose}`;
    let given = this.#given.get(pair);
    if (given === undefined) {
      given = this.#store.get(DOMAIN, this.#name(pair)) === true;
      this.#given.set(pair, given);
    }
    return given;
  }

  /** Whether anyone ever gave or withdrew this consent on this hub. */
  isDecided(integration: string, purpose: string): boolean {
    return this.#store.get(DOMAIN, this.#name(`${integration}\u0000${purpose}`)) !== undefined;
  }

  give(integration: string, purpose: string, actor: string): void {
    this.#set(integration, purpose, true, actor);
  }

  withdraw(integration: string, purpose: string, actor: string): void {
    this.#set(integration, purpose, false, actor);
  }

  /** The last CONSENT_HISTORY changes made since boot, oldest first (the audit log keeps them all, for good). */
  get history(): readonly ConsentEvent[] {
    return this.#history;
  }

  /** Calls `listener` on every give and withdraw; returns a function that unsubscribes. */
  onChange(listener: ConsentListener): () => void {
    this.#changeListeners.add(listener);
    return () => void this.#changeListeners.delete(listener);
  }

  /**
   * Drops every decision about these purposes of a removed integration, so a
   * re-added one starts with nothing given (the audit log keeps the history).
   */
  forget(integration: string, purposes: readonly string[]): void {
    for (const purpose of purposes) {
      const pair = `${integration}\u0000${purpose}`;
      this.#store.delete(DOMAIN, this.#name(pair));
      this.#given.delete(pair);
    }
  }

  /** Calls `listener` when consent is withdrawn: purge what was kept for that purpose. */
  onWithdraw(listener: ConsentListener): () => void {
    this.#withdrawListeners.add(listener);
    return () => void this.#withdrawListeners.delete(listener);
  }

  #set(integration: string, purpose: string, given: boolean, actor: string): void {
    if (!integration || !purpose || !actor) throw new TypeError('consent: integration, purpose and actor must be non-empty strings');
    const pair = `${integration}\u0000${purpose}`;
    const name = this.#name(pair);
    // A withdrawal is kept as `false`, not deleted: "never asked" and "said no" differ
    // (an installer's configuration may give consent once, never over the owner's no).
    this.#store.set(DOMAIN, name, given);
    this.#given.set(pair, given);
    const wall = this.#clock.wallTime();
    const time: Stamp = { boot: this.#clock.bootCount, mono: this.#clock.monotonic() };
    if (wall !== undefined) time.wall = wall;
    const event: ConsentEvent = { integration, purpose, given, actor, time };
    this.#history.push(event);
    if (this.#history.length > CONSENT_HISTORY) this.#history.shift();
    // A failing listener must not undo the decision nor silence the others.
    for (const listener of [...this.#changeListeners]) this.#notify(listener, event);
    if (!given) for (const listener of [...this.#withdrawListeners]) this.#notify(listener, event);
  }

  #notify(listener: ConsentListener, event: ConsentEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.#log?.error('consent: a listener failed; the decision stands', {
        integration: event.integration,
        purpose: event.purpose,
        error: String((error as Error)?.message ?? error),
      });
    }
  }

  #name(pair: string): string {
    return `c${toHex(this.#crypto.sha256(utf8(`airlock-consent:${pair}`))).slice(0, 14)}`;
  }
}
