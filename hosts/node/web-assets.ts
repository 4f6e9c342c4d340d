/** Loads the page's assets built by tools/build-web-assets.ts into the table the router serves. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebAsset, WebAssets } from '../../modules/web/static.js';

export function loadWebAssets(dir: string): WebAssets {
  let manifest: { files: { path: string; file: string; contentType: string; etag: string }[] };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch (error) {
    throw new Error(`web assets: cannot read ${join(dir, 'manifest.json')} (${(error as Error).message}); run \`npm run build\` first`);
  }
  const assets = new Map<string, WebAsset>();
  for (const f of manifest.files) {
    assets.set(f.path, {
      contentType: f.contentType,
      etag: f.etag,
      gzip: new Uint8Array(readFileSync(join(dir, `${f.file}.gz`))),
      identity: new Uint8Array(readFileSync(join(dir, f.file))),
    });
  }
  return assets;
}
