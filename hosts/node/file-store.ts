/**
 * The key-value store as one JSON file, rewritten atomically (write a
 * temporary file, fsync, rename) so a crash leaves the old or the new
 * version, never a torn one. Enforces the ESP32's NVS limits.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
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

export class FileStore implements KeyValueStore {
  readonly path: string;
  #data: Snapshot;

  constructor(path: string) {
    this.path = path;
    this.#data = {};
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
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, JSON.stringify(this.#data));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }
}
