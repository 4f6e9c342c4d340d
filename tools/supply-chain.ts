/**
 * Supply-chain checks (docs/SECURITY.md, "Supply chain"): which npm packages
 * ship in the firmware and in the desktop host, tagged in the CycloneDX SBOM
 * that `npm sbom` produces, and the verdict on an `npm audit --json` report
 * against the acknowledged-findings list (audit-allowlist.json).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// ------------------------------------------------------------------ SBOM

/** npm packages imported by the code under `dirs` (bare specifiers that are dependencies). */
export function importedPackages(root: string, dirs: string[], dependencies: string[]): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(/\bfrom\s+'([^'.][^']*)'/g)) {
          const spec = match[1]!;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (dependencies.includes(name)) found.add(name);
        }
      }
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  return [...found].sort();
}

interface BomComponent {
  'bom-ref': string;
  name: string;
  version?: string;
  properties?: { name: string; value: string }[];
}

export interface Bom {
  metadata: { component?: { 'bom-ref'?: string; name: string; version?: string; description?: string }; properties?: { name: string; value: string }[] };
  components: BomComponent[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
}

/** Everything reachable from `roots` (package names) through the SBOM's dependency graph, as bom-refs. */
function reachable(bom: Bom, roots: string[]): Set<string> {
  const byName = new Map(bom.components.map((c) => [c.name, c['bom-ref']]));
  const edges = new Map((bom.dependencies ?? []).map((d) => [d.ref, d.dependsOn ?? []]));
  const seen = new Set<string>();
  const stack = roots.map((r) => byName.get(r)).filter((r): r is string => r !== undefined);
  while (stack.length > 0) {
    const ref = stack.pop()!;
    if (seen.has(ref)) continue;
    seen.add(ref);
    stack.push(...(edges.get(ref) ?? []));
  }
  return seen;
}

/**
 * Names the SBOM after the project and tags each component with where it
 * ships: `airlock:ships-in` = "firmware, desktop" or "desktop".
 */
export function tagBom(bom: Bom, project: { name: string; version: string; description: string }, firmwareRoots: string[], desktopRoots: string[]): Bom {
  const firmware = reachable(bom, firmwareRoots);
  const desktop = reachable(bom, desktopRoots);
  const component = { ...bom.metadata.component, name: project.name, version: project.version, description: project.description };
  return {
    ...bom,
    metadata: {
      ...bom.metadata,
      component,
      properties: [
        ...(bom.metadata.properties ?? []),
        { name: 'airlock:firmware-packages', value: firmwareRoots.join(', ') },
        { name: 'airlock:desktop-packages', value: desktopRoots.join(', ') },
      ],
    },
    components: bom.components.map((c) => {
      const where = [firmware.has(c['bom-ref']) ? 'firmware' : '', desktop.has(c['bom-ref']) ? 'desktop' : ''].filter(Boolean).join(', ');
      return { ...c, properties: [...(c.properties ?? []).filter((p) => p.name !== 'airlock:ships-in'), { name: 'airlock:ships-in', value: where || 'build only' }] };
    }),
  };
}

// ------------------------------------------------------------------ audit

export interface AllowEntry {
  /** The advisory: its GHSA id (as in the advisory URL), or npm's numeric advisory id. */
  advisory: string;
  package: string;
  /** Why the finding does not affect Airlock. Required. */
  reason: string;
  /** YYYY-MM-DD: after this date the entry no longer counts and must be reviewed. */
  expires: string;
}

export interface Finding {
  advisory: string;
  package: string;
  severity: string;
  title: string;
  url: string;
}

export type AuditVerdict =
  | { kind: 'unavailable'; message: string }
  | { kind: 'checked'; failing: Finding[]; acknowledged: { finding: Finding; entry: AllowEntry }[]; lower: Finding[]; expired: AllowEntry[]; problems: string[] };

const FAILING = new Set(['high', 'critical']);

/** Checks the allow-list's shape; returns one message per problem. */
export function checkAllowList(value: unknown): { entries: AllowEntry[]; problems: string[] } {
  const problems: string[] = [];
  const list = (value as { entries?: unknown })?.entries;
  if (!Array.isArray(list)) return { entries: [], problems: ['audit-allowlist.json: "entries" must be an array'] };
  const entries: AllowEntry[] = [];
  list.forEach((e: Partial<AllowEntry>, i) => {
    const where = `audit-allowlist.json entries[${i}]`;
    if (typeof e?.advisory !== 'string' || !e.advisory) problems.push(`${where}: "advisory" (GHSA id or npm advisory number) is required`);
    else if (typeof e.package !== 'string' || !e.package) problems.push(`${where}: "package" is required`);
    else if (typeof e.reason !== 'string' || e.reason.trim().length < 10) problems.push(`${where}: "reason" must say why the finding does not affect Airlock`);
    else if (typeof e.expires !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(e.expires) || Number.isNaN(Date.parse(e.expires))) problems.push(`${where}: "expires" must be a date YYYY-MM-DD`);
    else entries.push(e as AllowEntry);
  });
  return { entries, problems };
}

function advisoryId(via: { source?: unknown; url?: unknown }): string {
  const url = typeof via.url === 'string' ? via.url : '';
  const ghsa = /GHSA-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}/i.exec(url);
  return ghsa ? ghsa[0] : String(via.source ?? url);
}

/** The verdict on `npm audit --json` output (its text), the allow-list and today's date. */
export function judgeAudit(reportText: string, allow: unknown, today: Date): AuditVerdict {
  let report: { vulnerabilities?: Record<string, { via?: unknown[] }>; error?: { summary?: string; code?: string }; message?: string; statusCode?: number };
  try {
    report = JSON.parse(reportText) as typeof report;
  } catch {
    return { kind: 'unavailable', message: `npm audit did not answer with JSON: ${reportText.trim().slice(0, 200) || '(nothing)'}` };
  }
  if (!report || typeof report !== 'object' || report.vulnerabilities === undefined || typeof report.vulnerabilities !== 'object') {
    const why = report?.message ?? report?.error?.summary ?? report?.error?.code ?? 'no "vulnerabilities" in the answer';
    return { kind: 'unavailable', message: `the registry's audit endpoint could not be used (${String(why).trim() || `HTTP ${report?.statusCode ?? '?'}`})` };
  }
  const { entries, problems } = checkAllowList(allow);
  const todayText = today.toISOString().slice(0, 10);
  const live = entries.filter((e) => e.expires >= todayText);
  const expired = entries.filter((e) => e.expires < todayText);
  const findings = new Map<string, Finding>();
  for (const [name, vulnerability] of Object.entries(report.vulnerabilities)) {
    for (const via of vulnerability.via ?? []) {
      // A string names another vulnerable package (the path to it); its own entry carries the advisory.
      if (typeof via !== 'object' || via === null) continue;
      const v = via as { source?: unknown; url?: unknown; title?: unknown; severity?: unknown; name?: unknown };
      const finding: Finding = {
        advisory: advisoryId(v),
        package: typeof v.name === 'string' ? v.name : name,
        severity: String(v.severity ?? 'unknown'),
        title: String(v.title ?? ''),
        url: String(v.url ?? ''),
      };
      findings.set(`${finding.advisory} ${finding.package}`, finding);
    }
  }
  const failing: Finding[] = [];
  const acknowledged: { finding: Finding; entry: AllowEntry }[] = [];
  const lower: Finding[] = [];
  for (const finding of findings.values()) {
    if (!FAILING.has(finding.severity)) {
      lower.push(finding);
      continue;
    }
    const entry = live.find((e) => e.package === finding.package && (e.advisory === finding.advisory || finding.url.endsWith(`/${e.advisory}`)));
    if (entry) acknowledged.push({ finding, entry });
    else failing.push(finding);
  }
  return { kind: 'checked', failing, acknowledged, lower, expired, problems };
}
