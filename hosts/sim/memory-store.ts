/** A KeyValueStore in memory with the NVS limits; for tests and the XS host. */
import type { KeyValueStore, StoredValue } from '../../modules/host.js';
import { checkEntry, checkName } from '../../modules/store-rules.js';

export class MemoryStore implements KeyValueStore {
  readonly #domains = new Map<string, Map<string, StoredValue>>();

  get(domain: string, key: string): StoredValue | undefined {
    checkName('domain', domain);
    checkName('key', key);
    const value = this.#domains.get(domain)?.get(key);
    return value instanceof Uint8Array ? value.slice() : value;
  }

  set(domain: string, key: string, value: StoredValue): void {
    checkEntry(domain, key, value);
    let entries = this.#domains.get(domain);
    if (!entries) this.#domains.set(domain, (entries = new Map()));
    entries.set(key, value instanceof Uint8Array ? value.slice() : value);
  }

  delete(domain: string, key: string): void {
    checkName('domain', domain);
    checkName('key', key);
    this.#domains.get(domain)?.delete(key);
  }

  keys(domain: string): string[] {
    checkName('domain', domain);
    return [...(this.#domains.get(domain)?.keys() ?? [])];
  }
}
