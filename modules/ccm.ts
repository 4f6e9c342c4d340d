/**
 * AES-CCM (RFC 3610) composed from two standard AES modes that every host's
 * audited library has, for hosts whose library has no CCM (@noble/ciphers in
 * the XS test host, Moddable's `crypt` on the ESP32):
 * - the CBC-MAC is AES-CBC with a zero IV over the formatted blocks B0..Bn,
 *   keeping the last block;
 * - encryption is AES-CTR from counter block A0: encrypting (T || message)
 *   in one pass gives S0 xor T (the encrypted tag) followed by the message
 *   xored with S1, S2, ... exactly as the RFC specifies.
 * CTR implementations increment at least the rightmost 32 bits of the counter
 * block; CCM's counter field is the rightmost L = 15 - nonce bytes. They agree
 * because a message is at most 2^(8L) - 1 bytes, far fewer blocks than would carry.
 * Checked against RFC 3610's packet vectors and BTHome's on every host.
 */
import { checkCcmParameters, maxCcmMessageBytes } from './ccm-rules.js';
import { constantTimeEqual } from './constant-time.js';

/** The host's AES modes, as the composition needs them. */
export interface AesModes {
  /** AES-CBC encryption with a zero IV and no padding; input is a whole number of blocks. */
  cbcEncryptZeroIv(key: Uint8Array, input: Uint8Array): Uint8Array;
  /** AES-CTR keystream xor, starting at counter block `counter`. */
  ctrXor(key: Uint8Array, counter: Uint8Array, input: Uint8Array): Uint8Array;
}

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
function cbcMac(modes: AesModes, key: Uint8Array, nonce: Uint8Array, message: Uint8Array, aad: Uint8Array, tagLength: number): Uint8Array {
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
  const chained = modes.cbcEncryptZeroIv(key, input);
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

function ccmSeal(modes: AesModes, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, tagLength: number): Uint8Array {
  checkCcmParameters(key, nonce, tagLength, aad.length);
  checkMessage(nonce, plaintext.length);
  const input = new Uint8Array(BLOCK + plaintext.length);
  input.set(cbcMac(modes, key, nonce, plaintext, aad, tagLength), 0);
  input.set(plaintext, BLOCK);
  const stream = modes.ctrXor(key, counterBlockZero(nonce), input);
  const out = new Uint8Array(plaintext.length + tagLength);
  out.set(stream.subarray(BLOCK), 0);
  out.set(stream.subarray(0, tagLength), plaintext.length);
  return out;
}

function ccmOpen(
  modes: AesModes,
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
  const stream = modes.ctrXor(key, counterBlockZero(nonce), input);
  const plaintext = stream.slice(BLOCK);
  const mac = cbcMac(modes, key, nonce, plaintext, aad, tagLength);
  const expected = new Uint8Array(tagLength);
  for (let i = 0; i < tagLength; i++) expected[i] = mac[i]! ^ stream[i]!;
  if (!constantTimeEqual(expected, sealed.subarray(messageLength))) {
    plaintext.fill(0);
    return undefined;
  }
  return plaintext;
}

/** Seal and open over the given modes, with the signatures of the Crypto capability. */
export function composeCcm(modes: AesModes) {
  return Object.freeze({
    seal: (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, tagLength: number) =>
      ccmSeal(modes, key, nonce, plaintext, aad, tagLength),
    open: (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array, tagLength: number) =>
      ccmOpen(modes, key, nonce, sealed, aad, tagLength),
  });
}
