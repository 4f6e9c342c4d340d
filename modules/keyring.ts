/**
 * Per-integration keys, derived and destroyable.
 *
 * The hub's 32-byte master key lives in the key-value store (NVS on the ESP32,
 * to be used with NVS encryption). Each integration has key *epochs*; each
 * epoch has a random 32-byte epoch secret in the store. Keys are derived with
 * HKDF-SHA256 from the master key, salted with the epoch secret, and labelled
 * by use and integration, so:
 * - two integrations never share a key (their pseudonyms of one device cannot be linked);
 * - destroying an epoch's secret makes that epoch's data unreadable and its pseudonyms
 *   unlinkable for good (crypto-shredding), even though the master key survives.
 */
import { concat, toHex, utf8 } from './bytes.js';
import type { Crypto, KeyValueStore, Random } from './host.js';

export type KeyUse = 'data' | 'pseudonym';

/** The key-value store domain the keyring owns (boot checks look at it without creating keys). */
export const KEYRING_DOMAIN = 'keyring';
const DOMAIN = KEYRING_DOMAIN;
const MASTER = 'master';
const KEY_BYTES = 32;

export interface KeyringPowers {
  store: KeyValueStore;
  crypto: Crypto;
  random: Random;
  /** Derived keys kept in RAM (default KEY_CACHE_ENTRIES); size it at about 4 per integration of the board profile. */
  cacheEntries?: number;
}

/**
 * Derived keys cached: data, pseudonym and command key of 8 integrations, with
 * room for older epochs and the hub's own keys. Beyond it the least recently
 * used key is dropped (derived again when next needed: nothing is lost but an
 * HKDF), so the data keys records are sealed with stay while keys used once go.
 */
export const KEY_CACHE_ENTRIES = 64;

export class KeyringError extends Error {
  override name = 'KeyringError';
}

export class Keyring {
  readonly #store: KeyValueStore;
  readonly #crypto: Crypto;
  readonly #random: Random;
  readonly #cache = new Map<string, Uint8Array>();
  readonly #cacheEntries: number;
  #cacheEvictions = 0;
  #master: Uint8Array | undefined;

  constructor({ store, crypto, random, cacheEntries }: KeyringPowers) {
    this.#store = store;
    this.#crypto = crypto;
    this.#random = random;
    this.#cacheEntries = cacheEntries ?? KEY_CACHE_ENTRIES;
  }

  /** Cached keys dropped to stay within `cacheEntries` (many: raise it, each costs an HKDF again). */
  get cacheEvictions(): number {
    return this.#cacheEvictions;
  }

  /** Keys cached now. */
  get cached(): number {
    return this.#cache.size;
  }

  /** The integration's current epoch (1 until rotated). */
  currentEpoch(integration: string): number {
    const saved = this.#store.get(DOMAIN, this.#epochName(integration));
    return typeof saved === 'number' ? saved : 1;
  }

  /**
   * The key for `use` at `integration` in `epoch` (default: current). Returns
   * `undefined` once that epoch was shredded. The current epoch's secret is
   * created on first use.
   */
  key(use: KeyUse, integration: string, epoch = this.currentEpoch(integration)): Uint8Array | undefined {
    const label = `${use}\u0000${integration}\u0000${epoch}`;
    const cached = this.#recall(label);
    if (cached) return cached;
    const secret = this.#epochSecret(integration, epoch, epoch === this.currentEpoch(integration));
    if (!secret) return undefined;
    const info = utf8(`airlock/v1/${label}`);
    const derived = this.#crypto.hkdfSha256(this.#masterKey(), secret, info, KEY_BYTES);
    this.#remember(label, derived);
    return derived;
  }

  /** A key for the hub itself (e.g. the audit log's MAC), independent of any integration. */
  hubKey(purpose: string): Uint8Array {
    const label = `hub\u0000${purpose}`;
    const cached = this.#recall(label);
    if (cached) return cached;
    const derived = this.#crypto.hkdfSha256(this.#masterKey(), new Uint8Array(0), utf8(`airlock/v1/${label}`), KEY_BYTES);
    this.#remember(label, derived);
    return derived;
  }

  /** Starts a new epoch for the integration: new keys, new pseudonyms. Old epochs stay readable until shredded. */
  rotate(integration: string): number {
    const next = this.currentEpoch(integration) + 1;
    this.#store.set(DOMAIN, this.#epochName(integration), next);
    return next;
  }

  /**
   * Destroys the secrets of every epoch up to and including `throughEpoch`
   * (default: all existing ones, then moves to a fresh epoch) and forgets
   * cached keys: what was sealed or pseudonymized under them is gone for good.
   */
  shred(integration: string, throughEpoch = this.currentEpoch(integration)): void {
    for (let epoch = 1; epoch <= throughEpoch; epoch++) this.#store.delete(DOMAIN, this.#secretName(integration, epoch));
    for (const label of [...this.#cache.keys()]) {
      const [, id, epoch] = label.split('\u0000');
      if (id === integration && Number(epoch) <= throughEpoch) this.#cache.delete(label);
    }
    if (throughEpoch >= this.currentEpoch(integration)) this.#store.set(DOMAIN, this.#epochName(integration), throughEpoch + 1);
  }

  /** Whether the epoch's secret still exists (its data can still be opened). */
  hasEpoch(integration: string, epoch: number): boolean {
    return this.#store.get(DOMAIN, this.#secretName(integration, epoch)) instanceof Uint8Array;
  }

  /** A cached key, moved to the back of the map (the map is kept in least recently used order). */
  #recall(label: string): Uint8Array | undefined {
    const cached = this.#cache.get(label);
    if (cached) {
      this.#cache.delete(label);
      this.#cache.set(label, cached);
    }
    return cached;
  }

  /** Caches a derived key, dropping the least recently used one when full. */
  #remember(label: string, derived: Uint8Array): void {
    if (this.#cache.size >= this.#cacheEntries) {
      this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cacheEvictions++;
    }
    this.#cache.set(label, derived);
  }

  #masterKey(): Uint8Array {
    if (this.#master) return this.#master;
    const saved = this.#store.get(DOMAIN, MASTER);
    if (saved instanceof Uint8Array && saved.length === KEY_BYTES) {
      this.#master = saved;
    } else if (saved !== undefined) {
      throw new KeyringError(
        `keyring: the stored master key is damaged (${saved instanceof Uint8Array ? saved.length + ' bytes' : typeof saved}); ` +
          'restore the key store from a backup, or erase it to start over (buffered data will be lost)',
      );
    } else {
      this.#master = this.#random.bytes(KEY_BYTES);
      this.#store.set(DOMAIN, MASTER, this.#master);
    }
    return this.#master;
  }

  #epochSecret(integration: string, epoch: number, create: boolean): Uint8Array | undefined {
    const name = this.#secretName(integration, epoch);
    const saved = this.#store.get(DOMAIN, name);
    if (saved instanceof Uint8Array) return saved;
    if (!create) return undefined;
    const secret = this.#random.bytes(KEY_BYTES);
    this.#store.set(DOMAIN, name, secret);
    return secret;
  }

  // NVS names are at most 15 characters: integrations are named by a hash prefix.
  #tag(integration: string): string {
    return toHex(this.#crypto.sha256(concat(utf8('airlock-id:'), utf8(integration)))).slice(0, 10);
  }

  #epochName(integration: string): string {
    return `e${this.#tag(integration)}`;
  }

  #secretName(integration: string, epoch: number): string {
    return `s${this.#tag(integration)}${epoch.toString(36)}`;
  }
}
