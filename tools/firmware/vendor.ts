/**
 * The dependencies the firmware imports, made loadable by Moddable's XS (no edits to
 * node_modules; the manifest maps each bare specifier to the file written here).
 *
 * valibot: its index defines an `EMOJI_REGEX` with `\p{Emoji}` at module level, and
 * Moddable's XS is built without Unicode property escapes, so xsc refuses the whole
 * file. The firmware bundle re-exports only the valibot functions the firmware's
 * sources call (`v.<name>`), so esbuild's tree shaking leaves the emoji action and its
 * regex out. The result is valibot's own code, not a rewrite;
 * test/node/firmware-vendor.test.ts checks that the project's schemas give the same
 * results through it as through the package, and that no property escape is left.
 *
 * cbor-x needs no bundle: hosts/moddable/globals.ts restores the `name` of the typed
 * array constructors it reads at load (see there).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';

/** Sources that import valibot as a namespace (`import * as v from 'valibot'`). */
function namespaceUses(root: string, dirs: string[]): Set<string> {
  const names = new Set<string>();
  const visit = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
      return;
    }
    if (!path.endsWith('.ts') || path.endsWith('.d.ts')) return;
    const text = readFileSync(path, 'utf8');
    const match = /import \* as (\w+) from 'valibot'/.exec(text);
    if (!match) return;
    for (const use of text.matchAll(new RegExp(`\\b${match[1]}\\.([A-Za-z_$][\\w$]*)`, 'g'))) names.add(use[1]!);
  };
  for (const dir of dirs) visit(join(root, dir));
  return names;
}

export interface VendorResult {
  file: string;
  exports: string[];
  bytes: number;
}

/** Writes `outFile`: valibot's functions that the firmware calls, as one ES module. */
export async function bundleValibot(root: string, sourceDirs: string[], outFile: string): Promise<VendorResult> {
  const valibot = (await import('valibot')) as Record<string, unknown>;
  // Type-only names (`v.InferOutput`) are used in the sources but are not runtime exports.
  const exports = [...namespaceUses(root, sourceDirs)].filter((name) => name in valibot).sort();
  if (exports.length === 0) throw new Error(`firmware: no valibot calls found under ${sourceDirs.join(', ')}`);
  buildSync({
    stdin: { contents: `export { ${exports.join(', ')} } from 'valibot';\n`, resolveDir: root, sourcefile: 'valibot-firmware.js' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    treeShaking: true,
    legalComments: 'inline',
    outfile: outFile,
    logLevel: 'error',
  });
  const text = readFileSync(outFile, 'utf8');
  if (/\\[pP]\{/.test(text)) throw new Error(`firmware: ${relative(root, outFile)} still has a Unicode property escape, which Moddable's XS cannot compile`);
  return { file: outFile, exports, bytes: text.length };
}
