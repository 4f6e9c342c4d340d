/**
 * The page's hub settings in the key-value store (NVS on the board, the data
 * folder's store on a computer), kept so that a power cut during a save
 * leaves the old settings or the new ones, never a mix.
 *
 * NVS writes one entry atomically, not several. So the settings are one
 * versioned document, written whole into the slot not in use (`a` or `b`, in
 * parts of at most 4000 bytes, NVS's value limit), and the `head` entry,
 * written last, names the generation, the slot, its parts and their hash:
 * until `head` is written the old document stands, afterwards the new one.
 *
 * Secrets the page sets (broker passwords, BTHome bindkeys) are written
 * before the head under names of the new generation (`page.<what>.<gen>`),
 * so the old settings never read a new value under an old name. A `pend`
 * entry, written before them, lists the new names and the old names the new
 * settings drop; `recover()` (at start) deletes an unfinished save's new
 * names, or a finished save's dropped ones.
 */
import { concat, fromUtf8, toHex, utf8 } from '../bytes.js';
import type { Crypto, KeyValueStore, Logger } from '../host.js';
import { MAX_VALUE_BYTES } from '../store-rules.js';
import { secretStore, type SecretStore } from './secret-store.js';
import { NO_SAVED_SETTINGS, SETTING_KEYS, type SavedSettings } from './settings.js';

const DOMAIN = 'settings';
const HEAD = 'head';
const PENDING = 'pend';
const SLOT_PARTS = 4;
const FORMAT = 1;

/** The largest settings document: four parts of NVS's largest value. */
export const MAX_SETTINGS_BYTES = SLOT_PARTS * MAX_VALUE_BYTES;

interface Head {
  g: number;
  s: 'a' | 'b';
  n: number;
  h: string;
}

interface Pending {
  g: number;
  add: string[];
  drop: string[];
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** Secret names the page made: only these are ever deleted by a save. */
export const PAGE_SECRET_PREFIX = 'page.';

export class SettingsStore {
  readonly #store: KeyValueStore;
  readonly #crypto: Pick<Crypto, 'sha256'>;
  readonly #log: Logger;
  readonly secrets: SecretStore;

  constructor(store: KeyValueStore, crypto: Pick<Crypto, 'sha256'>, log: Logger) {
    this.#store = store;
    this.#crypto = crypto;
    this.#log = log;
    this.secrets = secretStore(store, crypto);
  }

  /** The settings the last finished save left (none: generation 0). */
  load(): SavedSettings {
    const head = this.#head();
    if (!head) return NO_SAVED_SETTINGS;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < head.n; i++) {
      const part = this.#store.get(DOMAIN, `${head.s}${i}`);
      if (!(part instanceof Uint8Array)) return this.#damaged(`part ${head.s}${i} is missing`);
      parts.push(part);
    }
    const bytes = concat(...parts);
    if (this.#hash(bytes) !== head.h) return this.#damaged('its hash does not match');
    try {
      const doc = JSON.parse(fromUtf8(bytes)) as { v?: unknown; g?: unknown; values?: unknown; file?: unknown };
      const known = (o: unknown) => typeof o === 'object' && o !== null && !Array.isArray(o) && Object.keys(o).every((k) => (SETTING_KEYS as readonly string[]).includes(k));
      if (doc.v !== FORMAT || doc.g !== head.g || !known(doc.values) || !known(doc.file)) return this.#damaged('its document is not one this firmware wrote');
      return { generation: head.g, values: doc.values as SavedSettings['values'], file: doc.file as SavedSettings['file'] };
    } catch (error) {
      return this.#damaged((error as Error).message);
    }
  }

  /** The generation the next save writes (above any head, even one whose document is damaged). */
  nextGeneration(): number {
    return (this.#head()?.g ?? 0) + 1;
  }

  /**
   * Writes a save's new secrets (before the settings that name them), with the
   * note `recover()` needs. `drop`: page secrets the new settings no longer name.
   */
  stage(generation: number, secrets: Readonly<Record<string, string>>, drop: readonly string[]): void {
    this.recover(); // an earlier save left half done: settle it first, its note is overwritten next
    const pending: Pending = { g: generation, add: Object.keys(secrets), drop: drop.filter((name) => name.startsWith(PAGE_SECRET_PREFIX)) };
    this.#store.set(DOMAIN, PENDING, JSON.stringify(pending));
    for (const [name, value] of Object.entries(secrets)) this.secrets.set(name, value);
  }

  /** Undoes `stage` for a save that was refused (a broker that refused the credentials). */
  unstage(): void {
    const pending = this.#pending();
    if (!pending) return;
    for (const name of pending.add) this.secrets.delete(name);
    this.#store.delete(DOMAIN, PENDING);
  }

  /**
   * Writes the settings as generation `saved.generation` (one more than
   * `load()`'s), then removes what the staged save dropped. Throws
   * SettingsError, before anything is written, when the document is too large.
   */
  commit(saved: SavedSettings): void {
    const current = this.#head();
    const bytes = utf8(JSON.stringify({ v: FORMAT, g: saved.generation, values: saved.values, file: saved.file }));
    if (bytes.length > MAX_SETTINGS_BYTES) {
      throw new SettingsError(`the settings take ${bytes.length} bytes; the hub keeps at most ${MAX_SETTINGS_BYTES} (fewer ESPHome nodes, bindkeys or a shorter CA certificate)`);
    }
    const slot = current?.s === 'a' ? 'b' : 'a';
    const n = Math.max(1, Math.ceil(bytes.length / MAX_VALUE_BYTES));
    for (let i = 0; i < n; i++) this.#store.set(DOMAIN, `${slot}${i}`, bytes.subarray(i * MAX_VALUE_BYTES, (i + 1) * MAX_VALUE_BYTES));
    const head: Head = { g: saved.generation, s: slot, n, h: this.#hash(bytes) };
    this.#store.set(DOMAIN, HEAD, JSON.stringify(head)); // the switch: from here on the new settings stand
    this.recover();
    for (let i = n; i < SLOT_PARTS; i++) if (this.#store.get(DOMAIN, `${slot}${i}`) !== undefined) this.#store.delete(DOMAIN, `${slot}${i}`);
  }

  /** Finishes or undoes a save a power cut interrupted (see the top of this file). */
  recover(): void {
    const pending = this.#pending();
    if (!pending) return;
    const committed = (this.#head()?.g ?? 0) >= pending.g;
    for (const name of committed ? pending.drop : pending.add) this.secrets.delete(name);
    this.#store.delete(DOMAIN, PENDING);
  }

  #head(): Head | undefined {
    const raw = this.#store.get(DOMAIN, HEAD);
    if (typeof raw !== 'string') return undefined;
    try {
      const head = JSON.parse(raw) as Head;
      return Number.isInteger(head.g) && (head.s === 'a' || head.s === 'b') && Number.isInteger(head.n) && head.n >= 1 && head.n <= SLOT_PARTS ? head : undefined;
    } catch {
      return undefined;
    }
  }

  #pending(): Pending | undefined {
    const raw = this.#store.get(DOMAIN, PENDING);
    if (typeof raw !== 'string') return undefined;
    try {
      const pending = JSON.parse(raw) as Pending;
      return Number.isInteger(pending.g) && Array.isArray(pending.add) && Array.isArray(pending.drop) ? pending : undefined;
    } catch {
      return undefined;
    }
  }

  #hash(bytes: Uint8Array): string {
    return toHex(this.#crypto.sha256(bytes)).slice(0, 16);
  }

  #damaged(why: string): SavedSettings {
    this.#log.warn(`settings: the saved settings cannot be read (${why}); the configuration file's stand until they are saved again`);
    return NO_SAVED_SETTINGS;
  }
}
