/**
 * Accounts and invitations, kept in the key-value store (NVS on the ESP32).
 *
 * There is no default password (ETSI EN 303 645 provision 5.1-1). The first
 * account is created with a one-time setup code the hub prints on its console
 * at boot while no owner exists; later accounts with invitation codes the
 * owner creates. Codes and passwords are stored only as salted hashes:
 * passwords with PBKDF2-HMAC-SHA256 (slow, iteration count stored with the
 * hash so it can be raised later), codes with a salted SHA-256 (they are
 * random, 60 bits, single-use and throttled, so a slow hash buys nothing).
 */
import { fromHex, toHex, utf8 } from '../bytes.js';
import type { Crypto, KeyValueStore, Random } from '../host.js';
import type { Role } from './facade.js';
import { constantTimeEqual } from '../constant-time.js';

const DOMAIN = 'web';
const INVITES_KEY = 'invites';
const ACCOUNT_PREFIX = 'u.';

/** Account names: short, lowercase, so the store key ("u." + name) fits NVS's 15 characters. */
export const ACCOUNT_NAME_RULE = (): RegExp => /^[a-z][a-z0-9_-]{0,11}$/;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;

/** Unambiguous characters (no 0/O, 1/I) for codes read off a serial console. */
const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

export interface Account {
  name: string;
  role: Role;
  salt: string;
  iterations: number;
  hash: string;
  /** TOTP secret, hex. */
  totp: string;
  /** Last TOTP step accepted (replay guard). */
  lastStep: number;
  /** Wall ms after which the account no longer works (installers), or null. */
  expiresAt: number | null;
}

export interface Invitation {
  id: string;
  role: Role;
  /** The account name the code is for ("owner" for the first-boot code). */
  name: string;
  salt: string;
  hash: string;
  /** Wall ms after which the code no longer works, or null (the setup code lives until used). */
  expiresAt: number | null;
  /** For installers: how long the account works after it is set up. */
  accessHours: number | null;
}

export function checkPassword(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'password must be a string';
  if (password.length < PASSWORD_MIN) return `password must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `password must be at most ${PASSWORD_MAX} characters`;
  return undefined;
}

export class AccountStore {
  readonly #store: KeyValueStore;
  readonly #crypto: Crypto;
  readonly #random: Random;
  readonly #iterations: number;

  constructor(powers: { store: KeyValueStore; crypto: Crypto; random: Random }, iterations: number) {
    this.#store = powers.store;
    this.#crypto = powers.crypto;
    this.#random = powers.random;
    this.#iterations = iterations;
  }

  get iterations(): number {
    return this.#iterations;
  }

  // ----- accounts -----

  get(name: string): Account | undefined {
    if (!ACCOUNT_NAME_RULE().test(name)) return undefined;
    const raw = this.#store.get(DOMAIN, ACCOUNT_PREFIX + name);
    if (typeof raw !== 'string') return undefined;
    try {
      return JSON.parse(raw) as Account;
    } catch {
      return undefined;
    }
  }

  list(): Account[] {
    return this.#store
      .keys(DOMAIN)
      .filter((key) => key.startsWith(ACCOUNT_PREFIX))
      .map((key) => this.get(key.slice(ACCOUNT_PREFIX.length)))
      .filter((account): account is Account => account !== undefined);
  }

  hasOwner(): boolean {
    return this.list().some((account) => account.role === 'owner');
  }

  /** A fresh salt and hash of `password` at this host's iteration count (stored with it). */
  hashPassword(password: string): Pick<Account, 'salt' | 'iterations' | 'hash'> {
    const salt = this.#random.bytes(16);
    return { salt: toHex(salt), iterations: this.#iterations, hash: toHex(this.#crypto.pbkdf2Sha256(utf8(password), salt, this.#iterations, 32)) };
  }

  create(name: string, role: Role, password: string, totpSecret: Uint8Array, expiresAt: number | null, step: number): Account {
    const account: Account = {
      name,
      role,
      ...this.hashPassword(password),
      totp: toHex(totpSecret),
      lastStep: step,
      expiresAt,
    };
    this.save(account);
    return account;
  }

  save(account: Account): void {
    this.#store.set(DOMAIN, ACCOUNT_PREFIX + account.name, JSON.stringify(account));
  }

  remove(name: string): void {
    this.#store.delete(DOMAIN, ACCOUNT_PREFIX + name);
  }

  verifyPassword(account: Account, password: string): boolean {
    const derived = this.#crypto.pbkdf2Sha256(utf8(password), fromHex(account.salt), account.iterations, 32);
    return constantTimeEqual(derived, fromHex(account.hash));
  }

  /** Spends the same work as a real check, so an unknown name is not revealed by a fast answer. */
  burnPasswordCheck(password: string): void {
    this.#crypto.pbkdf2Sha256(utf8(password), new Uint8Array(16), this.#iterations, 32);
  }

  // ----- invitations and the setup code -----

  invitations(): Invitation[] {
    const raw = this.#store.get(DOMAIN, INVITES_KEY);
    if (typeof raw !== 'string') return [];
    try {
      return JSON.parse(raw) as Invitation[];
    } catch {
      return [];
    }
  }

  /** Creates an invitation and returns its code (shown once; only the hash is kept). */
  invite(role: Role, name: string, expiresAt: number | null, accessHours: number | null): { code: string; invitation: Invitation } {
    const code = this.#newCode();
    const salt = this.#random.bytes(16);
    const invitation: Invitation = {
      id: toHex(this.#random.bytes(4)),
      role,
      name,
      salt: toHex(salt),
      hash: this.#codeHash(salt, code),
      expiresAt,
      accessHours,
    };
    // One invitation per name: a new code replaces the old one.
    const kept = this.invitations().filter((existing) => existing.name !== name);
    this.#store.set(DOMAIN, INVITES_KEY, JSON.stringify([...kept, invitation].slice(-8)));
    return { code, invitation };
  }

  /** The invitation a code opens, if any (not consumed). */
  findInvitation(code: string, now: number | undefined): Invitation | undefined {
    const normalized = normalizeCode(code);
    if (normalized.length !== 12) return undefined;
    return this.invitations().find(
      (invitation) =>
        constantTimeEqual(invitation.hash, this.#codeHash(fromHex(invitation.salt), normalized)) &&
        (invitation.expiresAt === null || (now !== undefined && now < invitation.expiresAt)),
    );
  }

  consumeInvitation(id: string): void {
    this.#store.set(DOMAIN, INVITES_KEY, JSON.stringify(this.invitations().filter((invitation) => invitation.id !== id)));
  }

  #newCode(): string {
    const bytes = this.#random.bytes(12);
    let code = '';
    for (const byte of bytes) code += CODE_ALPHABET[byte & 31]!;
    return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8, 12)}`;
  }

  #codeHash(salt: Uint8Array, code: string): string {
    const saltText = toHex(salt);
    return toHex(this.#crypto.sha256(utf8(`${saltText}:${normalizeCode(code)}`)));
  }
}

/** Codes are typed by people: ignore case, spaces and dashes. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}
