// The XS host's promises: intrinsics are frozen before code runs, Node APIs are refused at
// bundle time, and meter counts are deterministic (the bench relies on that).
import test from 'ava';
import { bundleForXs, HARDEN_PRELUDE, runInXs } from '../../hosts/xs/engine.js';

const report = `declare const issueCommand: (b: ArrayBuffer) => ArrayBuffer;
const send = (v: unknown) => issueCommand(new TextEncoder().encode(JSON.stringify(v)).buffer as ArrayBuffer);`;

test('module-level mutation of shared intrinsics fails inside XS', async (t) => {
  const script = await bundleForXs(
    `${report}
     let result = 'mutated';
     try { (Array.prototype as any).sneaky = 1; } catch (e) { result = (e as Error).name; }
     send(result);`,
    'mutation.ts',
  );
  const run = await runInXs([HARDEN_PRELUDE, script], 'mutation');
  t.deepEqual(run.messages, ['TypeError']);
});

test('core code that imports a Node API is refused when bundled for XS', async (t) => {
  await t.throwsAsync(bundleForXs(`import { readFileSync } from 'node:fs'; readFileSync('x');`, 'node-import.ts'), {
    message: /core code must not use Node APIs/,
  });
});

test('the XS meter gives the same count for the same work', async (t) => {
  const entry = `import { measure, done } from './bench/xs-harness.ts';
    import { nobleCrypto } from './hosts/xs/crypto.ts';
    const key = new Uint8Array(32), data = new Uint8Array(64);
    measure('hmac', () => nobleCrypto.hmacSha256(key, data), 20);
    done();`;
  const script = await bundleForXs(entry, 'meter.ts');
  const a = (await runInXs([HARDEN_PRELUDE, script], 'meter-a')).messages[0] as { hmac: number };
  const b = (await runInXs([HARDEN_PRELUDE, script], 'meter-b')).messages[0] as { hmac: number };
  t.true(a.hmac > 1000);
  t.is(a.hmac, b.hmac);
});
