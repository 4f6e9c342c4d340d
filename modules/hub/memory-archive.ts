/**
 * A contract archive in RAM: the board's stand-in when its archive
 * partition is missing (earlier versions are then kept until the next
 * restart only), and the archive of in-memory test rigs.
 *
 * It keeps the newest saved version of each integration only: the hub loads
 * the version it enforced last (hub.ts #install), so one per integration is
 * all it needs, and RAM stays bounded by the integrations, not their history.
 */
import type { Contract } from '../contract/types.js';
import type { ContractArchive } from './hub.js';

export function memoryContractArchive(): ContractArchive & { readonly size: number } {
  const newest = new Map<string, Contract>();
  return {
    load: (integration, version) => {
      const contract = newest.get(integration);
      return contract?.version === version ? contract : undefined;
    },
    save: (contract) => void newest.set(contract.integration, contract),
    remove: (integration) => void newest.delete(integration),
    get size() {
      return newest.size;
    },
  };
}
