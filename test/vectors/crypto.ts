/**
 * Published test vectors. Sources:
 * - SHA-256: FIPS 180-2 appendix B examples.
 * - HMAC-SHA256: RFC 4231 section 4 (test cases 1-4, 6, 7).
 * - HKDF-SHA256: RFC 5869 appendix A (test cases 1-3).
 * - AES-256-GCM: the GCM specification's test cases 13-16 (McGrew & Viega), as used by NIST's CAVP.
 */

const rep = (byte: number, count: number) => byte.toString(16).padStart(2, '0').repeat(count);
const range = (from: number, to: number) => {
  let out = '';
  for (let b = from; b <= to; b++) out += b.toString(16).padStart(2, '0');
  return out;
};
const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');

export const sha256Vectors = [
  { input: ascii('abc'), digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
  { input: '', digest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
];

export const hmacVectors = [
  { name: 'RFC 4231 #1', key: rep(0x0b, 20), data: ascii('Hi There'), mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7' },
  { name: 'RFC 4231 #2', key: ascii('Jefe'), data: ascii('what do ya want for nothing?'), mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' },
  { name: 'RFC 4231 #3', key: rep(0xaa, 20), data: rep(0xdd, 50), mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe' },
  { name: 'RFC 4231 #4', key: range(1, 25), data: rep(0xcd, 50), mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b' },
  {
    name: 'RFC 4231 #6',
    key: rep(0xaa, 131),
    data: ascii('Test Using Larger Than Block-Size Key - Hash Key First'),
    mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
  {
    name: 'RFC 4231 #7',
    key: rep(0xaa, 131),
    data: ascii(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
];

export const hkdfVectors = [
  {
    name: 'RFC 5869 A.1',
    ikm: rep(0x0b, 22),
    salt: range(0x00, 0x0c),
    info: range(0xf0, 0xf9),
    length: 42,
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    name: 'RFC 5869 A.2',
    ikm: range(0x00, 0x4f),
    salt: range(0x60, 0xaf),
    info: range(0xb0, 0xff),
    length: 82,
    okm:
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c' +
      '59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71' +
      'cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  {
    name: 'RFC 5869 A.3',
    ikm: rep(0x0b, 22),
    salt: '',
    info: '',
    length: 42,
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
];

const gcmKey = 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308';
const gcmPlain =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
  '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const gcmCipher =
  '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
  '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';

export const gcmVectors = [
  { name: 'GCM #13', key: rep(0, 32), nonce: rep(0, 12), plaintext: '', aad: '', ciphertext: '', tag: '530f8afbc74536b9a963b4f1c4cb738b' },
  {
    name: 'GCM #14',
    key: rep(0, 32),
    nonce: rep(0, 12),
    plaintext: rep(0, 16),
    aad: '',
    ciphertext: 'cea7403d4d606b6e074ec5d3baf39d18',
    tag: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  { name: 'GCM #15', key: gcmKey, nonce: 'cafebabefacedbaddecaf888', plaintext: gcmPlain, aad: '', ciphertext: gcmCipher, tag: 'b094dac5d93471bdec1a502270e3cc6c' },
  {
    name: 'GCM #16',
    key: gcmKey,
    nonce: 'cafebabefacedbaddecaf888',
    plaintext: gcmPlain.slice(0, 120),
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    ciphertext: gcmCipher.slice(0, 120),
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];
