/**
 * Published vectors for the web layer's authentication primitives. Sources:
 * - HMAC-SHA1: RFC 2202 section 3 (test cases 1, 2, 3, 6).
 * - HOTP: RFC 4226 appendix D (secret "12345678901234567890", 6 digits).
 * - TOTP: RFC 6238 appendix B, the SHA-1 rows (same secret, 8 digits, 30 s steps).
 * - PBKDF2-HMAC-SHA256: RFC 7914 section 11, plus the widely published
 *   draft-josefsson-pbkdf2-test-vectors SHA-256 rows ("password"/"salt").
 */

const rep = (byte: number, count: number) => byte.toString(16).padStart(2, '0').repeat(count);
const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');

export const hmacSha1Vectors = [
  { name: 'RFC 2202 #1', key: rep(0x0b, 20), data: ascii('Hi There'), mac: 'b617318655057264e28bc0b6fb378c8ef146be00' },
  { name: 'RFC 2202 #2', key: ascii('Jefe'), data: ascii('what do ya want for nothing?'), mac: 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79' },
  { name: 'RFC 2202 #3', key: rep(0xaa, 20), data: rep(0xdd, 50), mac: '125d7342b9ac11cd91a39af48aa17b4f63f175d3' },
  {
    name: 'RFC 2202 #6',
    key: rep(0xaa, 80),
    data: ascii('Test Using Larger Than Block-Size Key - Hash Key First'),
    mac: 'aa4ae5e15272d00e95705637ce8a3b55ed402112',
  },
];

export const otpSecret = ascii('12345678901234567890');

/** RFC 4226 appendix D: HOTP values for counters 0..9. */
export const hotpValues = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

/** RFC 6238 appendix B, SHA-1 rows: Unix seconds → 8-digit TOTP. */
export const totpVectors = [
  { seconds: 59, code: '94287082' },
  { seconds: 1111111109, code: '07081804' },
  { seconds: 1111111111, code: '14050471' },
  { seconds: 1234567890, code: '89005924' },
  { seconds: 2000000000, code: '69279037' },
  { seconds: 20000000000, code: '65353130' },
];

export const pbkdf2Vectors = [
  {
    name: 'RFC 7914 §11 #1',
    password: ascii('passwd'),
    salt: ascii('salt'),
    iterations: 1,
    derived:
      '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
  },
  { name: 'password/salt c=1', password: ascii('password'), salt: ascii('salt'), iterations: 1, derived: '120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b' },
  { name: 'password/salt c=2', password: ascii('password'), salt: ascii('salt'), iterations: 2, derived: 'ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43' },
  {
    name: 'password/salt c=4096',
    password: ascii('password'),
    salt: ascii('salt'),
    iterations: 4096,
    derived: 'c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a',
  },
  {
    name: 'long password and salt, 40 bytes, c=4096',
    password: ascii('passwordPASSWORDpassword'),
    salt: ascii('saltSALTsaltSALTsaltSALTsaltSALTsalt'),
    iterations: 4096,
    derived: '348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9',
  },
];

/** RFC 7914 §11 #2: 80 000 iterations; run where the primitive is native (too slow for pure JS inside xsnap's test budget). */
export const pbkdf2SlowVector = {
  name: 'RFC 7914 §11 #2',
  password: ascii('Password'),
  salt: ascii('NaCl'),
  iterations: 80000,
  derived:
    '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d',
};
