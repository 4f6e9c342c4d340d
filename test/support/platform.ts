/**
 * What the core suites get from "the platform". On Node this file is used as
 * is; the XS runner swaps it for hosts/xs/platform.ts, so the same suite runs
 * on node:crypto here and on @noble inside XS.
 */
export { nodeCrypto as platformCrypto } from '../../hosts/node/crypto.js';
export const platformName: 'node' | 'xs' = 'node';
