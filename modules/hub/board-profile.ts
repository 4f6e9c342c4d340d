/**
 * A board profile: what one kind of board can hold, set by the manifest the
 * build chose (hosts/moddable/profiles/<name>/manifest.json puts it in
 * `config.airlock.profile` beside XS's `creation` sizes for that board).
 *
 * The limits are the ones the memory figures were measured at
 * (`moddable.lin.<profile>.*` in bench-results.json, docs/esp32.md "Board
 * profiles"): a configuration beyond them is refused at boot, with a boot
 * report entry per limit, instead of running until XS reports "memory full"
 * in the middle of a drain. The desktop has no profile: no limit applies.
 */
import type { WindowOptions } from '../log/write-behind.js';
import type { ConfigProblem, RuntimeConfig } from './runtime-config.js';

export interface BoardProfile {
  /** `esp32` (no PSRAM) or `esp32s3` (PSRAM): the profile folder's name. */
  name: string;
  /** Integrations the XS heap was sized for. */
  maxIntegrations: number;
  /** Each integration's RAM window (write-behind.ts): records and payload bytes held before they spill to flash. */
  ramWindow: Required<Pick<WindowOptions, 'records' | 'bytes'>>;
  /** Vendor connections (each a TLS session on a real endpoint) open at once. */
  maxSessions: number;
  /** BTHome bindkeys the configuration may name (each is a device the hub keeps counters for). */
  maxBthomeKeys: number;
  /** Devices the hub keeps state for (registry, flood gate, names): about 640 B each at worst; a new one beyond is refused and counted (`devices_refused`). */
  maxDevices: number;
}

/** Every limit the configuration exceeds, each with the path an installer edits. */
export function checkProfile(profile: BoardProfile, config: RuntimeConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const integrations = config.integrations?.length ?? 0;
  if (integrations > profile.maxIntegrations) {
    problems.push({
      path: 'integrations',
      code: 'profile-exceeded',
      message: `${integrations} integrations; the ${profile.name} profile holds at most ${profile.maxIntegrations} in its RAM`,
    });
  }
  const sessions = config.sessions?.maxSessions;
  if (sessions !== undefined && sessions > profile.maxSessions) {
    problems.push({
      path: 'sessions.maxSessions',
      code: 'profile-exceeded',
      message: `${sessions} vendor sessions open at once; the ${profile.name} profile has RAM for at most ${profile.maxSessions} TLS sessions`,
    });
  }
  const bthome = config.sources?.bthome;
  const keys = bthome ? Object.keys(bthome.keys ?? {}).length : 0;
  if (keys > profile.maxBthomeKeys) {
    problems.push({
      path: 'sources.bthome.keys',
      code: 'profile-exceeded',
      message: `${keys} BTHome bindkeys; the ${profile.name} profile holds at most ${profile.maxBthomeKeys}`,
    });
  }
  return problems;
}
