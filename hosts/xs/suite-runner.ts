/**
 * Runs one core suite inside a fresh XS machine with frozen intrinsics and
 * returns its outcomes. A suite cannot pass by accident: one that registers
 * no test, ends without reporting, or runs past its time limit is a failure.
 */
import { bundleForXs, HARDEN_PRELUDE, runInXs, XsTimeoutError } from './engine.js';

export interface Outcome {
  title: string;
  ok: boolean;
  error?: string;
}

/** Per suite; the slowest (flash faults at every byte, fuzzing) take a few minutes on a loaded machine. */
export const DEFAULT_SUITE_TIMEOUT_MS = 10 * 60_000;

export function suiteTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const given = Number(env.AIRLOCK_XS_SUITE_TIMEOUT_MS);
  return Number.isFinite(given) && given > 0 ? given : DEFAULT_SUITE_TIMEOUT_MS;
}

const failed = (error: string): Outcome[] => [{ title: '(suite)', ok: false, error }];

/** `suitePath` is resolved from the repository root (or absolute); `name` labels the report. */
export async function runSuite(suitePath: string, name: string, timeoutMs = suiteTimeoutMs()): Promise<Outcome[]> {
  const entry =
    `import ${JSON.stringify(suitePath)};\n` +
    `import { runRegisteredTests } from './hosts/xs/ava-shim.ts';\n` +
    `runRegisteredTests(${JSON.stringify(name)});\n`;
  try {
    const script = await bundleForXs(entry, name);
    const run = await runInXs([HARDEN_PRELUDE, script], `xs-${name}`, { timeoutMs });
    const report = run.messages[0] as { outcomes: Outcome[] } | undefined;
    if (!report) return failed('the suite ended without reporting (an uncaught error or unsettled promise?)');
    if (report.outcomes.length === 0) return failed('the suite registered no tests: an empty suite proves nothing (was a test renamed or filtered away?)');
    return report.outcomes;
  } catch (error) {
    if (error instanceof XsTimeoutError) {
      return failed(`timed out after ${timeoutMs} ms (a hang or an endless loop; AIRLOCK_XS_SUITE_TIMEOUT_MS raises the limit for slow machines)`);
    }
    return failed(`${(error as Error)?.message ?? error}\n${(error as Error)?.stack ?? ''}`);
  }
}
