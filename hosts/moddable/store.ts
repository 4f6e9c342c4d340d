/**
 * The KeyValueStore over Moddable's `preference` module (NVS on the ESP32).
 * The module is passed in by main.ts (which is not preloaded) rather than
 * imported here: the simulator's `preference` reads its JSON file when its
 * class is defined, so a preloaded copy would hold the build machine's empty
 * cache forever and lose every save across restarts.
 */
import type Preference from 'preference';
import type { KeyValueStore, StoredValue } from '../../modules/host.js';
import { checkEntry, checkName } from '../../modules/store-rules.js';

export function preferenceStore(preference: typeof Preference): KeyValueStore {
  return Object.freeze({
    get(domain: string, key: string): StoredValue | undefined {
      checkName('domain', domain);
      checkName('key', key);
      const value = preference.get(domain, key);
      return value instanceof ArrayBuffer ? new Uint8Array(value) : value;
    },
    set(domain: string, key: string, value: StoredValue) {
      checkEntry(domain, key, value);
      preference.set(domain, key, value instanceof Uint8Array ? (value.slice().buffer as ArrayBuffer) : value);
    },
    delete(domain: string, key: string) {
      checkName('domain', domain);
      checkName('key', key);
      preference.delete(domain, key);
    },
    keys(domain: string): string[] {
      checkName('domain', domain);
      return preference.keys(domain);
    },
  });
}
