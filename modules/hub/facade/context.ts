/**
 * What every area of the page's facade reads the hub through: the hub itself,
 * the clock for placing stamps in time, and lookups that turn an unknown
 * integration or purpose into the `FacadeError` the page shows. No state.
 */
import type { Contract } from '../../contract/types.js';
import type { Clock } from '../../host.js';
import type { Stamp } from '../../reading.js';
import { FacadeError, type Actor } from '../../web/facade.js';
import type { Hub } from '../hub.js';

export interface FacadeContext {
  readonly hub: Hub;
  readonly clock: Clock;
  /** ISO time of a stamp: its wall time, or worked out from this boot's monotonic clock; null when unknowable. */
  isoOf(stamp: Pick<Stamp, 'boot' | 'mono' | 'wall'>): string | null;
  nowIso(): string | null;
  /** The integration's contract, or a 404 the page shows. */
  contractOf(integration: string): Contract;
  /** The vendor's name, with the integration id when two integrations share a vendor. */
  titleOf(integration: string): string;
  purposeOf(integration: string, purpose: string): { contract: Contract; purpose: Contract['purposes'][number] };
}

export function createFacadeContext(hub: Hub, clock: Clock): FacadeContext {
  function isoOf(stamp: Pick<Stamp, 'boot' | 'mono' | 'wall'>): string | null {
    if (stamp.wall !== undefined) return new Date(stamp.wall).toISOString();
    const wall = clock.wallTime();
    if (wall === undefined || stamp.boot !== clock.bootCount) return null;
    return new Date(wall - (clock.monotonic() - stamp.mono)).toISOString();
  }

  function nowIso(): string | null {
    const wall = clock.wallTime();
    return wall === undefined ? null : new Date(wall).toISOString();
  }

  function contractOf(integration: string): Contract {
    const contract = hub.contract(integration);
    if (!contract) throw new FacadeError(404, 'no-such-integration', `There is no integration "${integration}" on this hub (it may have been ended and deleted).`);
    return contract;
  }

  function titleOf(integration: string): string {
    const contract = hub.contract(integration);
    if (!contract) return integration;
    const vendor = contract.vendor.name;
    const shared = hub.integrations.some((id) => id !== integration && hub.contract(id)?.vendor.name === vendor);
    return shared ? `${vendor} (${integration})` : vendor;
  }

  function purposeOf(integration: string, purpose: string) {
    const contract = contractOf(integration);
    const p = contract.purposes.find((q) => q.id === purpose);
    if (!p) {
      throw new FacadeError(404, 'no-such-purpose', `${titleOf(integration)}'s contract has no purpose "${purpose}" (it has: ${contract.purposes.map((q) => q.id).join(', ')}).`);
    }
    return { contract, purpose: p };
  }

  return { hub, clock, isoOf, nowIso, contractOf, titleOf, purposeOf };
}

/** The actor string the hub records: "<role>:<name>", so the audit log says in which role someone acted. */
export function actorString(actor: Actor): string {
  return `${actor.role}:${actor.name}`;
}

/** The account name inside an actor string ("member:alice" → "alice"); other actors ("hub", "vendor:x") unchanged. */
export function personOf(actor: string): string {
  const match = /^(?:owner|member|installer):(.+)$/.exec(actor);
  return match ? match[1]! : actor;
}

/** A duration in seconds as the page writes it ("7 days", "1 hour", "90 seconds"). */
export function duration(seconds: number): string {
  if (seconds % 86400 === 0) return seconds === 86400 ? '1 day' : `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

/** An audit detail as text: strings as they are, numbers written out, anything else the fallback. */
export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}
