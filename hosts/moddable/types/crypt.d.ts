// Declarations for the Moddable SDK crypt modules that @moddable/typings 5.6.0 lacks.
// Written from the SDK's sources (modules/crypt/digest/crypt.js, modules/crypt/etc/gcm.js,
// modules/crypt/etc/hmac.js, modules/crypt/etc/rng.js) and documentation/crypt/crypt.md.

declare module 'crypt' {
  type BufferLike = ArrayBuffer | ArrayBufferView;
  export class Digest {
    constructor(type: 'SHA1' | 'SHA224' | 'SHA256' | 'SHA384' | 'SHA512' | 'MD5');
    write(data: BufferLike | string): void;
    close(): ArrayBuffer;
    reset(): void;
    process(...parts: (BufferLike | string)[]): ArrayBuffer;
    readonly blockSize: number;
    readonly outputSize: number;
  }
  export class BlockCipher {
    constructor(cipher: 'AES' | 'DES' | 'TDES', key: ArrayBuffer);
    encrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer;
    decrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer;
    readonly keySize: number;
    readonly blockSize: number;
  }
  export class Mode {
    constructor(mode: 'ECB' | 'CBC' | 'CTR', cipher: BlockCipher, iv?: ArrayBuffer, pad?: boolean);
    encrypt(data: ArrayBuffer, result?: ArrayBuffer, count?: number): ArrayBuffer;
    decrypt(data: ArrayBuffer, result?: ArrayBuffer, count?: number): ArrayBuffer;
    setIV(iv: ArrayBuffer): void;
  }
}

declare module 'gcm' {
  import type { BlockCipher } from 'crypt';
  export default class GCM {
    constructor(cipher: BlockCipher, tagLength?: number);
    /** Encrypting returns ciphertext + tag; decrypting returns the plaintext or undefined when the tag does not match. */
    /** Decrypting needs `data` as a view (it calls data.subarray()); encrypting takes an ArrayBuffer. */
    process(data: ArrayBuffer | Uint8Array, buf: ArrayBuffer | undefined, iv: ArrayBuffer, aad: ArrayBuffer | undefined, encrypt: boolean): ArrayBuffer | Uint8Array | undefined;
  }
}

declare module 'hmac' {
  import type { Digest } from 'crypt';
  export default class HMAC {
    constructor(digest: Digest, key: ArrayBuffer, bitlen?: number);
    process(...parts: (ArrayBuffer | string)[]): ArrayBuffer;
  }
}

declare module 'rng' {
  const RNG: { get(count: number): ArrayBuffer };
  export default RNG;
}

// ECDSA over the SDK's elliptic-curve arithmetic (modules/crypt/etc/ecdsa.js, etc/curve.js,
// arith/ecp.js; mapped by modules/crypt/tls_common.json). Only what verification uses.
declare module 'ecp' {
  export default class ECPoint {
    constructor(x: bigint, y: bigint, identity?: boolean);
    readonly X: bigint;
    readonly Y: bigint;
    /** Accepts only the uncompressed form (first byte 0x04); throws otherwise. */
    static fromOctetString(octets: Uint8Array): ECPoint;
  }
}

declare module 'curve' {
  export default class Curve {
    /** "secp256r1" or "secp384r1"; other names leave the curve unset. */
    constructor(name: 'secp256r1' | 'secp384r1');
    /** The group order. */
    readonly n: bigint;
    readonly orderSize: number;
  }
}

declare module 'ecdsa' {
  import type Curve from 'curve';
  import type ECPoint from 'ecp';
  export default class ECDSA {
    /** For verification `key` is the public point. */
    constructor(key: ECPoint, curve: Curve, priv?: boolean);
    /** `hash` is the message digest; `signature` is r || s (asn1 false) or a DER SEQUENCE (asn1 true). */
    verify(hash: ArrayBuffer, signature: ArrayBuffer, asn1?: boolean): boolean;
  }
}
