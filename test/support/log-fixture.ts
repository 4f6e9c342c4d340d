/** Opens a RecordLog over a test host's pieces, as the composition root would. */
import type { Flash } from '../../modules/host.js';
import { Keyring } from '../../modules/keyring.js';
import { RecordLog } from '../../modules/log/store.js';
import type { Stamp } from '../../modules/reading.js';
import type { TestHost } from './test-host.js';

export function openLog(host: TestHost, flash: Flash = host.recordFlash) {
  const keyring = new Keyring({ store: host.store, crypto: host.crypto, random: host.random });
  const { log, report } = RecordLog.open({ flash, keyring, crypto: host.crypto, clock: host.clock, log: host.log });
  return { log, report, keyring };
}

/** A recognisable payload: "<integration>#<n>" padded with a byte pattern to `size`. */
export function payload(integration: string, n: number, size = 40): Uint8Array {
  const text = new TextEncoder().encode(`${integration}#${n}|`);
  const out = new Uint8Array(Math.max(size, text.length));
  out.set(text);
  for (let i = text.length; i < out.length; i++) out[i] = (n * 31 + i) & 0xff;
  return out;
}

export function stampNow(host: TestHost): Stamp {
  const wall = host.clock.wallTime();
  const stamp: Stamp = { boot: host.clock.bootCount, mono: host.clock.monotonic() };
  if (wall !== undefined) stamp.wall = wall;
  return stamp;
}

/** Finds `needle` anywhere in `hay` (to prove plaintext and keys never reach flash). */
export function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
