/**
 * The AES-CCM parameter rules every host enforces the same way (RFC 3610
 * section 2), so a size that fails on the board fails on the desktop too.
 */

/** Largest associated data the hosts accept: RFC 3610's short (2-byte) length form. */
export const MAX_CCM_AAD_BYTES = 0xff00 - 1;

export function checkCcmParameters(key: Uint8Array, nonce: Uint8Array, tagLength: number, aadLength: number): void {
  if (key.length !== 16) throw new RangeError(`AES-128-CCM key must be 16 bytes, got ${key.length}`);
  if (nonce.length < 7 || nonce.length > 13) {
    throw new RangeError(`AES-CCM nonce must be 7..13 bytes (RFC 3610), got ${nonce.length}`);
  }
  if (!Number.isInteger(tagLength) || tagLength < 4 || tagLength > 16 || tagLength % 2 !== 0) {
    throw new RangeError(`AES-CCM tag length must be 4, 6, ..., 16 bytes (RFC 3610), got ${tagLength}`);
  }
  if (aadLength > MAX_CCM_AAD_BYTES) {
    throw new RangeError(`AES-CCM associated data must be at most ${MAX_CCM_AAD_BYTES} bytes, got ${aadLength}`);
  }
}

/** The longest message a nonce of this length can protect: the length field has 15 - nonce bytes. */
export function maxCcmMessageBytes(nonceLength: number): number {
  const lengthFieldBytes = 15 - nonceLength;
  return lengthFieldBytes >= 4 ? 0xffffffff : 2 ** (8 * lengthFieldBytes) - 1;
}
