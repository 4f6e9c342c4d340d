/**
 * The key-value store as one JSON file, rewritten atomically (write a
 * temporary file, fsync, rename) so a crash leaves the old or the new
 * version, never a torn one. Enforces the ESP32's NVS limits.
 *
 * The file holds the hub's master key in the clear (the desktop has no NVS
 * encryption), so it is created readable by its owner only (0600) and, with
 * `requirePrivate` (what `airlock run` uses), a file that others may read is
 * refused at start with the chmod to run: the key would already have leaked
 * to anyone with an account on the machine, and carrying on would hide that.
 * See docs/SECURITY.md "Desktop host at rest".
 */
import { closeSync, existsSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import type { KeyValueStore, StoredValue } from '../../modules/host.js';
import { checkEntry, checkName, StoreError } from '../../modules/store-rules.js';

type Encoded = { s: string } | { n: number } | { b: boolean } | { x: string };
type Snapshot = Record<string, Record<string, Encoded>>;

function encode(value: StoredValue): Encoded {
  if (value instanceof Uint8Array) return { x: Buffer.from(value).toString('base64') };
  if (typeof value === 'string') return { s: value };
  if (typeof value === 'number') return { n: value };
  return { b: value };
}

function decode(value: Encoded): StoredValue {
  if ('x' in value) return new Uint8Array(Buffer.from(value.x, 'base64'));
  if ('s' in value) return value.s;
  if ('n' in value) return value.n;
  return value.b;
}

export interface FileStoreOptions {
  /** Refuse a file that group or others may read or write (POSIX systems). */
  requirePrivate?: boolean;
}

/** Owner read/write only. */
const PRIVATE_MODE = 0o600;

export class FileStore implements KeyValueStore {
  readonly path: string;
  #data: Snapshot;

  constructor(path: string, options: FileStoreOptions = {}) {
    this.path = path;
    this.#data = {};
    if (options.requirePrivate && existsSync(path)) checkPrivate(path);
    if (existsSync(path)) {
      try {
        this.#data = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
      } catch (error) {
        throw new StoreError(
          `store file ${path} is not valid JSON (${(error as Error).message}); restore it from a backup or remove it to start empty`,
        );
      }
    }
  }

  get(domain: string, key: string): StoredValue | undefined {
    checkName('domain', domain);
    checkName('key', key);
    const value = this.#data[domain]?.[key];
    return value === undefined ? undefined : decode(value);
  }

  set(domain: string, key: string, value: StoredValue): void {
    checkEntry(domain, key, value);
    (this.#data[domain] ??= {})[key] = encode(value);
    this.#save();
  }

  delete(domain: string, key: string): void {
    checkName('domain', domain);
    checkName('key', key);
    if (this.#data[domain]?.[key] === undefined) return;
    delete this.#data[domain]![key];
    this.#save();
  }

  keys(domain: string): string[] {
    checkName('domain', domain);
    return Object.keys(this.#data[domain] ?? {});
  }

  #save(): void {
    const temporary = `${this.path}.tmp`;
    // Created 0600: the rename keeps the mode, so the store is never readable by others, not even briefly.
    const fd = openSync(temporary, 'w', PRIVATE_MODE);
    try {
      if (process.platform !== 'win32') fchmodSync(fd, PRIVATE_MODE); // a leftover temporary file keeps its old mode otherwise
      writeSync(fd, JSON.stringify(this.#data));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }
}

/** Refuses a store file that anyone but its owner may read or write, naming the fix. */
export function checkPrivate(path: string): void {
  if (process.platform === 'win32') return; // NTFS ACLs, not mode bits: protect the folder with the OS
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new StoreError(
      `store file ${path} holds the hub's master key but is readable or writable by others (mode ${mode.toString(8).padStart(4, '0')}); ` +
        `run: chmod 600 '${path}' (and check who could have copied it; if anyone, start over with a new data folder)`,
    );
  }
}
