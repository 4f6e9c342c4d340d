/**
 * JSON-like values for property tests that also run inside XS with frozen
 * intrinsics. fast-check's own `fc.jsonValue` builds objects by assignment, and
 * assigning a key such as "valueOf" or "toString" to a fresh object throws when
 * Object.prototype is frozen (the "override mistake"); building objects with
 * Object.fromEntries defines properties instead, so any key is fine.
 */
import fc from 'fast-check';

export function jsonValue(options: { maxDepth?: number } = {}): fc.Arbitrary<unknown> {
  const maxDepth = options.maxDepth ?? 3;
  const scalar = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null));
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth }, scalar, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 5 }),
    object: fc.array(fc.tuple(fc.string(), tie('value')), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
  }));
  return value;
}
