/**
 * The contracts a firmware image carries (manifest.json `data`, listed in
 * `config.airlock.contracts`): each file is parsed and validated with the
 * same rules as `airlock contract check`. A bad file never stops the boot:
 * it is left out and named in the boot report with its first errors, so the
 * installer sees what to fix while the other integrations run.
 */
import type { BootSupervisor } from '../boot.js';
import type { Contract } from '../contract/types.js';
import { parseContractText } from '../contract/validate.js';

export interface BundledContract {
  /** The file's name in the bundle, for messages. */
  name: string;
  text: string;
}

const ERRORS_SHOWN = 3;

export function parseContractBundle(files: readonly BundledContract[], supervisor: Pick<BootSupervisor, 'problem'>): Contract[] {
  const contracts: Contract[] = [];
  const invalid: string[] = [];
  const duplicates: string[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const result = parseContractText(file.text);
    if (!result.ok) {
      const shown = result.errors.slice(0, ERRORS_SHOWN).map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
      const more = result.errors.length > ERRORS_SHOWN ? ` (+${result.errors.length - ERRORS_SHOWN} more)` : '';
      invalid.push(`${file.name}: ${shown.join('; ')}${more}`);
      continue;
    }
    const id = result.contract.integration;
    const first = seen.get(id);
    if (first !== undefined) {
      duplicates.push(`${file.name} repeats integration "${id}" of ${first}`);
      continue;
    }
    seen.set(id, file.name);
    contracts.push(result.contract);
  }
  if (invalid.length > 0) {
    supervisor.problem({
      component: 'contracts',
      code: 'contract-invalid',
      message: `${invalid.length} bundled contract(s) left out: ${invalid.join(' | ')}`,
      action: 'fix the file (npx airlock contract check <file>) and rebuild, or install a signed contract bundle',
    });
  }
  if (duplicates.length > 0) {
    supervisor.problem({
      component: 'contracts',
      code: 'contract-duplicate',
      message: `only the first contract per integration is used: ${duplicates.join(' | ')}`,
      action: 'keep one file per integration in the bundle (the newest version)',
    });
  }
  return contracts;
}
