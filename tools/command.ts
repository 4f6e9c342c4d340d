/** The shape of one `airlock <subcommand>`. Each lives in tools/commands/<name>.ts. */
export interface Command {
  name: string;
  /** One line for `airlock --help`. */
  summary: string;
  /** Full usage text for `airlock <name> --help`. */
  usage: string;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

export function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/** The value after `--name` in the arguments, if any. */
export function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}
