/**
 * The ESP32 (and Moddable simulator) host: every Host capability over the
 * Moddable SDK. Type-checked against @moddable/typings in `npm test`; it can
 * only be run with the SDK and a board (see README, "Flashing an ESP32").
 */
import './globals.js';
import RNG from 'rng';
import Time from 'time';
import Timer from 'timer';
import type { Clock, Flash, Host, KeyValueStore, Logger, LogFields, TimerHandle, Timers } from '../../modules/host.js';
import { moddableCrypto } from './crypto.js';
import { openFlashPartition } from './flash.js';

/** Before SNTP answers, the ESP32's clock starts near 1970: anything before this is "unknown". */
const EARLIEST_PLAUSIBLE_WALL_MS = Date.UTC(2024, 0, 1);

export function traceLogger(): Logger {
  const emit = (level: string) => (message: string, fields?: LogFields) => {
    const extra = fields ? ' ' + Object.keys(fields).map((k) => `${k}=${fields[k]}`).join(' ') : '';
    trace(`${level} ${message}${extra}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

const timers: Timers = Object.freeze({
  set: (callback: () => void, ms: number): TimerHandle => Timer.set(() => callback(), ms),
  repeat: (callback: () => void, ms: number): TimerHandle => Timer.repeat(() => callback(), ms),
  clear: (handle: TimerHandle | undefined) => Timer.clear(handle as Timer | undefined),
});

/** Counts boots in NVS; a store that cannot be read or written must not stop the boot (the supervisor reports it). */
function nextBootCount(store: KeyValueStore): number {
  try {
    const saved = store.get('hub', 'bootCount');
    const bootCount = (typeof saved === 'number' ? saved : 0) + 1;
    store.set('hub', 'bootCount', bootCount);
    return bootCount;
  } catch {
    return 0;
  }
}

/**
 * `recordFlash` lets the boot open the log partition itself (through the
 * boot supervisor, which reports a missing one); otherwise `partition` is
 * opened here and a missing one throws.
 */
export function makeModdableHost(store: KeyValueStore, options: { partition?: string; recordFlash?: Flash } = {}): Host {
  const bootCount = nextBootCount(store);
  const bootTicks = Time.ticks;
  const clock: Clock = Object.freeze({
    bootCount,
    wallTime: () => {
      const now = Date.now();
      return now >= EARLIEST_PLAUSIBLE_WALL_MS ? now : undefined;
    },
    monotonic: () => Time.delta(bootTicks),
  });
  return Object.freeze({
    clock,
    timers,
    random: Object.freeze({ bytes: (length: number) => new Uint8Array(RNG.get(length)) }),
    crypto: moddableCrypto,
    recordFlash: options.recordFlash ?? openFlashPartition(options.partition ?? 'airlock'),
    store,
    log: traceLogger(),
  });
}
