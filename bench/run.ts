/**
 * `npm run bench`: measures what the issues name, prints a table and writes
 * bench-results.json (a flat object of named figures). Each area lives in its
 * own file and returns rows; add yours to `areas`.
 * Options: --smoke (one quick pass, used by the test suite), --only <prefix>.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchAudit } from './audit.js';
import { benchCrypto } from './crypto.js';
import { benchPipelineArea } from './pipeline.js';
import { benchLog } from './log.js';
import { benchSources } from './sources.js';
import { benchForward } from './forward.js';
import { benchMemory } from './memory.js';
import { benchWeb } from './web.js';
import { benchStages } from './stages.js';
import { benchHeap } from './heap.js';
import { benchEsp32 } from './esp32.js';
import { benchE2e } from './e2e.js';
import { benchModdable } from './moddable.js';
import { repoRoot } from '../hosts/xs/engine.js';
import { mergeReport, mergeRows, readTable, writeReport } from './report.js';
import type { BenchRow } from './types.js';

const areas: [string, () => Promise<BenchRow[]>][] = [
  ['crypto', benchCrypto],
  ['pipeline', benchPipelineArea],
  ['log', benchLog],
  ['sources', benchSources],
  ['forward', benchForward],
  ['audit', benchAudit],
  ['memory', benchMemory],
  ['web', benchWeb],
  ['stages', benchStages],
  ['heap', benchHeap],
  ['esp32', benchEsp32],
  ['e2e', benchE2e],
  ['moddable', benchModdable],
];

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(
      'usage: npm run bench [-- --only <area> [--merge-report]] [-- --out <file>] [-- --no-report]\n' +
        'Measures per-record costs on XS (meter units) and Node (ns), the flash log, heap growth, an ESP32 projection and\n' +
        'the end-to-end comparison; writes bench-results.json. A full run (no --only) also rewrites the table in\n' +
        'docs/BENCHMARKS.md and the chart docs/benchmarks.svg; --only <area> --merge-report replaces only that area\'s rows\n' +
        'in the table (the others keep their run) and rewrites the prose and chart from the merged table.\n' +
        `areas: ${areas.map(([name]) => name).join(', ')}`,
    );
    return 0;
  }
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1]! : 'bench-results.json';
  const rows: BenchRow[] = [];
  const skipped: string[] = [];
  for (const [name, run] of areas) {
    if (only && name !== only) continue;
    try {
      rows.push(...(await run()));
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]!;
      skipped.push(`${name}: ${message}`);
      console.error(`bench ${name}: skipped (${message})`);
    }
  }
  const width = Math.max(10, ...rows.map((r) => r.key.length));
  console.log(`${'figure'.padEnd(width)}  ${'value'.padStart(14)}  ${'unit'.padEnd(10)}  target      note`);
  for (const r of rows) {
    console.log(`${r.key.padEnd(width)}  ${String(r.value).padStart(14)}  ${r.unit.padEnd(10)}  ${(r.target ?? '').padEnd(10)}  ${r.note ?? ''}`);
  }
  // --merge-report: the results file holds the merged table (the other areas' figures from docs/BENCHMARKS.md's last run).
  const merge = Boolean(only && args.includes('--merge-report') && rows.length > 0);
  const written = merge ? mergeRows(readTable(readFileSync(join(repoRoot, 'docs/BENCHMARKS.md'), 'utf8')).rows, rows, [only!]) : rows;
  writeFileSync(out, JSON.stringify(Object.fromEntries(written.map((r) => [r.key, r.value])), null, 2) + '\n');
  console.log(`\nwrote ${out}`);
  if (!only && !args.includes('--no-report') && rows.length > 0) console.log(`wrote ${writeReport(repoRoot, rows, skipped).join(', ')}`);
  if (merge) console.log(`merged into ${mergeReport(repoRoot, rows, [only!], skipped).join(', ')}`);
  return rows.length > 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
