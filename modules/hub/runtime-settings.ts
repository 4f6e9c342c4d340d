/**
 * The settings the page saved, laid over the configuration file at start
 * (settings.ts says what wins, settings-store.ts how they are kept). Both
 * roots call this before they compose: what the hub runs with, and the
 * secret lookup that also finds what the page stored.
 */
import type { Crypto, KeyValueStore, Logger } from '../host.js';
import type { RuntimeConfig } from './runtime-config.js';
import { resolveSettings, secretNames, type ResolvedSettings, type SettingKey } from './settings.js';
import { PAGE_SECRET_PREFIX, SettingsStore } from './settings-store.js';

export interface StartSettings extends ResolvedSettings {
  /** The configuration file as read: the baseline the page's settings lie on. */
  file: RuntimeConfig;
  store: SettingsStore;
  /**
   * One lookup for every secret: what the page stored first (settings under
   * their own `page.` names; a credential the owner entered when adding an
   * integration, which replaces the host's copy), then the host's secrets
   * (the desktop's secrets file; on the board the same NVS domain).
   */
  secret(name: string): string | undefined;
}

export function startSettings(file: RuntimeConfig, powers: { store: KeyValueStore; crypto: Pick<Crypto, 'sha256'>; log: Logger; secret(name: string): string | undefined }): StartSettings {
  const store = new SettingsStore(powers.store, powers.crypto, powers.log);
  store.recover(); // a save a power cut interrupted: finished or undone
  const saved = store.load();
  const resolved = resolveSettings(file, saved, powers.crypto);
  if (resolved.problem) powers.log.warn(`settings: the page's settings do not fit the configuration (${resolved.problem}); the file's stand and the page's are dropped`);
  if (resolved.fileWon.length > 0) powers.log.warn(`settings: the configuration file changed ${resolved.fileWon.join(', ')} since the page set them; the file's values stand`);
  const overruled = resolved.problem ? (Object.keys(saved.values) as SettingKey[]) : resolved.fileWon;
  if (overruled.length > 0) {
    // Written once, so the next start does not report it again and the next save keeps only what stands.
    const values = { ...saved.values };
    const fingerprints = { ...saved.file };
    for (const key of overruled) {
      delete values[key];
      delete fingerprints[key];
    }
    const dropped = overruled.flatMap((key) => secretNames(saved.values[key])).filter((name) => name.startsWith(PAGE_SECRET_PREFIX));
    try {
      const generation = store.nextGeneration();
      store.stage(generation, {}, dropped);
      store.commit({ generation, values, file: fingerprints });
    } catch (error) {
      powers.log.warn(`settings: cannot update the saved settings (${(error as Error).message})`);
    }
  }
  return { ...resolved, file, store, secret: (name) => store.secrets.get(name) ?? powers.secret(name) };
}
