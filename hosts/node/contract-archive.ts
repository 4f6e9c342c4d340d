/** Contract versions on the desktop: one JSON file per version in <dataDir>/contracts/. */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Contract } from '../../modules/contract/types.js';
import { parseContract } from '../../modules/contract/validate.js';
import type { ContractArchive } from '../../modules/hub/hub.js';

const safe = (text: string) => text.replace(/[^a-zA-Z0-9._-]/g, '_');

export function fileContractArchive(dir: string): ContractArchive {
  mkdirSync(dir, { recursive: true });
  const pathOf = (integration: string, version: string) => join(dir, `${safe(integration)}@${safe(version)}.json`);
  return {
    load(integration, version) {
      const path = pathOf(integration, version);
      if (!existsSync(path)) return undefined;
      const parsed = parseContract(JSON.parse(readFileSync(path, 'utf8')));
      return parsed.ok ? parsed.contract : undefined;
    },
    save(contract: Contract) {
      const path = pathOf(contract.integration, contract.version);
      if (existsSync(path)) return true;
      try {
        // Written beside and renamed: a crash leaves the old file set or the new one, never half a document.
        writeFileSync(`${path}.tmp`, JSON.stringify(contract, null, 2));
        renameSync(`${path}.tmp`, path);
        return true;
      } catch {
        return false; // a full disk: adding the integration is refused
      }
    },
    remove(integration) {
      const prefix = `${safe(integration)}@`;
      for (const name of readdirSync(dir)) if (name.startsWith(prefix)) rmSync(join(dir, name), { force: true });
    },
  };
}
