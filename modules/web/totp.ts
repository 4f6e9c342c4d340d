/**
 * One-time passwords for the second factor: HOTP (RFC 4226) and TOTP
 * (RFC 6238) with HMAC-SHA1, 6 digits and 30-second steps, the parameters
 * every authenticator app assumes. The HMAC comes from the Crypto capability.
 */
import type { Crypto } from '../host.js';
import { constantTimeEqual } from '../constant-time.js';

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding, as otpauth:// URIs carry secrets. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31]!;
  return out;
}

/** Decodes base32 (case-insensitive, spaces and padding ignored); throws on other characters. */
export function base32Decode(text: string): Uint8Array {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) throw new TypeError(`base32: "${char}" is not in the RFC 4648 alphabet (A-Z, 2-7)`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** RFC 4226 section 5.3: HMAC-SHA1 over the 8-byte counter, dynamic truncation, modulo 10^digits. */
export function hotp(crypto: Crypto, secret: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  view.setUint32(0, Math.floor(counter / 0x100000000), false);
  view.setUint32(4, counter >>> 0, false);
  const mac = crypto.hmacSha1(secret, message);
  const offset = mac[mac.length - 1]! & 15;
  const binary =
    ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The TOTP time step for a Unix time in milliseconds. */
export function totpStep(unixMs: number): number {
  return Math.floor(unixMs / 1000 / TOTP_STEP_SECONDS);
}

export function totp(crypto: Crypto, secret: Uint8Array, unixMs: number, digits = TOTP_DIGITS): string {
  return hotp(crypto, secret, totpStep(unixMs), digits);
}

/**
 * Checks a 6-digit code against the steps around `unixMs` (one step of clock
 * drift either way, as RFC 6238 section 6 suggests) and returns the matching
 * step, or undefined. Steps at or before `lastUsedStep` are refused, so a code
 * seen over a shoulder or in a log cannot be replayed.
 */
export function verifyTotp(
  crypto: Crypto,
  secret: Uint8Array,
  code: string,
  unixMs: number,
  lastUsedStep = -1,
): number | undefined {
  if (!/^[0-9]{6}$/.test(code)) return undefined;
  const now = totpStep(unixMs);
  let matched: number | undefined;
  // Check every candidate (no early exit) so timing does not say which step matched.
  for (const step of [now - 1, now, now + 1]) {
    if (step <= lastUsedStep) continue;
    if (constantTimeEqual(hotp(crypto, secret, step), code) && matched === undefined) matched = step;
  }
  return matched;
}

/** The otpauth:// URI authenticator apps read from the enrolment QR code. */
export function otpauthUri(issuer: string, account: string, secret: Uint8Array): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return (
    `otpauth://totp/${label}?secret=${base32Encode(secret)}&issuer=${encodeURIComponent(issuer)}` +
    `&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_STEP_SECONDS}`
  );
}
