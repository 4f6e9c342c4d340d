/** A deterministic Host for core suites: manual time, seeded randomness, flash and store in memory. */
import type { Host, Logger, LogFields } from '../../modules/host.js';
import { ManualClock, ManualTimers } from '../../hosts/sim/manual-time.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { MemoryStore } from '../../hosts/sim/memory-store.js';
import { SeededRandom } from '../../hosts/sim/seeded-random.js';
import { platformCrypto } from './platform.js';

export interface LogLine {
  level: string;
  message: string;
  fields?: LogFields | undefined;
}

export interface TestHost extends Host {
  readonly clock: ManualClock;
  readonly timers: ManualTimers;
  readonly recordFlash: MemoryFlash;
  readonly store: MemoryStore;
  readonly lines: LogLine[];
}

export function makeTestHost(options: { seed?: number; flashBytes?: number; blockSize?: number; wallTime?: number } = {}): TestHost {
  const clock = new ManualClock(options.wallTime === undefined ? {} : { wallTime: options.wallTime });
  const lines: LogLine[] = [];
  const record = (level: string) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  const log: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  return {
    clock,
    timers: new ManualTimers(clock),
    random: new SeededRandom(options.seed ?? 1),
    crypto: platformCrypto,
    recordFlash: new MemoryFlash(options.flashBytes ?? 64 * 4096, options.blockSize ?? 4096),
    store: new MemoryStore(),
    log,
    lines,
  };
}
