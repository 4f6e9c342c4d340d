/** The shape of one `airlock <subcommand>`. Each lives in tools/commands/<name>.ts. */
import { parseArgs } from 'node:util';

export interface Command {
  name: string;
  /** One line for `airlock --help`. */
  summary: string;
  /** Full usage text for `airlock <name> --help`. */
  usage: string;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

/**
 * The command was used wrongly (an unknown option, a missing value): the
 * entry point prints the message and exits 2, the usual status for misuse.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

/**
 * Parses a command's arguments strictly with node:util parseArgs. An option the
 * command does not know is refused, never ignored: a typo such as `--stor` for
 * `--store` would otherwise silently turn a check off. `--help`/`-h` is always known.
 */
export function parseOptions<O extends Record<string, OptionSpec>>(command: string, args: string[], options: O) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as O & { help: { type: 'boolean'; short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    // parseArgs names the offending option ("Unknown option '--stor'. To specify a positional...");
    // its first sentence is the useful part.
    const message = (error as Error).message.replace(/^(Unknown option '[^']*')\..*$/s, '$1');
    throw new UsageError(`airlock ${command}: ${message}; run \`airlock ${command} --help\` for the options it takes`);
  }
}
