/**
 * Runs the core suites (test/core/*.test.ts) inside the XS engine, one fresh
 * machine per suite with frozen intrinsics, and ends with `xs: N passed, N failed`.
 * Usage: node build/hosts/xs/run-suites.js [name-filter]
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleForXs, HARDEN_PRELUDE, repoRoot, runInXs } from './engine.js';

interface Outcome {
  title: string;
  ok: boolean;
  error?: string;
}

async function main(): Promise<number> {
  const filter = process.argv[2] ?? '';
  if (filter === '--help' || filter === '-h') {
    console.log('usage: node build/hosts/xs/run-suites.js [name-filter]\nRuns test/core/*.test.ts inside XS (xsnap).');
    return 0;
  }
  const dir = join(repoRoot, 'test', 'core');
  const files = readdirSync(dir).filter((f) => f.endsWith('.test.ts') && f.includes(filter)).sort();
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const entry =
      `import './test/core/${file}';\n` +
      `import { runRegisteredTests } from './hosts/xs/ava-shim.ts';\n` +
      `runRegisteredTests(${JSON.stringify(file)});\n`;
    let outcomes: Outcome[] = [];
    try {
      const script = await bundleForXs(entry, file);
      const run = await runInXs([HARDEN_PRELUDE, script], `xs-${file}`);
      const report = run.messages[0] as { outcomes: Outcome[] } | undefined;
      if (!report) throw new Error('the suite ended without reporting (an uncaught error or unsettled promise?)');
      outcomes = report.outcomes;
    } catch (error) {
      outcomes = [{ title: "(suite)", ok: false, error: `${(error as Error)?.message ?? error}\n${(error as Error)?.stack ?? ""}` }];
    }
    for (const o of outcomes) {
      if (o.ok) {
        passed++;
        console.log(`  ✔ [xs] ${file.replace(/\.test\.ts$/, '')} › ${o.title}`);
      } else {
        failed++;
        console.log(`  ✘ [xs] ${file.replace(/\.test\.ts$/, '')} › ${o.title}\n${o.error?.replace(/^/gm, '      ')}`);
      }
    }
  }
  console.log(`xs: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
