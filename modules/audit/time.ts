/** Time helpers for audit records, incidents and deadlines, where wall time may be unknown. */
import type { Clock } from '../host.js';
import type { Stamp } from '../reading.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Now as a Stamp: wall time when the hub knows it, always boot + monotonic. */
export function stampNow(clock: Clock): Stamp {
  const wall = clock.wallTime();
  const stamp: Stamp = { boot: clock.bootCount, mono: clock.monotonic() };
  if (wall !== undefined) stamp.wall = wall;
  return stamp;
}

/**
 * Milliseconds from `from` to `to`, or `undefined` when they cannot be
 * compared: wall time when both have it, else monotonic time within one boot.
 */
export function elapsedMs(from: Stamp, to: Stamp): number | undefined {
  if (from.wall !== undefined && to.wall !== undefined) return to.wall - from.wall;
  if (from.boot === to.boot) return to.mono - from.mono;
  return undefined;
}

/** An ISO date-time for people, or a boot-relative description when wall time is unknown. */
export function describeStamp(stamp: Stamp): string {
  if (stamp.wall !== undefined) return new Date(stamp.wall).toISOString();
  return `boot ${stamp.boot} + ${Math.round(stamp.mono / 1000)} s (wall time unknown)`;
}
