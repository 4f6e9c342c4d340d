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
