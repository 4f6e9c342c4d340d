// The supply-chain tools (tools/supply-chain.ts, tools/audit-deps.ts, tools/sbom.ts): the audit
// verdict on npm audit reports (a finding fails, an acknowledged one passes until it expires, an
// unreachable registry is reported and does not fail), and the SBOM's firmware/desktop tagging.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../hosts/xs/engine.js';
import { importedPackages, judgeAudit, tagBom, type Bom } from '../../tools/supply-chain.js';

/** An `npm audit --json` report (auditReportVersion 2) with one advisory per entry. */
function report(findings: { pkg: string; severity: string; ghsa: string; source?: number }[]): string {
  const vulnerabilities: Record<string, unknown> = {};
  for (const f of findings) {
    vulnerabilities[f.pkg] = {
      name: f.pkg,
      severity: f.severity,
      isDirect: false,
      via: [{ source: f.source ?? 1, name: f.pkg, dependency: f.pkg, title: `Problem in ${f.pkg}`, url: `https://github.com/advisories/${f.ghsa}`, severity: f.severity, range: '<9.9.9' }],
      effects: ['mqtt'],
      range: '<9.9.9',
      fixAvailable: true,
    };
  }
  vulnerabilities.mqtt = { name: 'mqtt', severity: 'high', isDirect: true, via: findings.map((f) => f.pkg), effects: [], range: '*', fixAvailable: true };
  return JSON.stringify({ auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: { total: findings.length } } });
}

const today = new Date('2026-06-01T00:00:00Z');
const HIGH = { pkg: 'ws', severity: 'high', ghsa: 'GHSA-3h5v-q93c-6h6q' };

test('a high finding in a shipped dependency fails; an acknowledged one passes until its expiry', (t) => {
  const failing = judgeAudit(report([HIGH, { pkg: 'debug', severity: 'low', ghsa: 'GHSA-aaaa-bbbb-cccc' }]), { entries: [] }, today);
  t.is(failing.kind, 'checked');
  if (failing.kind !== 'checked') return;
  t.deepEqual(failing.failing.map((f) => `${f.advisory} ${f.package}`), ['GHSA-3h5v-q93c-6h6q ws'], 'only the advisory itself, not the packages on its path');
  t.is(failing.lower.length, 1);

  const entry = { advisory: 'GHSA-3h5v-q93c-6h6q', package: 'ws', reason: 'Only the vendor-side test broker uses ws; the hub never opens a WebSocket.', expires: '2026-07-01' };
  const acknowledged = judgeAudit(report([HIGH]), { entries: [entry] }, today);
  t.like(acknowledged, { kind: 'checked', failing: [] });
  t.is(acknowledged.kind === 'checked' ? acknowledged.acknowledged.length : -1, 1);

  const expired = judgeAudit(report([HIGH]), { entries: [{ ...entry, expires: '2026-05-31' }] }, today);
  t.is(expired.kind === 'checked' ? expired.failing.length : -1, 1, 'an expired acknowledgement no longer counts');
  t.is(expired.kind === 'checked' ? expired.expired.length : -1, 1);

  const noReason = judgeAudit(report([HIGH]), { entries: [{ ...entry, reason: '' }] }, today);
  t.true(noReason.kind === 'checked' && noReason.problems.some((p) => p.includes('"reason"')) && noReason.failing.length === 1);
  const otherPackage = judgeAudit(report([HIGH]), { entries: [{ ...entry, package: 'mqtt' }] }, today);
  t.is(otherPackage.kind === 'checked' ? otherPackage.failing.length : -1, 1, 'an acknowledgement names the package too');
});

test('an unreachable audit endpoint is reported as not checked, not as a finding', (t) => {
  const npm405 = JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk', statusCode: 405, error: { summary: '', detail: '' } });
  t.like(judgeAudit(npm405, { entries: [] }, today), { kind: 'unavailable' });
  t.like(judgeAudit(JSON.stringify({ error: { code: 'ENOTFOUND', summary: 'getaddrinfo ENOTFOUND registry.example' } }), { entries: [] }, today), { kind: 'unavailable' });
  t.like(judgeAudit('npm ERR! network', { entries: [] }, today), { kind: 'unavailable' });
  t.like(judgeAudit(JSON.stringify({ auditReportVersion: 2, vulnerabilities: {} }), { entries: [] }, today), { kind: 'checked', failing: [] });
});

test('audit-deps exits 1 on a finding, 0 when acknowledged or when the registry cannot answer', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-audit-'));
  const cli = join(repoRoot, 'build/tools/audit-deps.js');
  const run = (reportText: string, allow: unknown) => {
    writeFileSync(join(dir, 'report.json'), reportText);
    writeFileSync(join(dir, 'allow.json'), JSON.stringify(allow));
    return spawnSync(process.execPath, [cli, '--report', join(dir, 'report.json'), '--allowlist', join(dir, 'allow.json')], { encoding: 'utf8' });
  };
  const failing = run(report([{ ...HIGH, severity: 'critical' }]), { entries: [] });
  t.is(failing.status, 1, failing.stdout);
  t.regex(failing.stdout, /FAIL critical: GHSA-3h5v-q93c-6h6q in ws/);
  t.regex(failing.stdout, /audit-allowlist\.json with a reason and an expiry date/);
  const future = new Date(Date.now() + 86_400_000 * 30).toISOString().slice(0, 10);
  const ok = run(report([HIGH]), { entries: [{ advisory: HIGH.ghsa, package: 'ws', reason: 'Not reachable from the hub: test broker only.', expires: future }] });
  t.is(ok.status, 0, ok.stdout);
  t.regex(ok.stdout, /acknowledged until/);
  const offline = run(JSON.stringify({ message: '405 Method Not Allowed', statusCode: 405 }), { entries: [] });
  t.is(offline.status, 0);
  t.regex(offline.stdout, /NOT CHECKED/);
});

test('audit-deps refuses an option it does not know instead of auditing something else', (t) => {
  const cli = join(repoRoot, 'build/tools/audit-deps.js');
  const run = spawnSync(process.execPath, [cli, '--report', 'report.json', '--allowlst', 'allow.json'], { encoding: 'utf8' });
  t.is(run.status, 2, run.stdout + run.stderr);
  t.regex(run.stderr, /Unknown option '--allowlst'/);
});

test('the SBOM tags what ships in the firmware and what only in the desktop host', (t) => {
  const deps = ['cbor-x', 'valibot', 'mqtt', 'aedes', 'qrcode-generator', '@noble/hashes', '@noble/ciphers', '@noble/curves'];
  const firmware = importedPackages(repoRoot, ['modules', 'hosts/moddable'], deps);
  t.true(firmware.includes('cbor-x') && firmware.includes('valibot'), firmware.join(', '));
  t.false(firmware.includes('mqtt') || firmware.includes('aedes'), 'the firmware does not carry the desktop MQTT client or broker');
  const bom: Bom = {
    metadata: { component: { name: 'wt', version: '0' } },
    components: [
      { 'bom-ref': 'cbor-x@1', name: 'cbor-x' },
      { 'bom-ref': 'cbor-extract@2', name: 'cbor-extract' },
      { 'bom-ref': 'mqtt@5', name: 'mqtt' },
      { 'bom-ref': 'ws@8', name: 'ws' },
    ],
    dependencies: [{ ref: 'cbor-x@1', dependsOn: ['cbor-extract@2'] }, { ref: 'mqtt@5', dependsOn: ['ws@8'] }],
  };
  const tagged = tagBom(bom, { name: 'airlock', version: '0.1.0', description: 'hub' }, ['cbor-x'], ['cbor-x', 'mqtt']);
  const where = Object.fromEntries(tagged.components.map((c) => [c.name, c.properties?.find((p) => p.name === 'airlock:ships-in')?.value]));
  t.deepEqual(where, { 'cbor-x': 'firmware, desktop', 'cbor-extract': 'firmware, desktop', mqtt: 'desktop', ws: 'desktop' });
  t.is(tagged.metadata.component?.name, 'airlock');
});
