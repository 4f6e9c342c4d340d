/**
 * Delivers one integration's records, in order, at least once.
 *
 * It reads the integration's queue oldest first, sends up to a batch at a
 * time through its transport and acknowledges the queue only when the
 * transport confirmed (PUBACK, HTTP 2xx); a failure leaves the records queued
 * and the same range is sent again after a backoff. One message is in flight
 * at a time, so order holds, and every record carries its seq, so a receiver
 * drops the duplicate that follows a lost acknowledgement.
 *
 * Each forwarder runs on its own: its waits are timers and its sends are
 * promises, so a dead endpoint costs the other integrations nothing. Pacing
 * (a token bucket at the contract's rate) keeps a backlog from flooding the
 * uplink after an outage; a circuit breaker per endpoint stops hammering a
 * vendor that is down.
 */
import type { Clock, Logger, Random, TimerHandle, Timers } from '../host.js';
import type { IntegrationQueue, PendingRecord, QueueStats } from '../queue.js';
import type { Stamp } from '../reading.js';
import { Backoff, CircuitBreaker, type BackoffOptions, type BreakerState } from './backoff.js';
import { IntegrationConnectivity, type ConnectivityState } from './connectivity.js';
import type { PlainCbor } from '../pipeline/encode.js';
import { EnvelopeEncoder } from './envelope.js';
import { TokenBucket } from './pacing.js';
import { ServiceLevelMonitor, type ServiceLevelEvent, type ServiceLevelOptions, type ServiceLevelSnapshot } from './service-levels.js';
import type { Claim, SessionCounters } from './sessions.js';
import { StampTime } from './stamp-time.js';
import { checkTerms, type DeliveryTerms } from './terms.js';
import { DELIVERY_ERROR_KINDS, DeliveryError, deliveryErrorKind, type DeliveryErrorKind, type Transport, type TransportState } from './transport.js';

export interface ForwarderOptions {
  /** The hub's id, written into every envelope. */
  hub: string;
  terms: DeliveryTerms;
  queue: IntegrationQueue;
  transport: Transport;
  clock: Clock;
  timers: Timers;
  random: Random;
  /** The endpoint's breaker; share one per endpoint (BreakerRegistry). Default: a private one. */
  breaker?: CircuitBreaker;
  backoff?: BackoffOptions;
  /** Wall-time correction for stamps of an offline boot; share one per hub. */
  stampTime?: StampTime;
  /** The CBOR codec of the envelopes; share one per hub (each costs ~4.7 KB of RAM on XS). Default: a private one. */
  codec?: PlainCbor;
  /** Window and thresholds of the service-level measures. */
  serviceLevels?: Pick<ServiceLevelOptions, 'windowMs' | 'slots' | 'minObservedMs' | 'minLatencySamples'>;
  /** Receives each service-level violation (for the audit log). */
  onServiceLevelEvent?: (event: ServiceLevelEvent) => void;
  /** Each acknowledged message: records and body bytes that left the hub (the outbound volume signal). */
  onDelivered?: (records: number, bytes: number) => void;
  /** How often service levels are evaluated and the queue polled when idle, ms (default 1000). */
  tickMs?: number;
  log?: Logger;
}

export interface ForwarderCounters {
  /** Records acknowledged by the receiver (each counted once). */
  forwarded: number;
  /** Messages acknowledged. */
  messages: number;
  /** Messages sent, acknowledged or not. */
  attempts: number;
  /** Records sent, counting every resend. */
  sentRecords: number;
  /** Records sent again after an attempt that was not acknowledged. */
  retried: number;
  /** Failed attempts by kind. */
  failures: Record<DeliveryErrorKind, number>;
  /** Records whose payload was not valid CBOR (delivered as raw bytes). */
  undecodable: number;
  lastAckedSeq: number | undefined;
  lastDelivery: Stamp | undefined;
  lastError: string | undefined;
}

export interface ForwarderSnapshot {
  integration: string;
  endpoint: string;
  connectivity: ConnectivityState;
  breaker: BreakerState;
  counters: ForwarderCounters;
  buffered: QueueStats;
  /** Age of the oldest undelivered record, ms. */
  oldestAgeMs: number | undefined;
  serviceLevels: ServiceLevelSnapshot;
  /** The lane's hold on its on-demand session (sessions.ts); absent for transports that keep their own connection. */
  session?: SessionCounters;
}

type SleepReason = 'backoff' | 'breaker' | 'pacing' | 'idle';

const DEFAULT_ACK_TIMEOUT_MS = 10_000;
/** The forwarder's own deadline exceeds the transport's, which should fire first. */
const WATCHDOG_GRACE_MS = 2_000;

export class Forwarder {
  readonly integration: string;
  readonly terms: DeliveryTerms;
  readonly connectivity: IntegrationConnectivity;
  readonly serviceLevels: ServiceLevelMonitor;
  readonly breaker: CircuitBreaker;
  readonly #hub: string;
  readonly #queue: IntegrationQueue;
  readonly #transport: Transport;
  /** The transport's on-demand session, when it has one: held while there is something to send. */
  readonly #claim: Claim | undefined;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #backoff: Backoff;
  readonly #bucket: TokenBucket;
  readonly #stampTime: StampTime;
  readonly #encoder: EnvelopeEncoder;
  readonly #tickMs: number;
  readonly #ackTimeoutMs: number;
  readonly #log: Logger | undefined;
  readonly #onDelivered: ((records: number, bytes: number) => void) | undefined;
  readonly #counters: ForwarderCounters;
  #running = false;
  #busy = false;
  #pumpDone: Promise<void> = Promise.resolve();
  #sleep: { handle: TimerHandle; reason: SleepReason } | undefined;
  #tick: TimerHandle | undefined;
  #unsubscribe: (() => void)[] = [];
  #ackedSeq: number | undefined;
  #connectingSince = 0;
  /** When the lane asked for its session for the batch about to go: the latency counts the wait and the connect. */
  #askedAt: number | undefined;
  #sentUpTo = -Infinity;
  #batchLimit: number;
  #idleWaiters: (() => void)[] = [];
  /** Abandons the attempt in flight (on stop): its outcome no longer matters, the records stay queued. */
  #abandon: (() => void) | undefined;

  constructor(options: ForwarderOptions) {
    this.terms = checkTerms(options.terms);
    this.integration = this.terms.integration;
    this.#hub = options.hub;
    this.#queue = options.queue;
    this.#transport = options.transport;
    this.#claim = options.transport.session;
    this.#clock = options.clock;
    this.#timers = options.timers;
    this.#log = options.log;
    this.#onDelivered = options.onDelivered;
    this.#backoff = new Backoff(options.random, options.backoff);
    this.breaker = options.breaker ?? new CircuitBreaker(options.transport.endpoint, options.clock);
    this.#batchLimit = this.terms.batchSize;
    // Default burst: a batch, or 100 ms worth of the rate if larger (timers tick in whole ms, so
    // a bucket smaller than that would put a timer wait between batches at high rates).
    const burst = this.terms.burstRecords ?? Math.ceil(this.terms.maxRecordsPerSecond / 10);
    this.#bucket = new TokenBucket(options.clock, this.terms.maxRecordsPerSecond, Math.max(this.terms.batchSize, burst));
    this.#stampTime = options.stampTime ?? new StampTime(options.clock);
    this.#encoder = new EnvelopeEncoder(this.#hub, this.terms.format, (stamp) => this.#stampTime.wallOf(stamp), options.codec);
    this.#tickMs = options.tickMs ?? 1000;
    this.#ackTimeoutMs = this.terms.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.connectivity = new IntegrationConnectivity(this.integration, options.transport.scope, options.transport.state());
    this.serviceLevels = new ServiceLevelMonitor({
      ...options.serviceLevels,
      integration: this.integration,
      promised: this.terms.promised,
      clock: options.clock,
      now: () => this.#stampTime.now(),
      onViolation: (event) => {
        this.#log?.warn('service level violated', { integration: event.integration, kind: event.kind, observed: event.observed, promised: event.promised });
        options.onServiceLevelEvent?.(event);
      },
    });
    this.#counters = {
      forwarded: 0,
      messages: 0,
      attempts: 0,
      sentRecords: 0,
      retried: 0,
      failures: Object.fromEntries(DELIVERY_ERROR_KINDS.map((kind) => [kind, 0])) as Record<DeliveryErrorKind, number>,
      undecodable: 0,
      lastAckedSeq: undefined,
      lastDelivery: undefined,
      lastError: undefined,
    };
  }

  /** Starts delivering; returns at once (delivery runs on timers and promises). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = [
      this.#transport.onStateChange((state) => this.#onTransportState(state)),
      this.breaker.onStateChange((state) => {
        this.connectivity.breakerState(state);
        if (state === 'closed') this.#wake('breaker');
      }),
    ];
    this.connectivity.breakerState(this.breaker.state);
    this.#connectingSince = this.#clock.monotonic();
    this.#onTransportState(this.#transport.state());
    this.#tick = this.#timers.repeat(() => this.#onTick(), this.#tickMs);
    this.#kick();
  }

  /** New records were appended to the queue: deliver them when possible. */
  notify(): void {
    if (this.#sleep?.reason === 'idle') this.#wake('idle');
    else this.#kick();
  }

  /** Stops delivering; resolves once the attempt in flight (if any) settled. Records stay queued. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#timers.clear(this.#tick);
    this.#tick = undefined;
    this.#clearSleep();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#abandon?.();
    this.#claim?.release(); // also ends a wait for a slot
    await this.#pumpDone;
    this.#resolveIdle();
  }

  /** Resolves when nothing is waiting to be delivered (or the forwarder stopped). For tests and shutdown. */
  whenIdle(): Promise<void> {
    if (!this.#running || (!this.#busy && this.#queue.pending(this.integration, 1, this.#ackedSeq).length === 0)) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  get counters(): Readonly<ForwarderCounters> {
    return this.#counters;
  }

  snapshot(): ForwarderSnapshot {
    const buffered = this.#queue.stats(this.integration);
    return {
      integration: this.integration,
      endpoint: this.#transport.endpoint,
      connectivity: this.connectivity.state,
      breaker: this.breaker.state,
      counters: { ...this.#counters, failures: { ...this.#counters.failures } },
      buffered,
      oldestAgeMs: buffered.oldestStamp ? this.#stampTime.ageMs(buffered.oldestStamp) : undefined,
      serviceLevels: this.serviceLevels.snapshot(),
      ...(this.#claim ? { session: this.#claim.counters() } : {}),
    };
  }

  #onTransportState(state: TransportState): void {
    if (state === 'connecting' && this.connectivity.transport !== 'connecting') this.#connectingSince = this.#clock.monotonic();
    this.connectivity.transportState(state);
    if (state === 'connected') {
      this.serviceLevels.endpointUp(true);
      // A fresh connection is better news than any backoff: try now.
      if (this.#sleep?.reason === 'backoff') this.#wake('backoff');
    } else if (state === 'disconnected') {
      this.serviceLevels.endpointUp(false);
    }
  }

  #onTick(): void {
    this.#stampTime.learn();
    const stats = this.#queue.stats(this.integration);
    this.serviceLevels.evaluate(stats.oldestStamp && stats.records > 0 ? this.#stampTime.ageMs(stats.oldestStamp) : undefined);
    if (this.#sleep?.reason === 'idle' || (!this.#sleep && !this.#busy)) this.#wake('idle');
  }

  #kick(): void {
    if (!this.#running || this.#busy || this.#sleep) return;
    this.#busy = true;
    // In a microtask of its own, not on the caller's stack: a reading's accept path (broker client,
    // source, pipeline, seal, log) would otherwise carry the whole send path (envelope, the vendor's
    // client, the socket) on top of it, and that depth is what sizes the board's XS stack.
    this.#pumpDone = Promise.resolve().then(() => this.#pump()).then(
      () => {
        this.#busy = false;
      },
      (error: unknown) => {
        // A bug in a collaborator (queue, encoder): keep the records, try again later.
        this.#busy = false;
        this.#counters.lastError = `internal: ${(error as Error)?.message ?? String(error)}`;
        this.#log?.error('forwarder failed; will retry', { integration: this.integration, error: this.#counters.lastError });
        this.#sleepFor(this.#backoff.next(), 'backoff');
      },
    );
  }

  #wake(reason: SleepReason): void {
    if (this.#sleep && this.#sleep.reason !== reason) return;
    this.#clearSleep();
    this.#kick();
  }

  #sleepFor(ms: number, reason: SleepReason): void {
    if (!this.#running) return;
    this.#clearSleep();
    const handle = this.#timers.set(() => {
      if (this.#sleep?.handle !== handle) return;
      this.#sleep = undefined;
      this.#kick();
    }, ms);
    this.#sleep = { handle, reason };
  }

  #clearSleep(): void {
    if (this.#sleep) this.#timers.clear(this.#sleep.handle);
    this.#sleep = undefined;
  }

  #resolveIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async #pump(): Promise<void> {
    while (this.#running) {
      // A transport still opening its own session would fail the attempt at once:
      // wait for it (woken by 'connected'), but not longer than an ack timeout.
      // (An on-demand session is opened by the acquire below instead.)
      if (!this.#claim && this.#transport.state() === 'connecting') {
        const waited = this.#clock.monotonic() - this.#connectingSince;
        if (waited < this.#ackTimeoutMs) return this.#sleepFor(this.#ackTimeoutMs - waited, 'backoff');
      }
      const claim = this.#claim;
      const blocked = this.breaker.waitMs();
      if (blocked > 0) {
        claim?.release();
        this.#askedAt = undefined;
        return this.#sleepFor(blocked, 'breaker');
      }
      const batch = this.#nextBatch();
      if (batch.length === 0) {
        claim?.release(); // nothing to send: the session may close when idle
        this.#askedAt = undefined;
        this.#resolveIdle();
        return this.#sleepFor(this.#tickMs, 'idle');
      }
      const paced = this.#bucket.waitMs(batch.length);
      if (paced > 0) {
        if (claim?.shouldYield()) claim.release();
        return this.#sleepFor(paced, 'pacing');
      }
      if (claim && !claim.held) {
        // Something to send: open (or join) the endpoint's session, waiting for a slot if the cap is reached.
        const asked = this.#clock.monotonic();
        try {
          await claim.acquire();
        } catch (error) {
          if (!this.#running) return;
          const kind = deliveryErrorKind(error);
          if (kind === 'closed') continue; // closed under it (handed over, shut down): ask again
          this.#failed(kind, error, batch[0]!.seq, batch[batch.length - 1]!.seq);
          return this.#sleepFor(Math.max(this.#backoff.next(), this.breaker.waitMs()), 'backoff');
        }
        if (!this.#running) return claim.release();
        this.#askedAt = asked;
        continue; // time passed: look at the breaker, the queue and the pace again
      }
      if (!this.breaker.tryAcquire()) return this.#sleepFor(Math.max(1, this.breaker.waitMs()), 'breaker');
      this.#bucket.take(batch.length);
      const failure = await this.#deliver(batch);
      if (failure) {
        claim?.release(); // the next attempt opens a fresh session
        return this.#sleepFor(Math.max(this.#backoff.next(), this.breaker.waitMs()), 'backoff');
      }
      if (claim?.shouldYield()) claim.release(); // lanes of other endpoints wait: their turn
    }
  }

  #nextBatch(): PendingRecord[] {
    const batch = this.#queue.pending(this.integration, this.#batchLimit, this.#ackedSeq);
    const maxBytes = this.terms.maxBatchBytes;
    if (maxBytes === undefined) return batch;
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      bytes += batch[i]!.payload.length;
      if (bytes > maxBytes) return batch.slice(0, Math.max(1, i));
    }
    return batch;
  }

  /** Sends one batch; returns the failure kind, or undefined when acknowledged. */
  async #deliver(batch: PendingRecord[]): Promise<DeliveryErrorKind | undefined> {
    const firstSeq = batch[0]!.seq;
    const lastSeq = batch[batch.length - 1]!.seq;
    const encoded = this.#encoder.encode(this.integration, batch);
    const c = this.#counters;
    c.attempts++;
    c.sentRecords += batch.length;
    for (const record of batch) if (record.seq <= this.#sentUpTo) c.retried++;
    for (const seq of encoded.undecodableSeqs) if (seq > this.#sentUpTo) c.undecodable++;
    this.#sentUpTo = Math.max(this.#sentUpTo, lastSeq);
    // Honest latency: from the moment the lane asked for its session (waiting for a slot, connecting) to the ack.
    const started = this.#askedAt ?? this.#clock.monotonic();
    this.#askedAt = undefined;
    try {
      await this.#sendWithWatchdog({ integration: this.integration, firstSeq, lastSeq, body: encoded.body, contentType: encoded.contentType });
    } catch (error) {
      const kind = deliveryErrorKind(error);
      if (!this.#running) return kind; // abandoned by stop(): not the endpoint's fault
      if (kind === 'tooLarge') this.#batchLimit = Math.max(1, this.#batchLimit >> 1);
      this.#failed(kind, error, firstSeq, lastSeq);
      return kind;
    }
    try {
      this.#queue.acknowledge(this.integration, lastSeq);
    } catch (error) {
      // The receiver has the records; the log could not mark them. They will be
      // sent again (a duplicate the receiver drops), never lost.
      this.#log?.error('queue refused an acknowledgement', { integration: this.integration, seq: lastSeq, error: (error as Error)?.message });
    }
    const wasReachable = this.connectivity.reachable;
    this.#ackedSeq = lastSeq;
    c.forwarded += batch.length;
    c.messages++;
    c.lastAckedSeq = lastSeq;
    c.lastDelivery = this.#stampTime.now();
    this.#backoff.reset();
    this.breaker.success();
    this.connectivity.attempt(true);
    this.serviceLevels.endpointUp(true);
    this.serviceLevels.ackLatency(this.#clock.monotonic() - started);
    if (this.#batchLimit < this.terms.batchSize) this.#batchLimit = Math.min(this.terms.batchSize, this.#batchLimit * 2);
    try {
      this.#onDelivered?.(batch.length, encoded.body.length);
    } catch (error) {
      this.#log?.error('onDelivered failed', { integration: this.integration, error: (error as Error)?.message });
    }
    if (wasReachable === false) this.#log?.info('delivery recovered', { integration: this.integration, seq: lastSeq });
    return undefined;
  }

  /** An attempt (a send, or opening the session for one) failed: the records stay queued. */
  #failed(kind: DeliveryErrorKind, error: unknown, firstSeq: number, lastSeq: number): void {
    const c = this.#counters;
    c.failures[kind]++;
    c.lastError = (error as Error)?.message ?? String(error);
    const wasReachable = this.connectivity.reachable !== false;
    this.breaker.failure();
    this.connectivity.attempt(false);
    this.serviceLevels.endpointUp(false);
    if (wasReachable) this.#log?.warn('delivery failed; records stay buffered', { integration: this.integration, kind, firstSeq, lastSeq });
  }

  #sendWithWatchdog(message: Parameters<Transport['send']>[0]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      this.#abandon = () => {
        if (settled) return;
        settled = true;
        this.#timers.clear(watchdog);
        reject(new DeliveryError('closed', 'forwarder stopped'));
      };
      const watchdog = this.#timers.set(() => {
        if (settled) return;
        settled = true;
        reject(new DeliveryError('timeout', `no acknowledgement from ${this.#transport.endpoint} within ${this.#ackTimeoutMs + WATCHDOG_GRACE_MS} ms`));
      }, this.#ackTimeoutMs + WATCHDOG_GRACE_MS);
      let sending: Promise<void>;
      try {
        sending = this.#transport.send(message, { timeoutMs: this.#ackTimeoutMs });
      } catch (error) {
        sending = Promise.reject(error);
      }
      sending.then(
        () => {
          if (settled) return;
          settled = true;
          this.#timers.clear(watchdog);
          resolve();
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          this.#timers.clear(watchdog);
          reject(error);
        },
      );
    });
  }
}
