/**
 * AES-CCM (RFC 3610) for the XS test host, composed from @noble/ciphers'
 * audited AES modes, because @noble/ciphers has no CCM:
 * - the CBC-MAC is AES-CBC with a zero IV over the formatted blocks B0..Bn,
 *   keeping the last block;
 * - encryption is AES-CTR from counter block A0: encrypting (T || message)
 *   in one pass gives S0 xor T (the encrypted tag) followed by the message
 *   xored with S1, S2, ... exactly as the RFC specifies.
 * noble's CTR increments the rightmost 32 bits of the counter block; CCM's
 * counter field is the rightmost L = 15 - nonce bytes. They agree because a
 * message is at most 2^(8L) - 1 bytes, far fewer blocks than would carry.
 */
import { cbc, ctr } from '@noble/ciphers/aes.js';
import { checkCcmParameters, maxCcmMessageBytes } from '../../modules/ccm-rules.js';

const BLOCK = 16;

function padToBlock(length: number): number {
  return Math.ceil(length / BLOCK) * BLOCK;
}

/** Writes `value` big-endian into the last `bytes` bytes ending at `end`. */
function writeLength(target: Uint8Array, end: number, bytes: number, value: number): void {
  let rest = value;
  for (let i = 1; i <= bytes; i++) {
    target[end - i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}

/** The full 16-byte CBC-MAC T of RFC 3610 section 2.2. */
function cbcMac(key: Uint8Array, nonce: Uint8Array, message: Uint8Array, aad: Uint8Array, tagLength: number): Uint8Array {
  const lengthField = 15 - nonce.length;
  const aadBlockBytes = aad.length > 0 ? padToBlock(2 + aad.length) : 0;
  const input = new Uint8Array(BLOCK + aadBlockBytes + padToBlock(message.length));
  input[0] = (aad.length > 0 ? 0x40 : 0) | (((tagLength - 2) / 2) << 3) | (lengthField - 1);
  input.set(nonce, 1);
  writeLength(input, BLOCK, lengthField, message.length);
  if (aad.length > 0) {
    input[BLOCK] = aad.length >> 8;
    input[BLOCK + 1] = aad.length & 0xff;
    input.set(aad, BLOCK + 2);
  }
  input.set(message, BLOCK + aadBlockBytes);
  const chained = cbc(key, new Uint8Array(BLOCK), { disablePadding: true }).encrypt(input);
  return chained.subarray(chained.length - BLOCK);
}

function counterBlockZero(nonce: Uint8Array): Uint8Array {
  const a0 = new Uint8Array(BLOCK);
  a0[0] = 15 - nonce.length - 1;
  a0.set(nonce, 1);
  return a0;
}

function checkMessage(nonce: Uint8Array, length: number): void {
  const max = maxCcmMessageBytes(nonce.length);
  if (length > max) throw new RangeError(`AES-CCM message of ${length} bytes exceeds ${max} for a ${nonce.length}-byte nonce`);
}

export function ccmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, tagLength: number): Uint8Array {
  checkCcmParameters(key, nonce, tagLength, aad.length);
  checkMessage(nonce, plaintext.length);
  const input = new Uint8Array(BLOCK + plaintext.length);
  input.set(cbcMac(key, nonce, plaintext, aad, tagLength), 0);
  input.set(plaintext, BLOCK);
  const stream = ctr(key, counterBlockZero(nonce)).encrypt(input);
  const out = new Uint8Array(plaintext.length + tagLength);
  out.set(stream.subarray(BLOCK), 0);
  out.set(stream.subarray(0, tagLength), plaintext.length);
  return out;
}

export function ccmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
  tagLength: number,
): Uint8Array | undefined {
  checkCcmParameters(key, nonce, tagLength, aad.length);
  if (sealed.length < tagLength) return undefined;
  const messageLength = sealed.length - tagLength;
  checkMessage(nonce, messageLength);
  // Decrypting zeros || ciphertext yields S0 followed by the plaintext.
  const input = new Uint8Array(BLOCK + messageLength);
  input.set(sealed.subarray(0, messageLength), BLOCK);
  const stream = ctr(key, counterBlockZero(nonce)).decrypt(input);
  const plaintext = stream.slice(BLOCK);
  const mac = cbcMac(key, nonce, plaintext, aad, tagLength);
  let difference = 0;
  for (let i = 0; i < tagLength; i++) difference |= (mac[i]! ^ stream[i]!) ^ sealed[messageLength + i]!;
  if (difference !== 0) {
    plaintext.fill(0);
    return undefined;
  }
  return plaintext;
}
