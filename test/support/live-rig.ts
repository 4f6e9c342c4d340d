/**
 * Real-time plumbing for the node fault suites: Node's clock and timers, the
 * in-memory queue fixture, and a wrapper that records every attempt a
 * forwarder made and how it ended, so a test can tell whether a duplicate
 * followed a failed attempt.
 */
import { randomBytes } from 'node:crypto';
import { encode } from 'cbor-x';
import { Forwarder } from '../../modules/forward/forwarder.js';
import { BreakerRegistry } from '../../modules/forward/backoff.js';
import { StampTime } from '../../modules/forward/stamp-time.js';
import type { DeliveryTerms } from '../../modules/forward/terms.js';
import type { OutboundMessage, SendOptions, Transport, TransportState } from '../../modules/forward/transport.js';
import { deliveryErrorKind } from '../../modules/forward/transport.js';
import type { Clock } from '../../modules/host.js';
import { nodeTimers } from '../../hosts/node/host.js';
import { MemoryQueue } from './memory-queue.js';

export interface Attempt {
  firstSeq: number;
  lastSeq: number;
  outcome: 'ack' | string;
}

/** Wraps a transport and records each attempt's range and outcome. */
export class RecordingTransport implements Transport {
  readonly attempts: Attempt[] = [];
  readonly states: TransportState[] = [];
  readonly inner: Transport;

  constructor(inner: Transport) {
    this.inner = inner;
    inner.onStateChange((s) => this.states.push(s));
  }

  get endpoint(): string {
    return this.inner.endpoint;
  }
  get scope() {
    return this.inner.scope;
  }
  state(): TransportState {
    return this.inner.state();
  }
  onStateChange(listener: (state: TransportState) => void): () => void {
    return this.inner.onStateChange(listener);
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  async send(message: OutboundMessage, options: SendOptions): Promise<void> {
    const attempt: Attempt = { firstSeq: message.firstSeq, lastSeq: message.lastSeq, outcome: 'pending' };
    this.attempts.push(attempt);
    try {
      await this.inner.send(message, options);
      attempt.outcome = 'ack';
    } catch (error) {
      attempt.outcome = deliveryErrorKind(error);
      throw error;
    }
  }

  /** Seqs covered by attempts that were not acknowledged: the only ones allowed to arrive twice. */
  unacknowledgedSeqs(): Set<number> {
    const seqs = new Set<number>();
    for (const a of this.attempts) if (a.outcome !== 'ack') for (let s = a.firstSeq; s <= a.lastSeq; s++) seqs.add(s);
    return seqs;
  }
}

export function liveClock(): Clock {
  const start = performance.now();
  return Object.freeze({ bootCount: 1, wallTime: () => Date.now(), monotonic: () => Math.floor(performance.now() - start) });
}

export class LiveRig {
  readonly clock = liveClock();
  readonly queue = new MemoryQueue();
  readonly stampTime = new StampTime(this.clock);
  readonly breakers = new BreakerRegistry(this.clock, { failureThreshold: 5, openMs: 300, maxOpenMs: 1000 });
  readonly forwarders: Forwarder[] = [];

  append(integration: string, count: number): void {
    for (let i = 0; i < count; i++) this.queue.append(integration, encode({ dev: 'p1', w: i % 1000, t: 'x'.repeat(16) }), this.stampTime.now());
  }

  forwarder(transport: Transport, terms: Partial<DeliveryTerms> & { integration: string }): Forwarder {
    const f = new Forwarder({
      hub: 'hub-test',
      terms: {
        endpoint: transport.endpoint,
        format: 'cbor',
        batchSize: 10,
        maxRecordsPerSecond: 100_000,
        ackTimeoutMs: 400,
        promised: {},
        ...terms,
      },
      queue: this.queue,
      transport,
      clock: this.clock,
      timers: nodeTimers,
      random: { bytes: (n) => new Uint8Array(randomBytes(n)) },
      stampTime: this.stampTime,
      breaker: this.breakers.for(transport.endpoint),
      backoff: { baseMs: 50, maxMs: 400 },
      tickMs: 100,
    });
    this.forwarders.push(f);
    return f;
  }

  async stop(): Promise<void> {
    await Promise.all(this.forwarders.map((f) => f.stop()));
  }
}
