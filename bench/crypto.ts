/** Cost of the two primitives every record pays: an HMAC (pseudonym) and a GCM seal (at rest). */
import { nodeCrypto } from '../hosts/node/crypto.js';
import { meterInXs } from './xs.js';
import { nodeNanosPerCall, type BenchRow } from './types.js';

const XS_ENTRY = `
import { nobleCrypto as c } from './hosts/xs/crypto.ts';
import { measure, done } from './bench/xs-harness.ts';
const key = new Uint8Array(32).fill(7);
const nonce = new Uint8Array(12).fill(1);
const record = new Uint8Array(64).fill(42);
const aad = new Uint8Array(16);
measure('hmac64', () => c.hmacSha256(key, record));
measure('seal64', () => c.aesGcmSeal(key, nonce, record, aad));
done();
`;

export async function benchCrypto(): Promise<BenchRow[]> {
  const xs = await meterInXs(XS_ENTRY, 'crypto');
  const key = new Uint8Array(32).fill(7);
  const nonce = new Uint8Array(12).fill(1);
  const record = new Uint8Array(64).fill(42);
  const aad = new Uint8Array(16);
  return [
    { key: 'crypto.xs.meterPerHmac64', value: xs.hmac64!, unit: 'XS meter', note: '@noble/hashes inside xsnap' },
    { key: 'crypto.xs.meterPerSeal64', value: xs.seal64!, unit: 'XS meter', note: '@noble/ciphers inside xsnap' },
    { key: 'crypto.node.nsPerHmac64', value: nodeNanosPerCall(() => nodeCrypto.hmacSha256(key, record)), unit: 'ns', note: 'node:crypto' },
    { key: 'crypto.node.nsPerSeal64', value: nodeNanosPerCall(() => nodeCrypto.aesGcmSeal(key, nonce, record, aad)), unit: 'ns', note: 'node:crypto' },
  ];
}
