/**
 * Connections on demand (issue #19). On an ESP32 without PSRAM each TLS
 * session costs 20–40 KB of RAM, so the hub opens a connection to an
 * endpoint only while a lane has something to send, shares it among the
 * lanes of that endpoint (same broker or server and credentials), closes it
 * once it has been idle for `idleMs`, and keeps at most `maxSessions` open
 * at once (the board profile's TLS budget).
 *
 * When the cap is reached a lane waits its turn in one first-come queue,
 * never drops anything: its records stay buffered. An idle session gives
 * its slot to the first waiter at once; a busy one after `turnMs` (its lanes
 * release after their current message), so a backlog on one endpoint cannot
 * starve the others. The home broker's connection is not a lane and is not
 * counted here (docs/esp32.md counts it in the TLS budget).
 *
 * The host supplies the connection itself (a SessionLink: an MQTT client, an
 * HTTPS socket); this file decides when it is open.
 */
import type { Clock, TimerHandle, Timers } from '../host.js';
import { DeliveryError, StateListeners, type TransportState } from './transport.js';

export interface SessionOptions {
  /** Sessions open at once, over every endpoint (default: no cap). */
  maxSessions?: number;
  /** Close a session this long after its last lane let go, ms (default 30 000). */
  idleMs?: number;
  /** While other endpoints wait for a slot, a busy session is handed over after this long, ms (default 10 000). */
  turnMs?: number;
  /** Give up opening after this long, ms (default 15 000; a TLS handshake on an ESP32 takes 1–2 s). */
  connectTimeoutMs?: number;
}

export const SESSION_DEFAULTS = Object.freeze({ idleMs: 30_000, turnMs: 10_000, connectTimeoutMs: 15_000 });


/** A host's connection to one endpoint. */
export interface SessionLink {
  /**
   * Opens the connection; resolves once messages can go (MQTT: after CONNACK
   * and the command subscription). Rejects with a DeliveryError. `lost` is
   * called when an open connection drops by itself.
   */
  open(lost: (reason: string) => void): Promise<void>;
  /** Closes it (idle, handed over, shutdown); resolves once its memory is free. */
  close(): Promise<void>;
}

/** A lane's view of its session, as the page and the state document show it. */
export type SessionState = 'open' | 'opening' | 'closed' | 'waiting_for_session';

export interface SessionCounters {
  state: SessionState;
  /** Times this lane had to queue for a slot (the cap was reached). */
  waits: number;
  /** Total time spent queued, ms. */
  waitedMs: number;
}

export interface SessionPoolStats {
  /** Sessions open (or opening, or closing) now. */
  open: number;
  /** The most ever open at once: never above `maxSessions`. */
  maxOpen: number;
  maxSessions: number;
  /** Lanes queued for a slot now. */
  waiting: number;
  opened: number;
  /** Closed after `idleMs` with nothing to send. */
  idleClosed: number;
  /** Closed early to give the slot to a lane of another endpoint. */
  handedOver: number;
  /** Opens that failed (unreachable, refused, timed out). */
  failed: number;
  /** Dropped by the network or the peer while open. */
  lost: number;
}

type Phase = 'closed' | 'opening' | 'open' | 'closing';

interface Pending {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: DeliveryError) => void;
}

class Session {
  readonly key: string;
  readonly link: SessionLink;
  phase: Phase = 'closed';
  readonly holders = new Set<Claim>();
  /** Claims attached (lanes whose transport uses this session); the session goes when the last detaches. */
  attached = 0;
  /** The lanes attached, for `renew`: bounded by the integrations of this endpoint. */
  readonly lanes = new Set<string>();
  turnStart = 0;
  idleTimer: TimerHandle | undefined;
  /** The endpoint's health for Transport.state(): `connected` until an open fails or a session drops. */
  health: TransportState = 'connected';
  readonly states = new StateListeners();

  constructor(key: string, link: SessionLink) {
    this.key = key;
    this.link = link;
  }

  setHealth(state: TransportState): void {
    if (state === this.health) return;
    this.health = state;
    this.states.emit(state);
  }
}

/** One lane's hold on the session of its endpoint (`L`: the host's link type). */
export class Claim<L extends SessionLink = SessionLink> {
  readonly lane: string;
  readonly #pool: SessionPool;
  readonly session: Session;
  pending: Pending | undefined;
  waitingSince: number | undefined;
  waits = 0;
  waitedMs = 0;

  constructor(pool: SessionPool, session: Session, lane: string) {
    this.#pool = pool;
    this.session = session;
    this.lane = lane;
  }

  get key(): string {
    return this.session.key;
  }

  /** The host's connection, shared with the other lanes of this endpoint. */
  get link(): L {
    return this.session.link as L; // one key, one link, built by the same host code
  }

  /** The lane holds the session (open, or being opened for it). */
  get held(): boolean {
    return this.session.holders.has(this);
  }

  /** The lane is queued for a slot. */
  get waiting(): boolean {
    return this.waitingSince !== undefined;
  }

  /**
   * Resolves once the session is open for this lane; rejects with the
   * DeliveryError when it could not be opened, or with kind `closed` when
   * the lane let go (`release`) before it was its turn.
   */
  acquire(): Promise<void> {
    return this.#pool.acquire(this);
  }

  /** Done for now: nothing to send, a failed attempt, or its turn is over. Also cancels a wait. */
  release(): void {
    this.#pool.release(this);
  }

  /** Lanes of other endpoints wait and this session had its turn: release after the current message. */
  shouldYield(): boolean {
    return this.#pool.shouldYield(this);
  }

  /** Opens the session once and lets go (a command channel collects what its broker kept). */
  visit(): void {
    this.#pool.visit(this.session);
  }

  state(): TransportState {
    return this.session.health;
  }

  onStateChange(listener: (state: TransportState) => void): () => void {
    return this.session.states.add(listener);
  }

  counters(): SessionCounters {
    const phase = this.session.phase;
    const state: SessionState = this.waiting ? 'waiting_for_session' : !this.held ? 'closed' : phase === 'open' ? 'open' : 'opening';
    return { state, waits: this.waits, waitedMs: this.waitedMs };
  }

  /** The lane's transport closed: leaves the session (closed with its last lane). */
  detach(): Promise<void> {
    return this.#pool.detach(this);
  }
}

export class SessionPool {
  readonly maxSessions: number;
  readonly idleMs: number;
  readonly turnMs: number;
  readonly connectTimeoutMs: number;
  readonly #clock: Clock;
  readonly #timers: Timers;
  /** One per endpoint key: bounded by the integrations configured. */
  readonly #sessions = new Map<string, Session>();
  /** Sessions `renew` took out of `#sessions`, until their last lane detaches. */
  readonly #retired = new Set<Session>();
  /** First come, first served; at most one entry per lane. */
  readonly #queue: Claim[] = [];
  #open = 0;
  readonly #stats = { maxOpen: 0, opened: 0, idleClosed: 0, handedOver: 0, failed: 0, lost: 0 };
  #closed = false;

  constructor(options: SessionOptions, powers: { clock: Clock; timers: Timers }) {
    const max = options.maxSessions ?? Infinity;
    if (!(max >= 1)) throw new RangeError(`sessions: maxSessions must be at least 1 (got ${max})`);
    this.maxSessions = max;
    this.idleMs = nonNegative('idleMs', options.idleMs ?? SESSION_DEFAULTS.idleMs);
    this.turnMs = nonNegative('turnMs', options.turnMs ?? SESSION_DEFAULTS.turnMs);
    this.connectTimeoutMs = nonNegative('connectTimeoutMs', options.connectTimeoutMs ?? SESSION_DEFAULTS.connectTimeoutMs);
    this.#clock = powers.clock;
    this.#timers = powers.timers;
  }

  /**
   * A lane's claim on the session for `key` (what makes two lanes share one
   * connection: same scheme, host, port and credentials). `link` builds the
   * host's connection the first time the key is seen.
   */
  claim<L extends SessionLink>(key: string, lane: string, link: () => L): Claim<L> {
    let session = this.#sessions.get(key);
    if (!session) {
      session = new Session(key, link());
      this.#sessions.set(key, session);
    }
    session.attached++;
    session.lanes.add(lane);
    return new Claim<L>(this, session, lane);
  }

  /**
   * The lane's transport is being built again (the owner replaced its
   * credential): its next claim gets a new link, built with what the host
   * reads now, instead of the session that opened with the old credential.
   * That one closes once its last lane detaches. A lane with no session yet: nothing to do.
   */
  renew(lane: string): void {
    for (const [key, session] of this.#sessions) {
      if (!session.lanes.has(lane)) continue;
      this.#sessions.delete(key);
      this.#retired.add(session);
    }
  }

  stats(): SessionPoolStats {
    return { open: this.#open, maxSessions: this.maxSessions, waiting: this.#queue.length, ...this.#stats };
  }

  /** Closes every session (shutdown); claims fail from now on. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const claim of this.#queue.splice(0)) this.#stopWaiting(claim, new DeliveryError('closed', 'the hub is stopping'));
    await Promise.all([...this.#sessions.values(), ...this.#retired].map((s) => (s.phase === 'open' || s.phase === 'opening' ? this.#close(s, 'shutdown') : Promise.resolve())));
  }

  // acquire, release, shouldYield, visit, detach: what a Claim asks of its pool (lanes use the Claim).

  acquire(claim: Claim): Promise<void> {
    if (claim.pending) return claim.pending.promise;
    const s = claim.session;
    if (this.#closed) return Promise.reject(new DeliveryError('unreachable', 'the hub is stopping'));
    if (claim.held && s.phase === 'open') return Promise.resolve();
    if (s.phase === 'open' && !(this.#contended(s) && this.#turnOver(s))) {
      this.#hold(s, claim);
      return Promise.resolve();
    }
    const promise = this.#pendingPromise(claim);
    if (s.phase === 'opening') {
      s.holders.add(claim);
    } else {
      this.#queue.push(claim);
      claim.waitingSince = this.#clock.monotonic();
      this.#grant();
      if (claim.waiting) claim.waits++; // still queued: the cap holds it back
    }
    return promise;
  }

  release(claim: Claim): void {
    const s = claim.session;
    if (claim.waiting) {
      this.#queue.splice(this.#queue.indexOf(claim), 1);
      this.#stopWaiting(claim, new DeliveryError('closed', 'the lane stopped waiting for its session'));
      return;
    }
    if (!s.holders.delete(claim)) return;
    if (claim.pending) {
      const pending = claim.pending;
      claim.pending = undefined;
      pending.reject(new DeliveryError('closed', 'the lane let go of its session before it opened'));
    }
    if (s.holders.size === 0 && s.phase === 'open') this.#idle(s);
  }

  shouldYield(claim: Claim): boolean {
    const s = claim.session;
    return claim.held && s.phase === 'open' && this.#contended(s) && this.#turnOver(s);
  }

  visit(session: Session): void {
    if (this.#closed || session.phase === 'open' || session.phase === 'opening') return;
    const claim = new Claim(this, session, '(visit)');
    claim.acquire().then(
      () => claim.release(),
      () => undefined,
    );
  }

  async detach(claim: Claim): Promise<void> {
    this.release(claim);
    const s = claim.session;
    s.lanes.delete(claim.lane);
    if (--s.attached > 0) return;
    if (this.#sessions.get(s.key) === s) this.#sessions.delete(s.key);
    this.#retired.delete(s);
    if (s.phase === 'open' || s.phase === 'opening') await this.#close(s, 'shutdown');
  }

  #pendingPromise(claim: Claim): Promise<void> {
    let resolve!: () => void;
    let reject!: (error: DeliveryError) => void;
    const promise = new Promise<void>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    claim.pending = { promise, resolve, reject };
    return promise;
  }

  #hold(s: Session, claim: Claim): void {
    this.#timers.clear(s.idleTimer);
    s.idleTimer = undefined;
    s.holders.add(claim);
  }

  #stopWaiting(claim: Claim, error?: DeliveryError): void {
    if (claim.waitingSince !== undefined) claim.waitedMs += this.#clock.monotonic() - claim.waitingSince;
    claim.waitingSince = undefined;
    if (error && claim.pending) {
      const pending = claim.pending;
      claim.pending = undefined;
      pending.reject(error);
    }
  }

  /** Lanes of another endpoint are queued. */
  #contended(s: Session): boolean {
    return this.#queue.some((c) => c.session !== s);
  }

  #turnOver(s: Session): boolean {
    return this.#clock.monotonic() - s.turnStart >= this.turnMs;
  }

  /** Serves the queue in order while slots allow. */
  #grant(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      const first = this.#queue[0]!;
      const s = first.session;
      if (s.phase === 'closing') return; // its slot comes back when the close completes
      if (s.phase === 'open' || s.phase === 'opening') {
        // Its own session is (still) open: it is this lane's turn, so it joins, and the turn starts again.
        this.#queue.shift();
        this.#stopWaiting(first);
        if (s.phase === 'open') {
          s.turnStart = this.#clock.monotonic();
          this.#hold(s, first);
          const pending = first.pending;
          first.pending = undefined;
          pending?.resolve();
        } else {
          s.holders.add(first);
        }
        continue;
      }
      if (this.#open >= this.maxSessions) {
        this.#freeASlot();
        return;
      }
      // Every queued lane of this endpoint shares the session being opened.
      for (let i = 0; i < this.#queue.length; ) {
        const c = this.#queue[i]!;
        if (c.session !== s) {
          i++;
          continue;
        }
        this.#queue.splice(i, 1);
        this.#stopWaiting(c);
        s.holders.add(c);
      }
      this.#openSession(s);
    }
  }

  /** The cap is reached and a lane waits: close an idle session, if there is one. */
  #freeASlot(): void {
    for (const s of [...this.#retired, ...this.#sessions.values()]) {
      if (s.phase === 'open' && s.holders.size === 0) {
        this.#stats.handedOver++;
        void this.#close(s, 'handover');
        return;
      }
    }
    // Every open session is in use: its lanes release when their turn is over (shouldYield).
  }

  #openSession(s: Session): void {
    s.phase = 'opening';
    this.#open++;
    this.#stats.opened++;
    if (this.#open > this.#stats.maxOpen) this.#stats.maxOpen = this.#open;
    if (s.health !== 'connected') s.setHealth('connecting');
    let settled = false;
    const timeout = this.#timers.set(() => {
      if (settled) return;
      settled = true;
      if (s.phase !== 'opening') return;
      void s.link.close().catch(() => undefined).then(() => this.#openFailed(s, new DeliveryError('unreachable', `no session with ${s.key} within ${this.connectTimeoutMs} ms`)));
    }, this.connectTimeoutMs);
    let opening: Promise<void>;
    try {
      opening = s.link.open((reason) => this.#lost(s, reason));
    } catch (error) {
      opening = Promise.reject(error);
    }
    opening.then(
      () => {
        if (settled) return;
        settled = true;
        this.#timers.clear(timeout);
        if (s.phase !== 'opening') return void s.link.close().catch(() => undefined); // closed (shutdown) while it opened
        s.phase = 'open';
        s.turnStart = this.#clock.monotonic();
        s.setHealth('connected');
        for (const claim of [...s.holders]) {
          const pending = claim.pending;
          claim.pending = undefined;
          pending?.resolve();
        }
        if (s.holders.size === 0) this.#idle(s);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        this.#timers.clear(timeout);
        if (s.phase !== 'opening') return;
        this.#openFailed(s, error instanceof DeliveryError ? error : new DeliveryError('unreachable', String((error as Error)?.message ?? error)));
      },
    );
  }

  #openFailed(s: Session, error: DeliveryError): void {
    s.phase = 'closed';
    this.#open--;
    this.#stats.failed++;
    s.setHealth('disconnected');
    for (const claim of [...s.holders]) {
      s.holders.delete(claim);
      const pending = claim.pending;
      claim.pending = undefined;
      pending?.reject(error);
    }
    this.#grant();
  }

  #lost(s: Session, _reason: string): void {
    if (s.phase !== 'open') return; // a close of ours, or an open that is failing (it rejects)
    s.phase = 'closed';
    this.#open--;
    this.#stats.lost++;
    this.#timers.clear(s.idleTimer);
    s.idleTimer = undefined;
    // The lanes' sends in flight fail on their own; their next attempt opens the session again.
    s.holders.clear();
    s.setHealth('disconnected');
    this.#grant();
  }

  /** The last lane let go: hand the slot over at once if someone waits for one, else close after `idleMs`. */
  #idle(s: Session): void {
    if (this.#queue.length > 0) {
      this.#grant(); // a queued lane of this endpoint joins, or this idle session is handed over
      if (s.holders.size > 0 || s.phase !== 'open') return;
    }
    this.#timers.clear(s.idleTimer);
    s.idleTimer = this.#timers.set(() => {
      s.idleTimer = undefined;
      if (s.phase !== 'open' || s.holders.size > 0) return;
      this.#stats.idleClosed++;
      void this.#close(s, 'idle');
    }, this.idleMs);
  }

  async #close(s: Session, _why: 'idle' | 'handover' | 'shutdown'): Promise<void> {
    this.#timers.clear(s.idleTimer);
    s.idleTimer = undefined;
    const wasOpen = s.phase === 'open' || s.phase === 'opening';
    s.phase = 'closing';
    for (const claim of [...s.holders]) {
      s.holders.delete(claim);
      const pending = claim.pending;
      claim.pending = undefined;
      pending?.reject(new DeliveryError('closed', `the session with ${s.key} closed`));
    }
    try {
      await s.link.close();
    } catch {
      // closed either way: the memory is what matters
    }
    s.phase = 'closed';
    if (wasOpen) this.#open--;
    this.#grant();
  }
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0)) throw new RangeError(`sessions: ${name} must be 0 or more ms (got ${value})`);
  return value;
}
