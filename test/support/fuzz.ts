/**
 * Run counts for the fuzz suites: small in CI, scaled up for a long run with
 * AIRLOCK_FUZZ_RUNS=<n> (each property then runs n times, or its own share of
 * n). On Node it comes from the environment; inside XS the bundler replaces
 * the identifier with the value it had when the suites were built
 * (hosts/xs/engine.ts), since XS has no environment.
 */
declare const AIRLOCK_FUZZ_RUNS: string | undefined;

function configured(): number | undefined {
  const fromBundle = typeof AIRLOCK_FUZZ_RUNS === 'string' ? AIRLOCK_FUZZ_RUNS : undefined;
  const fromEnv = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.AIRLOCK_FUZZ_RUNS;
  const raw = fromBundle || fromEnv;
  const n = raw ? Number(raw) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** `ci` runs by default; AIRLOCK_FUZZ_RUNS times `share` (default 1) in the long mode. */
export function fuzzRuns(ci: number, share = 1): number {
  const n = configured();
  return n === undefined ? ci : Math.max(1, Math.round(n * share));
}

/** Whether the long mode is on (suites may say so in a log line). */
export function longFuzz(): boolean {
  return configured() !== undefined;
}
