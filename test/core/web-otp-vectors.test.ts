import test from 'ava';
import { fromHex, toHex, utf8 } from '../../modules/bytes.js';
import { base32Decode, base32Encode, hotp, otpauthUri, totp, verifyTotp } from '../../modules/web/totp.js';
import { platformCrypto as crypto, platformName } from '../support/platform.js';
import { hmacSha1Vectors, hotpValues, otpSecret, pbkdf2Vectors, totpVectors } from '../vectors/auth.js';

test(`HMAC-SHA1 matches RFC 2202 on ${platformName}`, (t) => {
  for (const v of hmacSha1Vectors) t.is(toHex(crypto.hmacSha1(fromHex(v.key), fromHex(v.data))), v.mac, v.name);
});

test(`HOTP matches RFC 4226 appendix D on ${platformName}`, (t) => {
  hotpValues.forEach((value, counter) => t.is(hotp(crypto, fromHex(otpSecret), counter), value, `counter ${counter}`));
});

test(`TOTP matches the RFC 6238 appendix B SHA-1 vectors on ${platformName}`, (t) => {
  for (const v of totpVectors) t.is(totp(crypto, fromHex(otpSecret), v.seconds * 1000, 8), v.code, `T=${v.seconds}`);
});

test(`PBKDF2-HMAC-SHA256 matches RFC 7914 and the published SHA-256 vectors on ${platformName}`, (t) => {
  for (const v of pbkdf2Vectors) {
    const derived = crypto.pbkdf2Sha256(fromHex(v.password), fromHex(v.salt), v.iterations, v.derived.length / 2);
    t.is(toHex(derived), v.derived, v.name);
  }
});

test('PBKDF2 refuses nonsense iteration counts and lengths with a clear error', (t) => {
  t.throws(() => crypto.pbkdf2Sha256(utf8('p'), utf8('s'), 0, 32), { message: /iterations/ });
  t.throws(() => crypto.pbkdf2Sha256(utf8('p'), utf8('s'), 1.5, 32), { message: /iterations/ });
  t.throws(() => crypto.pbkdf2Sha256(utf8('p'), utf8('s'), 1, 0), { message: /length/ });
});

test('base32 matches RFC 4648 section 10 and round-trips', (t) => {
  const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
  for (const [plain, encoded] of vectors) {
    t.is(base32Encode(utf8(plain)), encoded);
    t.is(toHex(base32Decode(encoded)), toHex(utf8(plain)));
  }
  t.is(toHex(base32Decode('mzxw 6ytb oi======')), toHex(utf8('foobar')), 'lowercase, spaces and padding are accepted');
  t.throws(() => base32Decode('MZ1W'), { message: /"1" is not in the RFC 4648 alphabet/ });
});

test('verifyTotp accepts one step of drift either way, and refuses replays and other steps', (t) => {
  const secret = fromHex(otpSecret);
  const now = 1_700_000_000_000;
  const step = Math.floor(now / 30_000);
  t.is(verifyTotp(crypto, secret, totp(crypto, secret, now), now), step);
  t.is(verifyTotp(crypto, secret, totp(crypto, secret, now - 30_000), now), step - 1);
  t.is(verifyTotp(crypto, secret, totp(crypto, secret, now + 30_000), now), step + 1);
  t.is(verifyTotp(crypto, secret, totp(crypto, secret, now - 60_000), now), undefined, 'two steps old');
  t.is(verifyTotp(crypto, secret, totp(crypto, secret, now), now, step), undefined, 'same step again is a replay');
  t.is(verifyTotp(crypto, secret, 'abcdef', now), undefined);
  t.is(verifyTotp(crypto, secret, '1234567', now), undefined);
});

test('otpauth URI carries the parameters authenticator apps expect', (t) => {
  const uri = otpauthUri('Airlock hub', 'owner', utf8('12345678901234567890'));
  t.is(uri, 'otpauth://totp/Airlock%20hub%3Aowner?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Airlock%20hub&algorithm=SHA1&digits=6&period=30');
});
