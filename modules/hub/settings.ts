/**
 * Hub settings: the part of the configuration model (runtime-config.ts) the
 * owner or installer may change on the page. The configuration file (the
 * desktop's `--config`, the board's `config.airlock`) seeds them and stays
 * the installer's baseline; what the page saved (settings-store.ts) lies on
 * top of it, key by key.
 *
 * What wins when both change: whoever changed a key last. The page saves,
 * with each key, a fingerprint of the file's value at that moment. At start,
 * a key whose file value still has that fingerprint takes the page's value;
 * a key whose file value has changed since (the installer edited the file
 * after the page's change) takes the file's value, and the page's is dropped
 * and audited (docs/configuration.md, "Settings from the page").
 */
import { toHex, utf8 } from '../bytes.js';
import type { Crypto } from '../host.js';
import { parseRuntimeConfig, type RuntimeConfig } from './runtime-config.js';

/** The configuration keys the page may change (Wi-Fi is the board's own, outside the file: settings-wifi). */
export const SETTING_KEYS = Object.freeze(['hubId', 'localBroker', 'monitorBroker', 'sources', 'timeZone'] as const);
export type SettingKey = (typeof SETTING_KEYS)[number];

/** A key's value as the page saved it; `null`: the page removed the key (the monitoring broker follows the home broker). */
export type SettingValues = { [K in SettingKey]?: RuntimeConfig[K] | null };

/** What the page saved, with the file's fingerprints: see settings-store.ts for how it is kept. */
export interface SavedSettings {
  /** 0 while the page never saved anything. */
  generation: number;
  values: SettingValues;
  /** Per key in `values`: the fingerprint of the file's value when the page saved it. */
  file: { [K in SettingKey]?: string };
}

export const NO_SAVED_SETTINGS: SavedSettings = Object.freeze({ generation: 0, values: Object.freeze({}), file: Object.freeze({}) });

export interface ResolvedSettings {
  /** The file with the page's settings on top: what the hub runs with. */
  config: RuntimeConfig;
  /** Keys where the page's value stands. */
  fromPage: SettingKey[];
  /** Keys the page had set but the file changed since: the file's value stands. */
  fileWon: SettingKey[];
  /** Why the saved settings could not be used at all, if so (the file alone stands). */
  problem?: string;
}

export function fingerprint(value: unknown, crypto: Pick<Crypto, 'sha256'>): string {
  return toHex(crypto.sha256(utf8(JSON.stringify(value ?? null)))).slice(0, 16);
}

/** Applies settings values to a configuration (a `null` removes the key). */
export function withSettings(config: RuntimeConfig, values: SettingValues): RuntimeConfig {
  const out: Record<string, unknown> = { ...config };
  for (const key of SETTING_KEYS) {
    if (!(key in values)) continue;
    const value = values[key];
    if (value === null || value === undefined) delete out[key];
    else out[key] = value;
  }
  return out as RuntimeConfig;
}

/** The configuration the hub runs with, and which key came from where. */
export function resolveSettings(file: RuntimeConfig, saved: SavedSettings, crypto: Pick<Crypto, 'sha256'>): ResolvedSettings {
  const standing: SettingValues = {};
  const fromPage: SettingKey[] = [];
  const fileWon: SettingKey[] = [];
  for (const key of SETTING_KEYS) {
    if (!(key in saved.values)) continue;
    if (saved.file[key] !== fingerprint(file[key], crypto)) {
      fileWon.push(key);
      continue;
    }
    (standing as Record<string, unknown>)[key] = saved.values[key];
    fromPage.push(key);
  }
  // Checked again as a whole: a saved value the model no longer accepts must not stop the hub.
  const parsed = parseRuntimeConfig(withSettings(file, standing));
  if (!parsed.config) {
    return { config: file, fromPage: [], fileWon, problem: parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ') };
  }
  return { config: parsed.config, fromPage, fileWon };
}

/** The secret names a setting's value refers to (`{"secret": name}` anywhere in it). */
export function secretNames(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const own = (value as { secret?: unknown }).secret;
  const names = typeof own === 'string' ? [own] : [];
  for (const inner of Object.values(value)) names.push(...secretNames(inner));
  return names;
}
