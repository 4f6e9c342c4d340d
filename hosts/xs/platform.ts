/** What the core suites get from "the platform" when they run inside XS. */
export { nobleCrypto as platformCrypto } from './crypto.js';
export const platformName = 'xs';
