#!/usr/bin/env node
/** `airlock`: the command-line entry. Each subcommand lives in tools/commands/. */
import { UsageError, type Command } from './command.js';
import { auditCommand } from './commands/audit.js';
import { contractCommand } from './commands/contract.js';
import { dashCommand } from './commands/dash.js';
import { runCommand } from './commands/run.js';
import { updateCommand } from './commands/update.js';

const commands: Command[] = [runCommand, contractCommand, auditCommand, dashCommand, updateCommand];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'airlock: enforce each cloud integration\'s data contract on a smart-home hub',
    '',
    'usage: airlock <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `airlock <command> --help` for its options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`airlock: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    console.error(`airlock: ${(error as Error)?.message ?? error}`);
    process.exitCode = 1;
  },
);
