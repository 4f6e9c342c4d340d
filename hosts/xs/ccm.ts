/** AES-CCM for the XS test host: the portable RFC 3610 composition over @noble/ciphers' CBC and CTR. */
import { cbc, ctr } from '@noble/ciphers/aes.js';
import { composeCcm } from '../../modules/ccm.js';

const ccm = composeCcm({
  cbcEncryptZeroIv: (key, input) => cbc(key, new Uint8Array(16), { disablePadding: true }).encrypt(input),
  ctrXor: (key, counter, input) => ctr(key, counter).encrypt(input),
});

export const ccmSeal = ccm.seal;
export const ccmOpen = ccm.open;
