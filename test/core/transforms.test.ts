import test from 'ava';
import type { Transform } from '../../modules/contract/types.js';
import { compileValueTransform, geohash } from '../../modules/pipeline/transforms.js';

const apply = (t: Transform, value: number | string | boolean | null) => compileValueTransform(t)!(value);

test('round snaps to the step without float noise', (t) => {
  t.is(apply({ kind: 'round', step: 0.5 }, 21.26), 21.5);
  t.is(apply({ kind: 'round', step: 0.1 }, 0.1 + 0.2), 0.3);
  t.is(apply({ kind: 'round', step: 10 }, 1234), 1230);
  t.is(apply({ kind: 'round', step: 10 }, 'high'), undefined);
});

test('bucket sends only the range', (t) => {
  const b: Transform = { kind: 'bucket', edges: [16, 18, 24] };
  t.is(apply(b, 12), '<16');
  t.is(apply(b, 16), '[16,18)');
  t.is(apply(b, 20.5), '[18,24)');
  t.is(apply(b, 24), '>=24');
  t.is(apply(b, true), undefined);
});

test('clamp limits to min and/or max', (t) => {
  t.is(apply({ kind: 'clamp', min: -5, max: 10 }, 21), 10);
  t.is(apply({ kind: 'clamp', min: -5, max: 10 }, -30), -5);
  t.is(apply({ kind: 'clamp', max: 100 }, 42), 42);
  t.is(apply({ kind: 'clamp', min: 0 }, null), undefined);
});

test('coarsen time floors epoch milliseconds', (t) => {
  const at = Date.UTC(2026, 2, 1, 10, 44, 59, 999);
  t.is(apply({ kind: 'coarsenTime', unit: 'minutes', amount: 15 }, at), Date.UTC(2026, 2, 1, 10, 30));
  t.is(apply({ kind: 'coarsenTime', unit: 'hours', amount: 1 }, at), Date.UTC(2026, 2, 1, 10));
});

test('coarsen location: grid corner and geohash', (t) => {
  t.is(apply({ kind: 'coarsenLocation', method: 'grid', degrees: 0.01 }, '52.37403,4.88969'), '52.37,4.88');
  t.is(apply({ kind: 'coarsenLocation', method: 'grid', degrees: 0.5 }, -33.87), -34);
  // The published example from the geohash description: 57.64911,10.40744 is u4pruydqqvj.
  t.is(geohash(57.64911, 10.40744, 11), 'u4pruydqqvj');
  t.is(apply({ kind: 'coarsenLocation', method: 'geohash', precision: 5 }, '57.64911,10.40744'), 'u4pru');
  t.is(apply({ kind: 'coarsenLocation', method: 'geohash', precision: 5 }, 'somewhere'), undefined);
  t.is(apply({ kind: 'coarsenLocation', method: 'geohash', precision: 5 }, '95,10'), undefined);
});

test('keep passes the value through; aggregate and pseudonymize are the pipeline\'s', (t) => {
  t.is(apply({ kind: 'keep' }, 'open'), 'open');
  t.is(compileValueTransform({ kind: 'pseudonymize' }), undefined);
  t.is(compileValueTransform({ kind: 'aggregate', function: 'mean', windowSeconds: 60 }), undefined);
});
