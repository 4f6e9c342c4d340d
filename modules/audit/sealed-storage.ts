/**
 * Seals every audit record before it reaches storage: entries name actors
 * (login names), consent given and withdrawn, who exported what. The chip's
 * flash encryption does not cover the audit partition (docs/flash-log.md,
 * "Why sealed, not flash encryption"), so the hub seals instead, with
 * AES-256-GCM under a hub key that lives only in the key store.
 *
 * Stored bytes: a random 12-byte nonce, then ciphertext and tag. Random
 * nonces because a seq can be written twice (a torn append is retried after a
 * reboot with other content); 2^32 records stay far below the birthday bound.
 * The associated data binds kind and seq, so a record moved to another seq
 * does not open. A record that does not open is skipped and counted, like a
 * torn one: the hash chain then names the gap.
 */
import { concat, utf8 } from '../bytes.js';
import type { Crypto, Flash, Random } from '../host.js';
import { FlashAuditStorage } from './flash-storage.js';
import type { AuditRecord, AuditStorage, AuditStorageStats } from './storage.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** What sealing adds to each record. */
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

export interface SealedAuditStoragePowers {
  crypto: Crypto;
  random: Random;
  /** A 32-byte hub key, e.g. `keyring.hubKey('audit-seal')`; never the chain's MAC key. */
  key: Uint8Array;
}

export class SealedAuditStorage implements AuditStorage {
  readonly #inner: AuditStorage;
  readonly #crypto: Crypto;
  readonly #random: Random;
  readonly #key: Uint8Array;
  #unopened = 0;

  constructor(inner: AuditStorage, { crypto, random, key }: SealedAuditStoragePowers) {
    this.#inner = inner;
    this.#crypto = crypto;
    this.#random = random;
    this.#key = key;
  }

  append(record: AuditRecord): boolean {
    const nonce = this.#random.bytes(NONCE_BYTES);
    const sealed = this.#crypto.aesGcmSeal(this.#key, nonce, record.bytes, this.#aad(record));
    return this.#inner.append({ kind: record.kind, seq: record.seq, bytes: concat(nonce, sealed) });
  }

  readAll(): AuditRecord[] {
    const out: AuditRecord[] = [];
    let unopened = 0;
    for (const record of this.#inner.readAll()) {
      const opened = this.#open(record);
      if (opened) out.push(opened);
      else unopened++;
    }
    this.#unopened = unopened;
    return out;
  }

  nextRotationBoundary(): AuditRecord | undefined {
    const boundary = this.#inner.nextRotationBoundary();
    return boundary && this.#open(boundary);
  }

  truncateBefore(seq: number): void {
    this.#inner.truncateBefore(seq);
  }

  stats(): AuditStorageStats {
    const inner = this.#inner.stats();
    return { ...inner, skipped: inner.skipped + this.#unopened };
  }

  #open(record: AuditRecord): AuditRecord | undefined {
    if (record.bytes.length < SEAL_OVERHEAD) return undefined;
    const nonce = record.bytes.subarray(0, NONCE_BYTES);
    const plain = this.#crypto.aesGcmOpen(this.#key, nonce, record.bytes.subarray(NONCE_BYTES), this.#aad(record));
    return plain && { kind: record.kind, seq: record.seq, bytes: plain };
  }

  #aad(record: AuditRecord): Uint8Array {
    const seq = new Uint8Array(4);
    new DataView(seq.buffer).setUint32(0, record.seq >>> 0);
    return concat(utf8(`airlock-audit/v1\u0000${record.kind}\u0000`), seq);
  }
}

/** The hub key that seals audit records (separate from the chain's MAC key, `hubKey('audit')`). */
export const AUDIT_SEAL_KEY = 'audit-seal';

/** The audit storage every host uses: sealed records on a flash partition. */
export function sealedFlashAudit(flash: Flash, powers: { crypto: Crypto; random: Random; keyring: { hubKey(purpose: string): Uint8Array } }): AuditStorage {
  return new SealedAuditStorage(new FlashAuditStorage(flash), { crypto: powers.crypto, random: powers.random, key: powers.keyring.hubKey(AUDIT_SEAL_KEY) });
}
