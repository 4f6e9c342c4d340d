/** The KeyValueStore over Moddable's `preference` module (NVS on the ESP32). */
import Preference from 'preference';
import type { KeyValueStore, StoredValue } from '../../modules/host.js';
import { checkEntry, checkName } from '../../modules/store-rules.js';

export const preferenceStore: KeyValueStore = Object.freeze({
  get(domain: string, key: string): StoredValue | undefined {
    checkName('domain', domain);
    checkName('key', key);
    const value = Preference.get(domain, key);
    return value instanceof ArrayBuffer ? new Uint8Array(value) : value;
  },
  set(domain: string, key: string, value: StoredValue) {
    checkEntry(domain, key, value);
    Preference.set(domain, key, value instanceof Uint8Array ? (value.slice().buffer as ArrayBuffer) : value);
  },
  delete(domain: string, key: string) {
    checkName('domain', domain);
    checkName('key', key);
    Preference.delete(domain, key);
  },
  keys(domain: string): string[] {
    checkName('domain', domain);
    return Preference.keys(domain);
  },
});
