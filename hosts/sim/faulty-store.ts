/**
 * A KeyValueStore that loses power on cue, for crash-consistency tests of
 * what the hub keeps in NVS (the settings: modules/hub/settings-store.ts).
 * NVS writes or deletes one entry atomically, so each set or delete is one
 * step: `cutAt(n)` makes the n-th step (counted from 1 since construction)
 * throw `PowerCut` without taking effect, and every step after it too until
 * `reboot()`. Reads work throughout (they are what the next boot sees).
 */
import type { KeyValueStore, StoredValue } from '../../modules/host.js';
import { PowerCut } from './faulty-flash.js';
import { MemoryStore } from './memory-store.js';

export class FaultyStore implements KeyValueStore {
  readonly inner: MemoryStore;
  /** Steps taken so far (sets and deletes). */
  steps = 0;
  #cutAt: number | undefined;
  #off = false;

  constructor(inner = new MemoryStore()) {
    this.inner = inner;
  }

  get poweredOff(): boolean {
    return this.#off;
  }

  cutAt(step: number | undefined): void {
    this.#cutAt = step;
  }

  reboot(): void {
    this.#off = false;
    this.#cutAt = undefined;
  }

  get(domain: string, key: string): StoredValue | undefined {
    return this.inner.get(domain, key);
  }

  keys(domain: string): string[] {
    return this.inner.keys(domain);
  }

  set(domain: string, key: string, value: StoredValue): void {
    this.#step();
    this.inner.set(domain, key, value);
  }

  delete(domain: string, key: string): void {
    this.#step();
    this.inner.delete(domain, key);
  }

  #step(): void {
    if (this.#off) throw new PowerCut('store: the power is off');
    this.steps++;
    if (this.#cutAt !== undefined && this.steps >= this.#cutAt) {
      this.#off = true;
      throw new PowerCut(`store: power cut at step ${this.steps}`);
    }
  }
}
