// Preload safety: Moddable preloads the core at build time and freezes what it
// built. Here the whole of modules/ is bundled for XS, evaluated after
// harden(globalThis), then every module namespace and everything reachable
// from its exports is hardened, and a smoke workload runs. Code that mutates
// module-level state fails here as it would on the hub.
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { bundleForXs, HARDEN_PRELUDE, repoRoot, runInXs } from '../../hosts/xs/engine.js';

function coreFiles(dir = join(repoRoot, 'modules')): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? coreFiles(path) : name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
    })
    .sort();
}

/** An entry that imports each module's namespace, hardens them all, then runs `workload`. */
function hardenedEntry(modulePaths: string[], workload: string): string {
  const imports = modulePaths.map((p, i) => `import * as ns${i} from './${relative(repoRoot, p)}';`).join('\n');
  return `${imports}
declare const harden: <T>(value: T) => T;
declare const issueCommand: (message: ArrayBuffer) => ArrayBuffer;
const send = (value: unknown) => issueCommand(new TextEncoder().encode(JSON.stringify(value)).buffer as ArrayBuffer);
const namespaces: Record<string, unknown>[] = [${modulePaths.map((_, i) => `ns${i}`).join(', ')}];
let exportsHardened = 0;
for (const ns of namespaces) {
  harden(ns);
  // A namespace's exports are reached through getters, which harden() does not follow: harden each value.
  for (const name of Object.keys(ns)) {
    harden(ns[name]);
    exportsHardened++;
  }
}
const frozen = namespaces.every((ns) => Object.keys(ns).every((name) => {
  const value = ns[name];
  return (typeof value !== 'object' && typeof value !== 'function') || value === null || Object.isFrozen(value);
}));
// An IIFE bundle has no top-level await: the workload runs in an async function.
(async () => {
  try {
    ${workload}
    send({ ok: true, namespaces: namespaces.length, exportsHardened, frozen });
  } catch (error) {
    send({ ok: false, error: String((error as Error)?.message ?? error), name: (error as Error)?.name });
  }
})();
`;
}

const SMOKE = `
  const { composeHubForMeasurement, integrationNames } = await import('./bench/hub-under-test.ts');
  const { makeBenchHost } = await import('./bench/hub-rig.ts');
  const { makeTestHost } = await import('./test/support/test-host.ts');
  const { makeTestSigner } = await import('./test/support/update-signer.ts');
  const { bootUpdater, install, signedManifest } = await import('./test/support/updates.ts');
  const { SimulatedOta, testImage } = await import('./hosts/sim/simulated-ota.ts');
  const { SeededRandom } = await import('./hosts/sim/seeded-random.ts');
  // The composed Hub, as main.ts builds it: a reading goes in, is sealed on flash, delivered and acknowledged.
  const hubHost = makeBenchHost();
  const under = composeHubForMeasurement(hubHost, integrationNames(4));
  for (let i = 0; i < 3; i++) await under.exercise();
  const lanes = under.hub.snapshot().integrations;
  if (lanes.length !== 4 || lanes.some((lane) => lane.forwarded === 0)) throw new Error('the hub delivered nothing: ' + JSON.stringify(lanes));
  if ([...under.rig.transports.values()].some((t) => t.delivered !== lanes[0].forwarded)) throw new Error('deliveries and counters disagree');
  await under.hub.stop();
  const host = makeTestHost();
  const signer = makeTestSigner(new SeededRandom(3));
  const ota = new SimulatedOta({ capacity: 8192, factoryImage: testImage('1.0.0') });
  const image = testImage('1.1.0');
  const outcome = install(bootUpdater({ ...host, ota, updateKey: signer.publicKey }).installer, signedManifest(host.crypto, signer, 'firmware', '1.1.0', image), image);
  if (!outcome.ok) throw new Error(outcome.message);
  ota.restart();
  if (!bootUpdater({ ...host, ota, updateKey: signer.publicKey }).trial.confirm()) throw new Error('the trial did not confirm');
`;

async function runHardened(modulePaths: string[], workload: string, name: string) {
  const script = await bundleForXs(hardenedEntry(modulePaths, workload), name);
  const run = await runInXs([HARDEN_PRELUDE, script], name);
  return run.messages[0] as { ok: boolean; namespaces?: number; exportsHardened?: number; frozen?: boolean; error?: string; name?: string };
}

test('every core module (the hub included) loads, is hardened with all it exports, and a composed Hub delivers a reading in XS', async (t) => {
  const files = coreFiles();
  t.true(files.length >= 15, `found ${files.length} core modules`);
  t.true(files.some((f) => f.endsWith('modules/hub/hub.ts')) && files.some((f) => f.endsWith('modules/hub/flash-archive.ts')), 'modules/hub is part of the hardened set');
  const result = await runHardened(files, SMOKE, 'preload-safety.ts');
  t.like(result, { ok: true, namespaces: files.length, frozen: true }, result.error);
  t.true((result.exportsHardened ?? 0) > files.length);
});

test('negative control: a module that mutates module-level state fails under the same regime', async (t) => {
  const fixture = join(repoRoot, 'test/fixtures/module-level-state.ts');
  const result = await runHardened([fixture], `const { bump } = await import('./test/fixtures/module-level-state.ts'); bump();`, 'preload-control.ts');
  t.like(result, { ok: false, name: 'TypeError' });
});

/** Top-level \`let\`/\`var\` is module state too, but harden() cannot reach bindings: check the source. */
function topLevelMutableBindings(path: string, text = readFileSync(path, 'utf8')): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  return source.statements
    .filter((s): s is ts.VariableStatement => ts.isVariableStatement(s) && (s.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== ts.NodeFlags.Const)
    .flatMap((s) => s.declarationList.declarations.map((d) => `${relative(repoRoot, path)}: ${d.name.getText(source)}`));
}

test('no core module declares a top-level let or var', (t) => {
  t.deepEqual(coreFiles().flatMap((path) => topLevelMutableBindings(path)), []);
  const control = 'let count = 0;\nvar total = 0;\nexport const fine = 1;\nexport function f() { let local = 0; return local; }';
  t.deepEqual(topLevelMutableBindings(join(repoRoot, 'modules/control.ts'), control), ['modules/control.ts: count', 'modules/control.ts: total'], 'the check sees let and var');
});
