/**
 * A contract archive in RAM: the board's stand-in when its archive
 * partition is missing (earlier versions are then kept until the next
 * restart only), and the archive of in-memory test rigs.
 */
import type { Contract } from '../contract/types.js';
import type { ContractArchive } from './hub.js';

export function memoryContractArchive(): ContractArchive {
  const kept = new Map<string, Contract>();
  return {
    load: (integration, version) => kept.get(`${integration}@${version}`),
    save: (contract) => void kept.set(`${contract.integration}@${contract.version}`, contract),
    remove: (integration) => {
      for (const key of [...kept.keys()]) if (key.startsWith(`${integration}@`)) kept.delete(key);
    },
  };
}
