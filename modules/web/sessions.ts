/**
 * Logged-in sessions, held in memory (a reboot logs everyone out, which is
 * fine for a hub). The browser holds only a random token in an HttpOnly,
 * SameSite=Strict cookie; the table keeps a SHA-256 of it, so a memory dump
 * or a log line never shows a usable token. Each session has its own CSRF
 * token that every state-changing request must echo in `X-CSRF-Token`.
 *
 * Sessions end after `idleMs` without use, after `maxAgeMs` in total, or at
 * the account's own expiry (installers), whichever comes first; all on the
 * monotonic clock.
 */
import { toHex, utf8 } from '../bytes.js';
import type { Clock, Crypto, Random } from '../host.js';
import type { Role } from './facade.js';

export interface SessionPolicy {
  idleMs: number;
  maxAgeMs: number;
  maxSessions: number;
}

export const DEFAULT_SESSIONS: SessionPolicy = Object.freeze({
  idleMs: 30 * 60_000,
  maxAgeMs: 12 * 60 * 60_000,
  maxSessions: 16,
});

export interface Session {
  readonly name: string;
  readonly role: Role;
  readonly csrf: string;
  readonly createdAt: number;
  lastSeen: number;
  /** Monotonic ms at which the session ends regardless of use. */
  readonly endsAt: number;
}

export type SessionLookup = { state: 'valid'; session: Session } | { state: 'expired' } | { state: 'none' };

export class SessionTable {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #crypto: Crypto;
  readonly #policy: SessionPolicy;
  readonly #byHash = new Map<string, Session>();
  #evicted = 0;

  constructor(powers: { clock: Clock; random: Random; crypto: Crypto }, policy: SessionPolicy = DEFAULT_SESSIONS) {
    this.#clock = powers.clock;
    this.#random = powers.random;
    this.#crypto = powers.crypto;
    this.#policy = policy;
  }

  /** Opens a session; `untilMs` (monotonic) caps its life, e.g. at an installer account's expiry. */
  open(name: string, role: Role, untilMs = Infinity): { token: string; session: Session } {
    const now = this.#clock.monotonic();
    const token = toHex(this.#random.bytes(32));
    const session: Session = {
      name,
      role,
      csrf: toHex(this.#random.bytes(16)),
      createdAt: now,
      lastSeen: now,
      endsAt: Math.min(now + this.#policy.maxAgeMs, untilMs),
    };
    this.#byHash.set(this.#hash(token), session);
    while (this.#byHash.size > this.#policy.maxSessions) {
      this.#byHash.delete(this.#byHash.keys().next().value as string);
      this.#evicted++;
    }
    return { token, session };
  }

  /** Finds the session for a cookie token and marks it used; an ended session is removed and reported as expired. */
  lookup(token: string | undefined): SessionLookup {
    if (!token || !/^[0-9a-f]{64}$/.test(token)) return { state: 'none' };
    // Looked up by the token's SHA-256, never the token: how long the lookup takes depends on
    // the hash, which an attacker cannot steer towards a real token one character at a time.
    const key = this.#hash(token);
    const session = this.#byHash.get(key);
    if (!session) return { state: 'none' };
    const now = this.#clock.monotonic();
    if (now >= session.endsAt || now - session.lastSeen >= this.#policy.idleMs) {
      this.#byHash.delete(key);
      return { state: 'expired' };
    }
    session.lastSeen = now;
    return { state: 'valid', session };
  }

  close(token: string | undefined): void {
    if (token) this.#byHash.delete(this.#hash(token));
  }

  /** Ends every session of an account (removed, or its password changed), except the one of `keepToken`; returns how many ended. */
  closeAllFor(name: string, keepToken?: string): number {
    const keep = keepToken ? this.#hash(keepToken) : undefined;
    let ended = 0;
    for (const [key, session] of this.#byHash) {
      if (session.name !== name || key === keep) continue;
      this.#byHash.delete(key);
      ended++;
    }
    return ended;
  }

  /** Sessions open now (at most `maxSessions`). */
  get size(): number {
    return this.#byHash.size;
  }

  /** Sessions ended early because `maxSessions` were open (the oldest logged in goes first). */
  get evicted(): number {
    return this.#evicted;
  }

  get maxAgeSeconds(): number {
    return Math.floor(this.#policy.maxAgeMs / 1000);
  }

  #hash(token: string): string {
    return toHex(this.#crypto.sha256(utf8(token)));
  }
}
