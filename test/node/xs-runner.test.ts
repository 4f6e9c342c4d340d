// The XS suite runner (hosts/xs/suite-runner.ts, hosts/xs/ava-shim.ts) cannot report a pass by
// accident: a suite with no tests fails, test.after hooks run (and their failures count), and a
// suite that never ends is stopped at its time limit and reported as failed.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSuite, suiteTimeoutMs, DEFAULT_SUITE_TIMEOUT_MS } from '../../hosts/xs/suite-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-xs-runner-'));
function suite(name: string, source: string): string {
  const path = join(dir, `${name}.test.ts`);
  writeFileSync(path, `import test from 'ava';\n${source}\n`);
  return path;
}

test('a suite that registers no tests fails', async (t) => {
  const outcomes = await runSuite(suite('empty', 'void test;'), 'empty.test.ts');
  t.is(outcomes.length, 1);
  t.like(outcomes[0], { title: '(suite)', ok: false });
  t.regex(outcomes[0]!.error!, /registered no tests/);
});

test('a suite that passes reports its tests (the control for the cases around it)', async (t) => {
  const outcomes = await runSuite(suite('fine', "test('one', (t) => t.pass()); test('two', (t) => t.is(1, 1));"), 'fine.test.ts');
  t.deepEqual(outcomes, [{ title: 'one', ok: true }, { title: 'two', ok: true }]);
});

test('test.after and test.after.always run once every test has run, and a failing one fails the suite', async (t) => {
  const outcomes = await runSuite(
    suite('after', `
      let ran = 0;
      test('a', (t) => { ran++; t.pass(); });
      test('b', (t) => { ran++; t.pass(); });
      test.after(() => { throw new Error('after saw ' + ran + ' tests'); });
      test.after.always(() => { throw new Error('always saw ' + ran + ' tests'); });`),
    'after.test.ts',
  );
  t.deepEqual(outcomes.map((o) => [o.title, o.ok]), [['a', true], ['b', true], ['after hook', false], ['after hook', false]]);
  t.regex(outcomes[2]!.error!, /after saw 2 tests/);
  t.regex(outcomes[3]!.error!, /always saw 2 tests/);
});

test('a suite that never ends is stopped at its time limit and fails', async (t) => {
  const outcomes = await runSuite(suite('spin', "test('spins', (t) => { t.pass(); for (;;) {} });"), 'spin.test.ts', 3000);
  t.is(outcomes.length, 1);
  t.like(outcomes[0], { title: '(suite)', ok: false });
  t.regex(outcomes[0]!.error!, /timed out after 3000 ms/);
});

test('every suite has a limit: AIRLOCK_XS_SUITE_TIMEOUT_MS or the default', (t) => {
  t.is(suiteTimeoutMs({}), DEFAULT_SUITE_TIMEOUT_MS);
  t.is(suiteTimeoutMs({ AIRLOCK_XS_SUITE_TIMEOUT_MS: '90000' }), 90_000);
  t.is(suiteTimeoutMs({ AIRLOCK_XS_SUITE_TIMEOUT_MS: 'soon' }), DEFAULT_SUITE_TIMEOUT_MS);
  t.true(Number.isFinite(DEFAULT_SUITE_TIMEOUT_MS) && DEFAULT_SUITE_TIMEOUT_MS > 0);
});
