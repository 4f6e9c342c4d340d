// manifest.json and partitions.csv as mcconfig reads them (the SDK cannot run here): every
// module the firmware imports is mapped, the partitions the config names exist with room
// enough and do not overlap, and the page's assets are where `data` takes them from.
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from '../../hosts/xs/engine.js';
import { bundleValibot } from '../../tools/firmware/vendor.js';
import { parseRuntimeConfig } from '../../modules/hub/runtime-config.js';

interface Manifest {
  modules: Record<string, string | string[]>;
  preload: string[];
  data: Record<string, string[]>;
  config: { airlock: Record<string, unknown> };
  platforms: { esp32: { build: { PARTITIONS_FILE: string } } };
}
const manifest = JSON.parse(readFileSync(join(repoRoot, 'manifest.json'), 'utf8')) as Manifest;
const airlock = manifest.config.airlock as { partition: string; logMinBytes: number; auditPartition: string; auditMinBytes: number; archivePartition: string };

/** Where the firmware build puts the XS-ready npm modules it bundles. */
const VENDOR = './build/firmware/vendor/';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every import specifier of the firmware's own sources (main.ts, modules/, hosts/moddable/). */
function firmwareImports(): { bare: Set<string>; folders: Set<string> } {
  const files = [join(repoRoot, 'main.ts'), ...sources(join(repoRoot, 'modules')), ...sources(join(repoRoot, 'hosts/moddable'))];
  const bare = new Set<string>();
  const folders = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) folders.add(relative(repoRoot, join(file, '..', specifier, '..')) || '.');
      else bare.add(specifier);
    }
  }
  return { bare, folders };
}

test('every npm module and core folder the firmware imports is mapped to a file that exists', async (t) => {
  const { bare, folders } = firmwareImports();
  const npm = [...bare].filter((s) => /^(cbor-x|valibot|qrcode-generator|@noble)/.test(s));
  t.true(npm.includes('cbor-x') && npm.includes('valibot'), npm.join(', '));
  t.false(npm.some((s) => s.startsWith('@noble')), 'the Moddable build uses crypt, not @noble');
  for (const specifier of npm) {
    const target = manifest.modules[specifier];
    t.is(typeof target, 'string', `${specifier} is mapped`);
    if ((target as string).startsWith(VENDOR)) {
      // Written by the firmware build (tools/firmware/vendor.ts), not by `npm run build`: show that it can be.
      const out = join(mkdtempSync(join(tmpdir(), 'airlock-vendor-')), `${specifier}.js`);
      await bundleValibot(repoRoot, ['modules', 'hosts/moddable'], out);
      t.true(existsSync(out), `${specifier} → ${target}.js is written by the firmware build`);
    } else {
      // Moddable manifests name modules without their extension (mcconfig adds it); build/firmware/ is written by `npm run build`.
      const path = join(repoRoot, target as string);
      t.true(existsSync(path) || existsSync(`${path}.js`), `${specifier} → ${target} exists`);
    }
  }
  // cbor-x's own relative imports resolve inside "cbor-x/..." (XS resolves them against the importing module's name).
  for (const file of ['index', 'encode', 'decode', 'iterators', 'scan']) t.truthy(manifest.modules[`cbor-x/${file}`], `cbor-x/${file}`);
  for (const folder of folders) {
    if (folder === '.') continue;
    const key = folder === 'hosts/sim' ? 'hosts/sim/memory-flash' : `${folder}/*`;
    t.truthy(manifest.modules[key], `${folder} is mapped (${key})`);
  }
});

test('the manifest\'s config.airlock is a valid configuration (the model the desktop\'s file is too), on every platform', (t) => {
  t.deepEqual(parseRuntimeConfig(manifest.config.airlock).problems, []);
  const platforms = manifest.platforms as unknown as Record<string, { config?: { airlock?: Record<string, unknown> } }>;
  for (const [name, platform] of Object.entries(platforms)) {
    const merged = { ...manifest.config.airlock, ...platform.config?.airlock };
    t.deepEqual(parseRuntimeConfig(merged).problems, [], `as mcconfig merges it for ${name}`);
  }
});

test('the firmware does not import the simulated hardware (hosts/sim is for tests)', (t) => {
  t.false(firmwareImports().folders.has('hosts/sim'));
});

test('the partitions named in the config exist, are large enough, and the table has no overlaps', (t) => {
  const csv = readFileSync(join(repoRoot, manifest.platforms.esp32.build.PARTITIONS_FILE), 'utf8');
  const rows = csv
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => line.split(',').map((cell) => cell.trim()))
    .map(([name, type, , offset, size]) => ({ name: name!, type: type!, offset: Number(offset), size: Number(size) }));
  const byName = new Map(rows.map((r) => [r.name, r]));
  for (let i = 1; i < rows.length; i++) t.true(rows[i]!.offset >= rows[i - 1]!.offset + rows[i - 1]!.size, `${rows[i]!.name} does not overlap ${rows[i - 1]!.name}`);
  t.true(rows.at(-1)!.offset + rows.at(-1)!.size <= 4 * 1024 * 1024, 'fits 4 MB flash');
  for (const app of rows.filter((r) => r.type === 'app')) t.is(app.offset % 0x10000, 0, `${app.name} on a 64 KB boundary`);
  t.true(byName.get(airlock.partition)!.size >= airlock.logMinBytes);
  t.true(byName.get(airlock.auditPartition)!.size >= airlock.auditMinBytes);
  const archive = byName.get(airlock.archivePartition)!;
  t.is((archive.size / 4096) % 2, 0, 'the archive has two equal banks of 4 KB sectors');
  for (const name of [airlock.partition, airlock.auditPartition, airlock.archivePartition]) {
    t.true(name.length <= 16, `${name}: partition names are at most 16 characters`);
    t.is(byName.get(name)!.type, 'data');
  }
});

test('the page\'s firmware assets are built where manifest.json takes them from', (t) => {
  const dir = join(repoRoot, 'build/web-assets/esp32');
  t.true(manifest.data['*']!.includes('./build/web-assets/esp32/*'));
  const table = JSON.parse(readFileSync(join(dir, 'web-assets.json'), 'utf8')) as { path: string; file: string; etag: string }[];
  t.true(table.some((entry) => entry.path === '/index.html'));
  for (const entry of table) t.true(existsSync(join(dir, `${entry.file}.gz`)), `${entry.file}.gz`);
  t.deepEqual(readdirSync(dir).filter((name) => !name.endsWith('.gz') && name !== 'web-assets.json'), [], 'only what the board needs');
});
