// No RegExp at module scope in what mcconfig preloads into the firmware: Moddable's XS 8.2.3
// corrupts its heap when it runs such a RegExp (modules/contract/pattern.ts says how; the
// firmware crashed at boot on the simulator). Scans the compiled firmware sources, the
// vendored valibot bundle and the cbor-x files the manifest maps.
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../../hosts/xs/engine.js';
import { bundleValibot } from '../../tools/firmware/vendor.js';
import { matches } from '../../modules/contract/pattern.js';
import * as v from 'valibot';

/** Module-scope RegExps in third-party files that the hub never runs, each with the reason. */
const NEVER_RUN: Record<string, string> = {
  // Used only when strings are bundled (bundleStrings); the hub's encoders do not bundle.
  'node_modules/cbor-x/encode.js: /[\\u0080-\\uFFFF]/': 'bundleStrings only',
  // Used only to build record readers (useRecords); every codec of the hub sets useRecords: false.
  'node_modules/cbor-x/decode.js: /^[a-zA-Z_$][a-zA-Z\\d_$]*$/': 'useRecords only',
};

function jsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) jsFiles(path, out);
    else if (name.endsWith('.js')) out.push(path);
  }
  return out;
}

/** `file: /pattern/` for each RegExp literal or RegExp(...) call outside every function. */
function moduleScopeRegExps(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node, inFunction: boolean): void => {
    const isRegExp =
      ts.isRegularExpressionLiteral(node) ||
      ((ts.isNewExpression(node) || ts.isCallExpression(node)) && node.expression.getText(source) === 'RegExp');
    if (isRegExp && !inFunction) found.push(`${file}: ${node.getText(source)}`);
    const inside = inFunction || ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node);
    ts.forEachChild(node, (child) => visit(child, inside));
  };
  visit(source, false);
  return found;
}

test('the scanner finds a module-scope RegExp, in a literal, an object or a call, and not one in a function', (t) => {
  const text = [
    'const A = /a(b)/;',
    'const O = { p: v.regex(/c/) };',
    "const R = new RegExp('d');",
    'const F = () => /e/;',
    'function g() { return /f/.test("f"); }',
    'class C { m() { return /g/; } }',
  ].join('\n');
  t.deepEqual(moduleScopeRegExps('x.js', text), ['x.js: /a(b)/', 'x.js: /c/', "x.js: new RegExp('d')"]);
});

test('no RegExp is made at module scope in the firmware\'s modules, its valibot or its cbor-x', async (t) => {
  const firmware = join(repoRoot, 'build', 'firmware');
  const files = jsFiles(firmware).filter((f) => !f.includes(`${join('build', 'firmware', 'vendor')}`));
  t.true(files.length > 50, `compiled firmware sources in ${firmware} (run npm run build)`);
  const valibot = join(mkdtempSync(join(tmpdir(), 'airlock-vendor-')), 'valibot.js');
  await bundleValibot(repoRoot, ['modules', 'hosts/moddable'], valibot);
  const cbor = ['index', 'encode', 'decode', 'iterators', 'scan'].map((f) => join(repoRoot, 'node_modules', 'cbor-x', `${f}.js`));
  const found = [...files, valibot, ...cbor].flatMap((file) =>
    moduleScopeRegExps(file.startsWith(repoRoot) ? relative(repoRoot, file) : 'vendor/valibot.js', readFileSync(file, 'utf8')),
  );
  t.deepEqual(
    found.filter((site) => !(site in NEVER_RUN)),
    [],
    'make these RegExps inside the function that uses them (modules/contract/pattern.ts says why)',
  );
});

test('matches() checks like v.regex and names the rule in its issue', (t) => {
  const schema = v.pipe(v.string(), matches(() => /^[a-z]+-\d$/, 'must be a name and a digit'));
  const reference = v.pipe(v.string(), v.regex(/^[a-z]+-\d$/, 'must be a name and a digit'));
  for (const input of ['abc-1', 'abc-12', 'ABC-1', '', 'x-9']) {
    const ours = v.safeParse(schema, input);
    const theirs = v.safeParse(reference, input);
    t.is(ours.success, theirs.success, input);
    if (!ours.success) t.is(ours.issues[0].message, 'must be a name and a digit');
  }
});
