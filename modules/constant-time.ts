/**
 * Equality for secrets and their checks (MACs, tags, tokens, TOTP codes,
 * password and code hashes) that reads every element whatever it finds: an
 * early exit at the first difference tells a forger, through the answer's
 * timing, how many leading bytes of a guess were right.
 *
 * The length is not secret (MACs and hashes have fixed sizes), but even a
 * length difference does not stop the loop. Pure function, no state.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean;
export function constantTimeEqual(a: string, b: string): boolean;
export function constantTimeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  if (typeof a === 'string' || typeof b === 'string') {
    if (typeof a !== 'string' || typeof b !== 'string') return false;
    return diffStrings(a, b) === 0;
  }
  return diffBytes(a, b) === 0;
}

function diffBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  // Out-of-range reads give undefined; `| 0` makes them 0 without a branch.
  for (let i = 0; i < n; i++) diff |= (a[i]! | 0) ^ (b[i]! | 0);
  return diff;
}

function diffStrings(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  // charCodeAt past the end is NaN; `| 0` makes it 0.
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff;
}
