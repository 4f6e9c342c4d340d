/**
 * What the firmware image carries besides code (manifest.json `data`): the
 * page's gzipped assets with their table (tools/build-web-assets.ts writes
 * build/web-assets/esp32/), and the bundled contract files named in
 * `config.airlock.integrations[].contract`. Resources are read in place from flash.
 */
import Resource from 'Resource';
import type { WebAsset, WebAssets } from '../../modules/web/static.js';

const ASSET_TABLE = 'web-assets.json';

export interface BundledContract {
  /** The file's name in the image. */
  name: string;
  text: string;
}

function text(resource: Resource): string {
  return new TextDecoder().decode(new Uint8Array(resource));
}

/** The page's assets; throws with what to do when the build left them out. */
export function resourceWebAssets(): WebAssets {
  if (!Resource.exists(ASSET_TABLE)) {
    throw new Error(`resource ${ASSET_TABLE} is missing; run \`npm run build\` before mcconfig so build/web-assets/esp32/ exists`);
  }
  const table = JSON.parse(text(new Resource(ASSET_TABLE))) as { path: string; file: string; contentType: string; etag: string }[];
  const assets = new Map<string, WebAsset>();
  for (const entry of table) {
    const name = `${entry.file}.gz`;
    if (!Resource.exists(name)) throw new Error(`resource ${name} is missing; rebuild the web assets (npm run build)`);
    // No identity copy: only gzip is kept in flash (a browser refusing gzip gets 406).
    assets.set(entry.path, { contentType: entry.contentType, etag: entry.etag, gzip: new Uint8Array(new Resource(name)) });
  }
  return assets;
}

/** The bundled contract files; names without a resource are returned in `missing`. */
export function bundledContracts(names: readonly string[]): { files: BundledContract[]; missing: string[] } {
  const files: BundledContract[] = [];
  const missing: string[] = [];
  for (const name of names) {
    if (Resource.exists(name)) files.push({ name, text: text(new Resource(name)) });
    else missing.push(name);
  }
  return { files, missing };
}
