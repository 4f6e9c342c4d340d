/**
 * The capabilities a platform lends to the portable core.
 *
 * Nothing in `modules/` reaches for a global: a module receives exactly the
 * capabilities it needs as arguments, so what it may touch is visible in its
 * signature, and tests drive time and faults deterministically. Each
 * `hosts/<platform>/` folder builds these objects for one platform.
 */

/** Time as the hub knows it. */
export interface Clock {
  /**
   * Wall-clock milliseconds since the Unix epoch, or `undefined` while the hub
   * does not know the time (an offline boot before SNTP answers).
   */
  wallTime(): number | undefined;
  /** Milliseconds since this boot; never goes backwards, restarts at boot. */
  monotonic(): number;
  /** How many times the hub has booted; with `monotonic()` it orders events when wall time is unknown. */
  readonly bootCount: number;
}

/** An opaque handle for a scheduled callback. */
export type TimerHandle = { readonly brand?: 'timer' } | object;

export interface Timers {
  /** Calls `callback` once after `ms` milliseconds. */
  set(callback: () => void, ms: number): TimerHandle;
  /** Calls `callback` every `ms` milliseconds until cleared. */
  repeat(callback: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle | undefined): void;
}

export interface Random {
  /** `length` bytes from the platform's cryptographic random source. */
  bytes(length: number): Uint8Array;
}

/**
 * Cryptographic primitives. Hosts bind real implementations (node:crypto,
 * Moddable `crypt`, @noble); the core never implements a primitive itself.
 */
export interface Crypto {
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * HMAC-SHA1 (RFC 2104). Only for TOTP (RFC 6238): authenticator apps
   * expect SHA-1 there, where HMAC-SHA1 is still sound. Never for new designs.
   */
  hmacSha1(key: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * PBKDF2 (RFC 8018) with HMAC-SHA256: the slow, salted password hash.
   * Iterations are chosen by the caller and stored with the hash.
   */
  pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array;
  /** RFC 5869 HKDF with SHA-256. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /**
   * AES-256-GCM with a 12-byte nonce and a 16-byte tag.
   * Returns ciphertext followed by the tag.
   */
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Returns the plaintext, or `undefined` when the tag does not verify. */
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined;
  /**
   * AES-128-CCM (RFC 3610), the mode of BLE link-layer and BTHome encryption:
   * 16-byte key, 7..13-byte nonce, tag of 4..16 bytes (even). Returns the
   * ciphertext followed by the `tagLength`-byte tag. Throws on bad sizes.
   */
  aesCcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, tagLength: number): Uint8Array;
  /** Returns the plaintext, or `undefined` when the tag does not verify (or the input is shorter than the tag). */
  aesCcmOpen(
    key: Uint8Array,
    nonce: Uint8Array,
    ciphertextAndTag: Uint8Array,
    aad: Uint8Array,
    tagLength: number,
  ): Uint8Array | undefined;
  /**
   * Incremental SHA-256, for data too large to hold in memory at once (an
   * update image is written to flash chunk by chunk and hashed on the way).
   */
  sha256Stream(): Sha256Stream;
  /**
   * Verifies an ECDSA P-256 signature over SHA-256(`message`) (the only
   * signature scheme every host implements: the Moddable SDK has no Ed25519).
   * `publicKey` is the 65-byte uncompressed SEC1 point (0x04 || X || Y) and
   * `signature` the 64-byte IEEE P1363 form (r || s, big-endian). Returns
   * false for anything malformed; never throws.
   */
  verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export interface Sha256Stream {
  update(data: Uint8Array): void;
  /** The digest of everything written; the stream cannot be used afterwards. */
  digest(): Uint8Array;
}

/**
 * A NOR flash partition, in the shape of Moddable's `flash` module.
 * Erasing a sector sets its bytes to 0xFF; a write can only clear bits.
 */
export interface Flash {
  readonly byteLength: number;
  /** Erase-sector size in bytes. */
  readonly blockSize: number;
  erase(sector: number): void;
  read(offset: number, length: number): ArrayBuffer;
  write(offset: number, length: number, buffer: ArrayBuffer | Uint8Array): void;
}

/** A value the key-value store keeps. Mirrors what Moddable's Preference accepts. */
export type StoredValue = string | number | boolean | Uint8Array;

/**
 * A small persistent key-value store (NVS `Preference` on the ESP32). Domain
 * and key names are at most 15 characters and values at most 4000 bytes:
 * every host enforces the ESP32's limits so nothing passes on the desktop
 * that would fail on the board. Write rarely: NVS wears.
 */
export interface KeyValueStore {
  get(domain: string, key: string): StoredValue | undefined;
  set(domain: string, key: string, value: StoredValue): void;
  delete(domain: string, key: string): void;
  keys(domain: string): string[];
}

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Everything a platform provides. The composition root hands out pieces of it, never the whole. */
export interface Host {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly crypto: Crypto;
  /** The partition that holds the sealed record log. */
  readonly recordFlash: Flash;
  readonly store: KeyValueStore;
  readonly log: Logger;
}
