/**
 * THE HOOK for the memory bench and the preload-safety smoke run: the
 * composed Hub (the same class main.ts and `airlock run` build) for N
 * integrations on a simulated host (bench/hub-rig.ts). Runs inside XS:
 * portable code only.
 */
import type { Hub } from '../modules/hub/hub.js';
import { composeHubRig, type HubRig, type SimulatedHost } from './hub-rig.js';

export interface HubUnderTest {
  /** Everything the hub keeps alive between events (what the heap must hold). */
  readonly retained: unknown;
  readonly hub: Hub;
  readonly rig: HubRig;
  /** One round of ordinary work: device messages in, records sealed, delivered and acknowledged. */
  exercise(): Promise<void>;
}

export function integrationNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `vendor-${String(i + 1).padStart(2, '0')}`);
}

export function composeHubForMeasurement(host: SimulatedHost, integrations: string[]): HubUnderTest {
  const rig = composeHubRig(host, integrations);
  let round = 0;
  return {
    retained: rig,
    hub: rig.hub,
    rig,
    async exercise() {
      for (let i = 0; i < 4; i++) rig.readings(round++);
      await rig.run(2_000);
      if (rig.hub.snapshot().hub.readingsReceived === 0) throw new Error('the hub received nothing');
    },
  };
}
