// Every named Map and Set in modules/ is listed in docs/esp32.md's "Bounded state" table, with its
// bound and what happens when it is full, and the table names none that is gone. A new map keyed by
// device, integration or session therefore cannot land without someone saying how it is bounded
// (issue #19: the board has no room for unbounded growth).
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { repoRoot } from '../../hosts/xs/engine.js';

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) tsFiles(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** `file name` for each Map/Set given a name: fields, consts, object properties (`x: new Map()`). */
function declaredInModules(): Set<string> {
  const found = new Set<string>();
  const declaration = /(#?[A-Za-z_$][\w$]*)\s*(?::\s*(?:Readonly)?(?:Map|Set)<[^;\n]*?>\s*)?[:=]\s*new\s+(?:Map|Set)\b/g;
  for (const path of tsFiles(join(repoRoot, 'modules'))) {
    const file = relative(repoRoot, path).split('\\').join('/');
    for (const match of readFileSync(path, 'utf8').matchAll(declaration)) found.add(`${file} ${match[1]}`);
  }
  return found;
}

interface Row {
  files: string[];
  names: string[];
}

/** The table's rows: the files (a row may name several of one folder) and the names of their maps. */
function listedInDocs(): Row[] {
  const text = readFileSync(join(repoRoot, 'docs/esp32.md'), 'utf8');
  const start = text.indexOf('### Bounded state');
  if (start < 0) throw new Error('docs/esp32.md has no "### Bounded state" section');
  const end = text.indexOf('\n## ', start);
  const rows: Row[] = [];
  for (const line of text.slice(start, end < 0 ? undefined : end).split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (!line.startsWith('| `modules/') || cells.length < 3) continue;
    const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const [first, ...others] = ticked(cells[1]!);
    rows.push({ files: [first!, ...others.map((name) => `${dirname(first!)}/${name}`)], names: ticked(cells[2]!) });
  }
  return rows;
}

test('every named Map and Set in modules/ is in the "Bounded state" table of docs/esp32.md', (t) => {
  const declared = declaredInModules();
  const rows = listedInDocs();
  t.true(declared.size > 50, `the scan found ${declared.size} declarations; has the layout changed?`);
  const missing = [...declared].filter((entry) => {
    const [file, name] = entry.split(' ') as [string, string];
    return !rows.some((row) => row.files.includes(file) && row.names.includes(name));
  });
  t.deepEqual(missing, [], 'add each to docs/esp32.md "Bounded state" with its key, bound, what happens when full and its counter');
});

test('the table names no Map or Set that is gone', (t) => {
  const declared = declaredInModules();
  const stale: string[] = [];
  for (const row of listedInDocs()) {
    for (const name of row.names) if (!row.files.some((file) => declared.has(`${file} ${name}`))) stale.push(`${row.files.join(', ')}: ${name}`);
  }
  t.deepEqual(stale, [], 'remove these from docs/esp32.md "Bounded state" (or fix the name)');
});
