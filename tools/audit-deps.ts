/**
 * `npm run audit:deps`: fails (exit 1) on a known high or critical
 * vulnerability in a shipped (production) dependency, unless
 * audit-allowlist.json acknowledges it with a reason and an expiry date
 * (docs/SECURITY.md, "Supply chain", says how). Reads
 * `npm audit --omit=dev --json`; with `--report <file>` it judges a saved
 * report instead. When the registry's audit endpoint cannot be reached, it
 * says so plainly and exits 0: an unreachable service is not a finding.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { judgeAudit } from './supply-chain.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function main(args: string[]): number {
  // Strict: a misspelt --allowlist would otherwise judge against the default list, a misspelt
  // --report would quietly run a live audit instead of judging the saved one.
  let values: { report?: string; allowlist?: string };
  try {
    ({ values } = parseArgs({ args, strict: true, options: { report: { type: 'string' }, allowlist: { type: 'string' } } }));
  } catch (error) {
    console.error(`audit:deps: ${(error as Error).message.replace(/^(Unknown option '[^']*')\..*$/s, '$1')}; it takes --report <npm-audit.json> and --allowlist <file>`);
    return 2;
  }
  const allowPath = values.allowlist ?? join(root, 'audit-allowlist.json');
  let report: string;
  if (values.report !== undefined) {
    report = readFileSync(values.report, 'utf8');
  } else {
    const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    report = run.stdout || run.stderr || String(run.error ?? '');
  }
  const allow = existsSync(allowPath) ? (JSON.parse(readFileSync(allowPath, 'utf8')) as unknown) : { entries: [] };
  const verdict = judgeAudit(report, allow, new Date());
  if (verdict.kind === 'unavailable') {
    console.log(`audit:deps: NOT CHECKED: ${verdict.message}.`);
    console.log('audit:deps: the dependency audit did not run; this is not a finding, so it does not fail the build. Run it where the registry serves /-/npm/v1/security/advisories/bulk.');
    return 0;
  }
  for (const p of verdict.problems) console.log(`audit:deps: allow-list problem: ${p}`);
  for (const e of verdict.expired) console.log(`audit:deps: allow-list entry expired on ${e.expires}, no longer counts: ${e.advisory} (${e.package})`);
  for (const { finding, entry } of verdict.acknowledged) console.log(`audit:deps: acknowledged until ${entry.expires}: ${finding.severity} ${finding.advisory} in ${finding.package} (${entry.reason})`);
  for (const f of verdict.lower) console.log(`audit:deps: below the bar (${f.severity}): ${f.advisory} in ${f.package}: ${f.title}`);
  for (const f of verdict.failing) console.log(`audit:deps: FAIL ${f.severity}: ${f.advisory} in ${f.package}: ${f.title} ${f.url}`);
  if (verdict.failing.length > 0 || verdict.problems.length > 0) {
    console.log(`audit:deps: ${verdict.failing.length} high/critical finding(s) in shipped dependencies. Upgrade, or if it cannot affect Airlock, add it to audit-allowlist.json with a reason and an expiry date (docs/SECURITY.md).`);
    return 1;
  }
  console.log(`audit:deps: no unacknowledged high or critical findings in shipped dependencies (${verdict.acknowledged.length} acknowledged, ${verdict.lower.length} below the bar).`);
  return 0;
}

process.exit(main(process.argv.slice(2)));
