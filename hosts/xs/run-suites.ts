/**
 * Runs the core suites (test/core/*.test.ts) inside the XS engine, one fresh
 * machine per suite with frozen intrinsics (hosts/xs/suite-runner.ts), and ends with
 * `xs: N passed, N failed`. Each suite has a time limit (AIRLOCK_XS_SUITE_TIMEOUT_MS).
 * Usage: node build/hosts/xs/run-suites.js [name-filter]
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './engine.js';
import { runSuite } from './suite-runner.js';

async function main(): Promise<number> {
  const filter = process.argv[2] ?? '';
  if (filter === '--help' || filter === '-h') {
    console.log('usage: node build/hosts/xs/run-suites.js [name-filter]\nRuns test/core/*.test.ts inside XS (xsnap).');
    return 0;
  }
  const dir = join(repoRoot, 'test', 'core');
  const files = readdirSync(dir).filter((f) => f.endsWith('.test.ts') && f.includes(filter)).sort();
  if (files.length === 0) {
    console.log(`xs: no suite in test/core matches "${filter}"`);
    return 1;
  }
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const outcomes = await runSuite(`./test/core/${file}`, file);
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
