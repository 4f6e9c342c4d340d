import { readFileSync } from 'node:fs';
import { parseContractText } from '../../modules/contract/validate.js';
import type { ContractError } from '../../modules/contract/types.js';
import { contractWarnings } from '../../modules/contract/warnings.js';
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';

interface FileReport {
  file: string;
  status: 'valid' | 'invalid' | 'unreadable';
  errors: ContractError[];
  /** Terms worth a second look in a valid contract; they do not change the exit status. */
  warnings: ContractError[];
}

function lint(file: string): FileReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { file, status: 'unreadable', errors: [{ path: '', message: `cannot read the file: ${(error as Error).message}` }], warnings: [] };
  }
  const result = parseContractText(text);
  return result.ok
    ? { file, status: 'valid', errors: [], warnings: contractWarnings(result.contract) }
    : { file, status: 'invalid', errors: result.errors, warnings: [] };
}

export const contractCommand: Command = {
  name: 'contract',
  summary: 'check integration contracts (airlock contract lint <file...>)',
  usage: `usage: airlock contract lint [--json] <file...>

Checks each contract file against the format airlock-contract/1
(docs/contracts.md) and prints every error with its path, e.g.
  energy-saver.json: streams[0].fields.power.transform.step: step must be greater than 0

Warnings (e.g. a breach notification deadline over GDPR's 72 hours) are
printed as "<file>: warning: <path>: <message>" and do not fail the run.

Exit status: 0 all valid (warnings or not), 1 some contract is invalid, 2 a
file could not be read (or the command was used wrongly).

Options:
  --json       print one JSON report: [{file, status, errors: [{path, message}], warnings: [...]}]
  -h, --help   this text`,
  async run(args) {
    const { values, positionals } = parseOptions('contract', args, { json: { type: 'boolean' } });
    if (values.help) {
      console.log(this.usage);
      return 0;
    }
    const [sub, ...files] = positionals;
    if (sub !== 'lint') {
      console.error(`airlock contract: unknown subcommand "${sub ?? ''}"; use "airlock contract lint <file...>"\n\n${this.usage}`);
      return 2;
    }
    const json = values.json === true;
    if (files.length === 0) {
      console.error('airlock contract lint: name at least one contract file');
      return 2;
    }
    const reports = files.map(lint);
    if (json) {
      console.log(JSON.stringify(reports, null, 2));
    } else {
      for (const r of reports) {
        if (r.status === 'valid') console.log(`${r.file}: valid${r.warnings.length ? ` (${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'})` : ''}`);
        else for (const e of r.errors) console.error(`${r.file}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
        for (const w of r.warnings) console.error(`${r.file}: warning: ${w.path}: ${w.message}`);
      }
      const bad = reports.filter((r) => r.status !== 'valid').length;
      if (bad > 0) console.error(`${bad} of ${reports.length} contract file(s) refused`);
    }
    if (reports.some((r) => r.status === 'unreadable')) return 2;
    return reports.some((r) => r.status === 'invalid') ? 1 : 0;
  },
};
