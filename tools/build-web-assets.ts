/**
 * Builds the hub page's embedded assets from web/: minifies the script and
 * style (esbuild), gzips every file at the highest level, and writes
 * build/web-assets/ with each file, its .gz, and manifest.json (content
 * types, ETags, sizes, total gzipped weight). The node host serves from
 * there. For the ESP32, esp32/ holds only the .gz files and web-assets.json
 * (the same table): manifest.json's `data` takes that folder whole, since
 * mcconfig's wildcards match names, not extensions (docs/esp32.md).
 * Run by `npm run build` after tsc.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';
import { transformSync } from 'esbuild';

export interface AssetManifestEntry {
  path: string;
  file: string;
  contentType: string;
  etag: string;
  bytes: number;
  gzipBytes: number;
}

export interface AssetManifest {
  files: AssetManifestEntry[];
  totalBytes: number;
  totalGzipBytes: number;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const webAssetsDir = join(repoRoot, 'build', 'web-assets');

function minify(file: string, source: Buffer): Buffer {
  const ext = extname(file);
  if (ext !== '.js' && ext !== '.css') return source;
  const out = transformSync(source.toString('utf8'), { loader: ext === '.js' ? 'js' : 'css', minify: true, target: ext === '.js' ? 'es2020' : 'chrome90', legalComments: 'none' });
  return Buffer.from(out.code, 'utf8');
}

export function buildWebAssets(sourceDir = join(repoRoot, 'web'), outDir = webAssetsDir): AssetManifest {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const files: AssetManifestEntry[] = [];
  for (const file of readdirSync(sourceDir).sort()) {
    const contentType = CONTENT_TYPES[extname(file)];
    if (!contentType) throw new Error(`web/${file}: no content type for "${extname(file)}"; add it to CONTENT_TYPES in tools/build-web-assets.ts`);
    const body = minify(file, readFileSync(join(sourceDir, file)));
    const gzip = gzipSync(body, { level: constants.Z_BEST_COMPRESSION });
    writeFileSync(join(outDir, file), body);
    writeFileSync(join(outDir, `${file}.gz`), gzip);
    files.push({
      path: `/${file}`,
      file,
      contentType,
      etag: createHash('sha256').update(body).digest('hex').slice(0, 16),
      bytes: body.length,
      gzipBytes: gzip.length,
    });
  }
  const manifest: AssetManifest = {
    files,
    totalBytes: files.reduce((sum, f) => sum + f.bytes, 0),
    totalGzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0),
  };
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const firmwareDir = join(outDir, 'esp32');
  mkdirSync(firmwareDir, { recursive: true });
  for (const f of files) writeFileSync(join(firmwareDir, `${f.file}.gz`), readFileSync(join(outDir, `${f.file}.gz`)));
  const table = files.map((f) => ({ path: f.path, file: f.file, contentType: f.contentType, etag: f.etag }));
  writeFileSync(join(firmwareDir, 'web-assets.json'), JSON.stringify(table) + '\n');
  return manifest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const manifest = buildWebAssets();
  console.log(`web assets: ${manifest.files.length} files, ${manifest.totalBytes} bytes, ${manifest.totalGzipBytes} bytes gzipped -> build/web-assets/`);
}
