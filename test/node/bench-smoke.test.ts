// The bench is not part of the tests; this only checks it still runs and writes its figures.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../hosts/xs/engine.js';

test('npm run bench still runs and writes bench-results.json', async (t) => {
  const out = join(mkdtempSync(join(tmpdir(), 'airlock-bench-')), 'bench-results.json');
  const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'build/bench/run.js'), '--only', 'crypto', '--out', out]);
  t.regex(stdout, /crypto\.xs\.meterPerHmac64/);
  const figures = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number>;
  for (const key of ['crypto.xs.meterPerHmac64', 'crypto.xs.meterPerSeal64', 'crypto.node.nsPerHmac64', 'crypto.node.nsPerSeal64']) {
    t.true(figures[key]! > 0, key);
  }
});
