/**
 * What all sources share: one registry, one set of counters, one flood gate
 * (so the per-device budget holds whichever gateway a device speaks through),
 * the limits and the clock. The composition root creates one and hands it
 * to each decoder.
 */
import type { Clock } from '../host.js';
import { SourceCounters } from './counters.js';
import { FloodGate, resolveLimits, type SourceLimits } from './limits.js';
import { DeviceRegistry } from './registry.js';

export interface SourceContext {
  readonly clock: Clock;
  readonly limits: SourceLimits;
  readonly registry: DeviceRegistry;
  readonly counters: SourceCounters;
  readonly gate: FloodGate;
}

export function createSourceContext(clock: Clock, limits: Partial<SourceLimits> = {}): SourceContext {
  const resolved = resolveLimits(limits);
  return {
    clock,
    limits: resolved,
    registry: new DeviceRegistry({ maxDevices: resolved.maxDevices }),
    counters: new SourceCounters(),
    gate: new FloodGate(clock, { ratePerSecond: resolved.ratePerSecond, burst: resolved.burst, maxTracked: resolved.maxDevices * 4 }),
  };
}
