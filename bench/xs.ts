/** Runs a bench entry (ES module source importing bench/xs-harness.ts) in XS and returns its figures. */
import { bundleForXs, HARDEN_PRELUDE, runInXs } from '../hosts/xs/engine.js';

export async function meterInXs(entrySource: string, name: string): Promise<Record<string, number>> {
  const script = await bundleForXs(entrySource, name);
  const run = await runInXs([HARDEN_PRELUDE, script], `bench-${name}`);
  const figures = run.messages[0] as Record<string, number> | undefined;
  if (!figures) throw new Error(`bench ${name}: the XS run reported nothing`);
  return figures;
}
