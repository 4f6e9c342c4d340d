/** The desktop host: the same Host capabilities over Node. */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Host, Logger, LogFields, TimerHandle, Timers } from '../../modules/host.js';
import { nodeCrypto } from './crypto.js';
import { FileFlash } from './file-flash.js';
import { FileStore } from './file-store.js';

export interface NodeHostOptions {
  /** Folder for the flash image and the key-value store. */
  dataDir: string;
  flashBytes?: number;
  blockSize?: number;
  /** Pretend the wall clock is unknown, as after an offline boot. */
  noWallClock?: boolean;
  log?: Logger;
}

export interface NodeHost extends Host {
  readonly recordFlash: FileFlash;
  readonly store: FileStore;
  close(): void;
}

export function consoleLogger(level: 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = ['debug', 'info', 'warn', 'error'];
  const emit = (at: string, message: string, fields?: LogFields) => {
    if (order.indexOf(at) < order.indexOf(level)) return;
    const extra = fields ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ') : '';
    process.stderr.write(`${new Date().toISOString()} ${at.padEnd(5)} ${message}${extra}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const nodeTimers: Timers = Object.freeze({
  set: (callback: () => void, ms: number): TimerHandle => setTimeout(callback, ms),
  repeat: (callback: () => void, ms: number): TimerHandle => setInterval(callback, ms),
  clear: (handle: TimerHandle | undefined) => clearTimeout(handle as NodeJS.Timeout | undefined),
});

export function makeNodeHost(options: NodeHostOptions): NodeHost {
  // The folder is created private too: store.json inside it holds the master key (see file-store.ts).
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const store = new FileStore(join(options.dataDir, 'store.json'), { requirePrivate: true });
  const recordFlash = new FileFlash({
    path: join(options.dataDir, 'records.flash'),
    byteLength: options.flashBytes ?? 1024 * 1024,
    blockSize: options.blockSize ?? 4096,
  });
  // The boot counter lives in the store, as it does in NVS on the board.
  const bootCount = Number(store.get('hub', 'bootCount') ?? 0) + 1;
  store.set('hub', 'bootCount', bootCount);
  const started = performance.now();
  const clock: Clock = Object.freeze({
    bootCount,
    wallTime: () => (options.noWallClock ? undefined : Date.now()),
    monotonic: () => Math.floor(performance.now() - started),
  });
  return {
    clock,
    timers: nodeTimers,
    random: { bytes: (length: number) => new Uint8Array(randomBytes(length)) },
    crypto: nodeCrypto,
    recordFlash,
    store,
    log: options.log ?? consoleLogger(),
    close: () => recordFlash.close(),
  };
}
