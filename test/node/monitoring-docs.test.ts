// ETSI EN 303 645 6-5 (telemetry documented): every key the hub publishes in its monitoring state
// documents is described in docs/monitoring.md, so a new counter cannot ship undocumented.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hubStateJson, integrationStateJson } from '../../modules/monitor/status.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { integrationStatus, snapshot } from '../support/monitor-fixtures.js';

test('every published state key is documented in docs/monitoring.md', (t) => {
  const doc = readFileSync(join(repoRoot, 'docs/monitoring.md'), 'utf8');
  const keys = [...Object.keys(integrationStateJson(integrationStatus('energy-saver'))), ...Object.keys(hubStateJson(snapshot([]).hub))];
  const missing = keys.filter((key) => !doc.includes(`\`${key}\``));
  t.deepEqual(missing, [], `add these keys to docs/monitoring.md: ${missing.join(', ')}`);
});
