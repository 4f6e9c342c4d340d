/**
 * Local authentication for the hub's page, per ETSI EN 303 645 provision 5.1:
 * no default password; a one-time setup code printed on the console at boot
 * while no owner exists; password (PBKDF2-HMAC-SHA256) plus TOTP (RFC 6238)
 * for every account; growing delays and lockout after failures; every login,
 * failure and account change reported through `onAuthEvent` for the audit log.
 */
import { fromHex } from '../bytes.js';
import { constantTimeEqual } from '../constant-time.js';
import type { Clock, Crypto, KeyValueStore, Logger, Random } from '../host.js';
import { ACCOUNT_NAME_RULE, AccountStore, checkPassword, type Account } from './accounts.js';
import type { Role } from './facade.js';
import { HttpError } from './http.js';
import { qrSvg } from './qr.js';
import { SessionTable, type Session, type SessionPolicy } from './sessions.js';
import { LoginThrottle, type ThrottlePolicy } from './throttle.js';
import { base32Encode, otpauthUri, verifyTotp } from './totp.js';

export type AuthEventKind =
  | 'setup-code-issued'
  | 'setup-failed'
  | 'account-created'
  | 'login'
  | 'login-failed'
  | 'lockout'
  | 'logout'
  | 'session-expired'
  | 'invitation-created'
  | 'account-removed'
  | 'password-changed'
  | 'password-change-failed'
  | 'csrf-rejected'
  | 'forbidden';

export interface AuthEvent {
  kind: AuthEventKind;
  /** The account concerned (or the name tried), when there is one. */
  name?: string;
  role?: Role;
  remote?: string;
  /** Why, for failures: "unknown-account", "bad-password", "bad-totp", "account-expired", "throttled", ... */
  reason?: string;
}

export interface AuthOptions {
  clock: Clock;
  random: Random;
  crypto: Crypto;
  store: KeyValueStore;
  log: Logger;
  onAuthEvent?: (event: AuthEvent) => void;
  /** PBKDF2 iterations for new passwords (see docs/web.md for the ESP32 sizing). */
  pbkdf2Iterations?: number;
  throttle?: ThrottlePolicy;
  sessions?: SessionPolicy;
  /** Name shown in authenticator apps. */
  issuer?: string;
}

/**
 * The board's count, sized for the ESP32 in docs/web.md: about a second per
 * login there. Hosts with a faster CPU pass more (the desktop: OWASP's 600 000,
 * hosts/node/desktop-hub.ts). Each hash keeps its own count, so hashes made
 * with another count still verify, and are raised to the host's count at the
 * next successful login or password change.
 */
export const DEFAULT_PBKDF2_ITERATIONS = 10_000;
/** Enrolments started and not finished, held at once; the oldest is forgotten beyond (its person starts again). */
export const MAX_PENDING_ENROLMENTS = 8;
/** How long an invitation code works. */
const INVITATION_HOURS = 72;
const MAX_INSTALLER_HOURS = 7 * 24;
const GENERIC_LOGIN_FAILURE = 'The name, password or 6-digit code is not right. Check the time on your authenticator and try again.';

export interface Enrolment {
  role: Role;
  /** The account name fixed by the invitation, or "" when the person chooses (first-boot owner). */
  name: string;
  secret: string;
  otpauthUri: string;
  qrSvg: string;
}

export class WebAuth {
  readonly accounts: AccountStore;
  readonly sessions: SessionTable;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #crypto: Crypto;
  readonly #log: Logger;
  readonly #onAuthEvent: (event: AuthEvent) => void;
  readonly #throttle: LoginThrottle;
  /**
   * Failures for names that have no account, kept apart: the tables are bounded
   * (forgetting the least recent), and a flood of made-up names must not push a
   * real account's failures out and so reset its lockout. Each made-up name is
   * still throttled on its own, exactly like a real one, so the replies do not
   * tell the two apart.
   */
  readonly #strangers: LoginThrottle;
  readonly #issuer: string;
  /** Invitation id → TOTP secret offered at the start of enrolment (memory only, until used). */
  readonly #pendingSecrets = new Map<string, Uint8Array>();
  #enrolmentsForgotten = 0;

  constructor(options: AuthOptions) {
    this.#clock = options.clock;
    this.#random = options.random;
    this.#crypto = options.crypto;
    this.#log = options.log;
    this.#onAuthEvent = options.onAuthEvent ?? (() => {});
    this.#issuer = options.issuer ?? 'Airlock hub';
    this.accounts = new AccountStore(options, options.pbkdf2Iterations ?? DEFAULT_PBKDF2_ITERATIONS);
    this.sessions = new SessionTable(options, options.sessions);
    this.#throttle = new LoginThrottle(options.clock, options.throttle);
    this.#strangers = new LoginThrottle(options.clock, options.throttle);
  }

  /**
   * Call once at boot. While no owner exists, issues a fresh setup code and
   * prints it through the logger (console / serial): only someone with the
   * hub in hand can take ownership. Returns the code for the host to show
   * elsewhere too (a display), or undefined when the hub has an owner.
   */
  boot(): string | undefined {
    if (this.accounts.hasOwner()) return undefined;
    const { code } = this.accounts.invite('owner', '', null, null);
    this.#log.info('web: first-boot setup code (type it on the hub page to create the owner account)', { code });
    this.#emit({ kind: 'setup-code-issued', role: 'owner' });
    return code;
  }

  /**
   * What the bounded tables dropped to stay within their size: sessions ended
   * early (`maxSessions`), login failure records forgotten (`maxKeys`, real
   * accounts and unknown names apart), enrolments forgotten.
   */
  counters(): { sessionsEvicted: number; failuresForgotten: number; strangerFailuresForgotten: number; enrolmentsForgotten: number } {
    return {
      sessionsEvicted: this.sessions.evicted,
      failuresForgotten: this.#throttle.forgotten,
      strangerFailuresForgotten: this.#strangers.forgotten,
      enrolmentsForgotten: this.#enrolmentsForgotten,
    };
  }

  get setupRequired(): boolean {
    return !this.accounts.hasOwner();
  }

  // ----- enrolment (first-boot setup and invitations) -----

  startEnrolment(body: Record<string, unknown>, remote?: string): Enrolment {
    const code = requireString(body, 'code', 32);
    const invitation = this.#checkCode(code, remote);
    const secret = this.#random.bytes(20);
    this.#pendingSecrets.set(invitation.id, secret);
    while (this.#pendingSecrets.size > MAX_PENDING_ENROLMENTS) {
      this.#pendingSecrets.delete(this.#pendingSecrets.keys().next().value as string);
      this.#enrolmentsForgotten++;
    }
    const label = invitation.name || 'owner';
    const uri = otpauthUri(this.#issuer, label, secret);
    return {
      role: invitation.role,
      name: invitation.name,
      secret: base32Encode(secret),
      otpauthUri: uri,
      qrSvg: qrSvg(uri, `QR code to add ${this.#issuer} to your authenticator app`),
    };
  }

  finishEnrolment(body: Record<string, unknown>, remote?: string): { token: string; session: Session } {
    const code = requireString(body, 'code', 32);
    const password = body.password;
    const passwordProblem = checkPassword(password);
    if (passwordProblem) throw new HttpError(400, 'bad-password', `Choose a better password: ${passwordProblem}.`);
    const totpCode = requireString(body, 'totp', 16);
    const invitation = this.#checkCode(code, remote);
    const name = invitation.name || (typeof body.name === 'string' ? body.name.trim().toLowerCase() : 'owner');
    if (!ACCOUNT_NAME_RULE().test(name)) {
      throw new HttpError(400, 'bad-name', 'The account name must be 1-12 lowercase letters, digits, "-" or "_", starting with a letter.');
    }
    if (this.accounts.get(name)) throw new HttpError(409, 'name-taken', `An account named "${name}" already exists; choose another name.`);
    const secret = this.#pendingSecrets.get(invitation.id);
    if (!secret) throw new HttpError(409, 'enrolment-not-started', 'Start again: enter the code to get a new QR code first.');
    const now = this.#totpTime(body);
    const step = verifyTotp(this.#crypto, secret, totpCode.trim(), now);
    if (step === undefined) {
      this.#throttle.fail('setup');
      this.#emit({ kind: 'setup-failed', name, reason: 'bad-totp', ...(remote ? { remote } : {}) });
      throw new HttpError(400, 'bad-totp', 'The 6-digit code from your authenticator app did not match. Check the phone shows the current code and try again.');
    }
    const wall = this.#clock.wallTime();
    const expiresAt =
      invitation.role === 'installer' && invitation.accessHours !== null && wall !== undefined
        ? wall + invitation.accessHours * 3_600_000
        : null;
    const account = this.accounts.create(name, invitation.role, password as string, secret, expiresAt, step);
    this.accounts.consumeInvitation(invitation.id);
    this.#pendingSecrets.delete(invitation.id);
    this.#throttle.succeed('setup');
    this.#emit({ kind: 'account-created', name, role: account.role, ...(remote ? { remote } : {}) });
    this.#emit({ kind: 'login', name, role: account.role, ...(remote ? { remote } : {}) });
    return this.sessions.open(name, account.role, this.#sessionCap(account));
  }

  // ----- login -----

  login(body: Record<string, unknown>, remote?: string): { token: string; session: Session } {
    const name = requireString(body, 'name', 32).trim().toLowerCase();
    const password = requireString(body, 'password', 256);
    const totpCode = requireString(body, 'totp', 16).trim();
    const key = `u:${name}`;
    const account = this.accounts.get(name);
    const throttle = account ? this.#throttle : this.#strangers;
    const verdict = throttle.check(key);
    if (!verdict.allowed) {
      this.#emit({ kind: 'login-failed', name, reason: 'throttled', ...(remote ? { remote } : {}) });
      throw throttled(verdict.retryAfterMs, verdict.locked);
    }
    let reason: string | undefined;
    if (!account) {
      this.accounts.burnPasswordCheck(password);
      reason = 'unknown-account';
    } else if (!this.accounts.verifyPassword(account, password)) {
      reason = 'bad-password';
    } else if (account.expiresAt !== null && !this.#beforeWall(account.expiresAt)) {
      reason = 'account-expired';
    } else {
      const step = verifyTotp(this.#crypto, fromHex(account.totp), totpCode, this.#totpTime(body), account.lastStep);
      if (step === undefined) reason = 'bad-totp';
      else {
        account.lastStep = step;
        // A hash made with fewer iterations (an older release, or another host's count) is raised now that the password is at hand.
        if (account.iterations < this.accounts.iterations) Object.assign(account, this.accounts.hashPassword(password));
        this.accounts.save(account);
      }
    }
    if (reason !== undefined || !account) {
      const failure = throttle.fail(key);
      this.#emit({ kind: 'login-failed', name, reason: reason ?? 'unknown-account', ...(remote ? { remote } : {}) });
      if (failure.locked) {
        this.#emit({ kind: 'lockout', name, ...(remote ? { remote } : {}) });
        throw throttled(failure.retryAfterMs, true);
      }
      if (reason === 'account-expired') {
        throw new HttpError(403, 'account-expired', 'This installer account has expired. Ask the owner for a new invitation.');
      }
      throw new HttpError(401, 'login-failed', GENERIC_LOGIN_FAILURE, [['Retry-After', String(Math.ceil(failure.retryAfterMs / 1000))]]);
    }
    throttle.succeed(key);
    this.#emit({ kind: 'login', name, role: account.role, ...(remote ? { remote } : {}) });
    return this.sessions.open(name, account.role, this.#sessionCap(account));
  }

  logout(token: string | undefined, session: Session, remote?: string): void {
    this.sessions.close(token);
    this.#emit({ kind: 'logout', name: session.name, role: session.role, ...(remote ? { remote } : {}) });
  }

  /**
   * Changes the logged-in account's password (any role: ETSI EN 303 645
   * 5.1-4). Needs the current password, throttled like a login so the route
   * cannot be used to guess it; on success every other session of the account
   * ends (someone who knew the old password may hold one), this one stays.
   */
  changePassword(body: Record<string, unknown>, session: Session, token: string | undefined, remote?: string): { changed: true; otherSessionsEnded: number } {
    const oldPassword = requireString(body, 'oldPassword', 256);
    const newPassword = body.newPassword;
    const key = `u:${session.name}`;
    const verdict = this.#throttle.check(key);
    if (!verdict.allowed) {
      this.#emit({ kind: 'password-change-failed', name: session.name, role: session.role, reason: 'throttled', ...(remote ? { remote } : {}) });
      throw throttled(verdict.retryAfterMs, verdict.locked);
    }
    const account = this.accounts.get(session.name);
    if (!account) throw new HttpError(404, 'no-such-account', 'This account no longer exists; log in again.');
    if (!this.accounts.verifyPassword(account, oldPassword)) {
      const failure = this.#throttle.fail(key);
      this.#emit({ kind: 'password-change-failed', name: session.name, role: session.role, reason: 'bad-password', ...(remote ? { remote } : {}) });
      if (failure.locked) {
        this.#emit({ kind: 'lockout', name: session.name, ...(remote ? { remote } : {}) });
        throw throttled(failure.retryAfterMs, true);
      }
      throw new HttpError(403, 'bad-old-password', 'The current password is not right; the password was not changed.', [['Retry-After', String(Math.ceil(failure.retryAfterMs / 1000))]]);
    }
    const problem = checkPassword(newPassword);
    if (problem) throw new HttpError(400, 'bad-password', `Choose a better new password: ${problem}.`);
    if (constantTimeEqual(newPassword as string, oldPassword as string)) throw new HttpError(400, 'same-password', 'The new password must differ from the current one.');
    this.#throttle.succeed(key);
    Object.assign(account, this.accounts.hashPassword(newPassword as string));
    this.accounts.save(account);
    const ended = this.sessions.closeAllFor(session.name, token);
    this.#emit({ kind: 'password-changed', name: session.name, role: session.role, ...(remote ? { remote } : {}), reason: `${ended} other session(s) ended` });
    return { changed: true, otherSessionsEnded: ended };
  }

  // ----- accounts (owner only; the router checks the role) -----

  users(): {
    accounts: { name: string; role: Role; expiresAt: string | null }[];
    invitations: { name: string; role: Role; expiresAt: string | null }[];
    limits: ReturnType<WebAuth['counters']>;
  } {
    return {
      limits: this.counters(),
      accounts: this.accounts.list().map((a) => ({ name: a.name, role: a.role, expiresAt: isoOrNull(a.expiresAt) })),
      invitations: this.accounts
        .invitations()
        .filter((i) => i.name !== '')
        .map((i) => ({ name: i.name, role: i.role, expiresAt: isoOrNull(i.expiresAt) })),
    };
  }

  invite(body: Record<string, unknown>, by: Session, remote?: string): { name: string; role: Role; code: string; expiresAt: string; accessHours: number | null } {
    const name = requireString(body, 'name', 32).trim().toLowerCase();
    if (!ACCOUNT_NAME_RULE().test(name)) {
      throw new HttpError(400, 'bad-name', 'The account name must be 1-12 lowercase letters, digits, "-" or "_", starting with a letter.');
    }
    const role = body.role;
    if (role !== 'member' && role !== 'installer') {
      throw new HttpError(400, 'bad-role', 'role must be "member" or "installer" (there is one owner).');
    }
    if (this.accounts.get(name)) throw new HttpError(409, 'name-taken', `An account named "${name}" already exists.`);
    let accessHours: number | null = null;
    if (role === 'installer') {
      const hours = body.accessHours ?? 8;
      if (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 1 || hours > MAX_INSTALLER_HOURS) {
        throw new HttpError(400, 'bad-access-hours', `accessHours must be a whole number of hours from 1 to ${MAX_INSTALLER_HOURS}.`);
      }
      accessHours = hours;
    }
    const wall = this.#clock.wallTime();
    if (wall === undefined) {
      throw new HttpError(503, 'clock-unknown', 'The hub does not know the time yet (no internet time); invitations need it to expire. Try again once the hub is online.');
    }
    const expiresAt = wall + INVITATION_HOURS * 3_600_000;
    const { code } = this.accounts.invite(role, name, expiresAt, accessHours);
    this.#emit({ kind: 'invitation-created', name, role, ...(remote ? { remote } : {}), reason: `by ${by.name}` });
    return { name, role, code, expiresAt: new Date(expiresAt).toISOString(), accessHours };
  }

  removeUser(body: Record<string, unknown>, by: Session, remote?: string): { removed: string } {
    const name = requireString(body, 'name', 32).trim().toLowerCase();
    if (name === by.name) throw new HttpError(409, 'cannot-remove-self', 'You cannot remove your own account while logged in with it.');
    const account = this.accounts.get(name);
    if (!account) throw new HttpError(404, 'no-such-account', `There is no account named "${name}".`);
    this.accounts.remove(name);
    this.sessions.closeAllFor(name);
    this.#emit({ kind: 'account-removed', name, role: account.role, ...(remote ? { remote } : {}), reason: `by ${by.name}` });
    return { removed: name };
  }

  /** For the router: report refusals that belong in the audit log. */
  report(event: AuthEvent): void {
    this.#emit(event);
  }

  // ----- helpers -----

  #checkCode(code: string, remote?: string) {
    const verdict = this.#throttle.check('setup');
    if (!verdict.allowed) throw throttled(verdict.retryAfterMs, verdict.locked);
    const invitation = this.accounts.findInvitation(code, this.#clock.wallTime());
    if (!invitation) {
      const failure = this.#throttle.fail('setup');
      this.#emit({ kind: 'setup-failed', reason: 'bad-code', ...(remote ? { remote } : {}) });
      if (failure.locked) throw throttled(failure.retryAfterMs, true);
      throw new HttpError(401, 'bad-code', 'That code is not valid (or has expired). Setup codes are printed on the hub\'s console at start-up; invitation codes come from the owner.');
    }
    if (invitation.role === 'owner' && this.accounts.hasOwner()) {
      throw new HttpError(409, 'already-set-up', 'This hub already has an owner; log in instead.');
    }
    return invitation;
  }

  /**
   * The time TOTP codes are checked against. Before the hub has learnt the
   * time (offline boot, no SNTP) it accepts the browser's clock, which the
   * replay guard still constrains (see docs/web.md).
   */
  #totpTime(body: Record<string, unknown>): number {
    const wall = this.#clock.wallTime();
    if (wall !== undefined) return wall;
    const client = body.clientTime;
    if (typeof client === 'number' && Number.isFinite(client) && client > 0) return client;
    throw new HttpError(503, 'clock-unknown', 'The hub does not know the time yet, and the page did not send the browser\'s time; reload the page and try again.');
  }

  #beforeWall(deadline: number): boolean {
    const wall = this.#clock.wallTime();
    return wall !== undefined && wall < deadline;
  }

  /** Monotonic time at which a session of this account must end (installer expiry). */
  #sessionCap(account: Account): number {
    if (account.expiresAt === null) return Infinity;
    const wall = this.#clock.wallTime();
    if (wall === undefined) return this.#clock.monotonic();
    return this.#clock.monotonic() + Math.max(0, account.expiresAt - wall);
  }

  #emit(event: AuthEvent): void {
    try {
      this.#onAuthEvent(event);
    } catch (error) {
      // The audit sink failing must not open or close the door; say so on the console.
      this.#log.error('web: onAuthEvent threw', { kind: event.kind, error: String(error) });
    }
  }
}

function throttled(retryAfterMs: number, locked: boolean): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return locked
    ? new HttpError(429, 'locked', `Too many failed attempts: logins for this account are locked for ${Math.ceil(seconds / 60)} minute(s).`, [['Retry-After', String(seconds)]])
    : new HttpError(429, 'too-soon', `Too many failed attempts: wait ${seconds} second(s) before trying again.`, [['Retry-After', String(seconds)]]);
}

function requireString(body: Record<string, unknown>, field: string, maxLength: number): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0) throw new HttpError(400, 'missing-field', `"${field}" is required and must be a non-empty string.`);
  if (value.length > maxLength) throw new HttpError(400, 'field-too-long', `"${field}" must be at most ${maxLength} characters.`);
  return value;
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** One plain-language line for the audit log (the composition root routes events there). */
export function describeAuthEvent(event: AuthEvent): string {
  const who = event.name ? `"${event.name}"` : 'someone';
  const from = event.remote ? ` from ${event.remote}` : '';
  switch (event.kind) {
    case 'setup-code-issued':
      return 'A one-time setup code was printed on the hub console (no owner yet).';
    case 'setup-failed':
      return `Account setup failed${from} (${event.reason ?? 'unknown reason'}).`;
    case 'account-created':
      return `Account ${who} created as ${event.role}${from}.`;
    case 'login':
      return `${who} logged in as ${event.role}${from}.`;
    case 'login-failed':
      return `Failed login for ${who}${from} (${event.reason ?? 'unknown reason'}).`;
    case 'lockout':
      return `Logins for ${who} locked after repeated failures${from}.`;
    case 'logout':
      return `${who} logged out.`;
    case 'session-expired':
      return `A session ended by time-out${from}.`;
    case 'invitation-created':
      return `Invitation created for ${who} as ${event.role} (${event.reason ?? ''}).`;
    case 'account-removed':
      return `Account ${who} removed (${event.reason ?? ''}).`;
    case 'password-changed':
      return `${who} changed their password${from} (${event.reason ?? ''}).`;
    case 'password-change-failed':
      return `A password change for ${who} was refused${from} (${event.reason ?? 'unknown reason'}).`;
    case 'csrf-rejected':
      return `A request by ${who}${from} was refused: missing or wrong CSRF token.`;
    case 'forbidden':
      return `${who} (${event.role}) was refused: ${event.reason ?? 'not allowed'}${from}.`;
  }
}
