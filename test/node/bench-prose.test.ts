// The reading of the bench in docs/BENCHMARKS.md is written from the figures: its numbers are the
// rows' values, targets are judged from the rows, and a missed target is said to be missed.
import test from 'ava';
import { readingProse, targetMet } from '../../bench/prose.js';
import type { BenchRow } from '../../bench/types.js';

const row = (key: string, value: number, target?: string): BenchRow => ({ key, value, unit: 'x', ...(target ? { target } : {}) });

test('targets are judged from their rows', (t) => {
  t.true(targetMet(row('a', 12, '>= 10')));
  t.false(targetMet(row('a', 2.24, '>= 10')));
  t.true(targetMet(row('a', 39.5, '<= 40')));
  t.is(targetMet(row('a', 5, '~0 (no growth)')), undefined);
  t.is(targetMet(row('a', 5)), undefined);
});

test('the prose carries the figures and reports a missed target as missed', (t) => {
  const text = readingProse([
    row('log.projectedLifeYears', 2.24, '>= 10'),
    row('log.projectedLifeYearsFlash', 2.24),
    row('e2e.airlockRecordsPerSec', 9000),
    row('e2e.bridgeRecordsPerSec', 30000),
    row('e2e.ratioVsBridge', 0.3, '>= 0.5'),
  ]);
  t.regex(text, /2\.24 years for a 1 MB partition with RAM windows \(target >= 10: \*\*missed\*\*\)/);
  t.regex(text, /0\.3 of the plain bridge \(target >= 0\.5: \*\*missed\*\*\)/);
  t.regex(text, /Targets missed.*`log\.projectedLifeYears` 2\.24.*`e2e\.ratioVsBridge` 0\.3/);
  t.notRegex(text, /Per record on XS/, 'a sentence whose figures are absent is left out');
  t.regex(readingProse([row('log.projectedLifeYears', 52, '>= 10'), row('log.projectedLifeYearsFlash', 2.24)]), /every target in the table is met/);
});
