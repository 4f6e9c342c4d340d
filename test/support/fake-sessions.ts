/**
 * TEST FIXTURE: on-demand sessions in memory, for the core suites (Node and
 * XS). A FakeLink is one endpoint's connection: it opens after `connectMs`
 * of manual time (or fails as scripted), and a shared LinkMeter counts how
 * many are open at once, independently of the pool's own bookkeeping. An
 * OnDemandTransport sends only while its link is open, like the hosts'
 * transports do.
 */
import type { Timers } from '../../modules/host.js';
import { DeliveryError, type OutboundMessage, type SendOptions, type TransportState } from '../../modules/forward/transport.js';
import type { Claim, SessionLink, SessionPool } from '../../modules/forward/sessions.js';
import { FakeTransport } from './fake-transport.js';

/** Counts open links across every endpoint: the figure the cap promises. */
export class LinkMeter {
  open = 0;
  maxOpen = 0;
  opens = 0;
  closes = 0;
}

export class FakeLink implements SessionLink {
  readonly key: string;
  readonly #meter: LinkMeter;
  readonly #timers: Timers;
  connectMs: number;
  /** The next opens fail with these kinds; empty: they succeed. */
  readonly failures: ('unreachable' | 'rejected')[] = [];
  isOpen = false;
  opens = 0;
  closes = 0;
  #lost: ((reason: string) => void) | undefined;

  constructor(key: string, meter: LinkMeter, timers: Timers, connectMs = 0) {
    this.key = key;
    this.#meter = meter;
    this.#timers = timers;
    this.connectMs = connectMs;
  }

  open(lost: (reason: string) => void): Promise<void> {
    if (this.isOpen) throw new Error(`${this.key}: opened twice`);
    const failure = this.failures.shift();
    return new Promise((resolve, reject) => {
      const done = () => {
        if (failure) return reject(new DeliveryError(failure, `${this.key}: scripted open failure`));
        this.isOpen = true;
        this.opens++;
        this.#lost = lost;
        const m = this.#meter;
        m.open++;
        m.opens++;
        if (m.open > m.maxOpen) m.maxOpen = m.open;
        resolve();
      };
      if (this.connectMs > 0) this.#timers.set(done, this.connectMs);
      else done();
    });
  }

  close(): Promise<void> {
    if (this.isOpen) {
      this.isOpen = false;
      this.closes++;
      this.#meter.open--;
      this.#meter.closes++;
    }
    return Promise.resolve();
  }

  /** The network drops the connection. */
  drop(): void {
    if (!this.isOpen) return;
    void this.close();
    this.#lost?.('dropped by the test');
  }
}

/** A FakeTransport whose sends need its on-demand session open. */
export class OnDemandTransport extends FakeTransport {
  readonly session: Claim;
  readonly link: FakeLink;

  constructor(endpoint: string, now: () => number, pool: SessionPool, link: FakeLink, key = link.key) {
    super(endpoint, now);
    this.link = link;
    this.session = pool.claim(key, endpoint, () => link);
  }

  override send(message: OutboundMessage, options: SendOptions): Promise<void> {
    if (!this.link.isOpen) return Promise.reject(new DeliveryError('unreachable', `${this.endpoint}: no session open`));
    return super.send(message, options);
  }

  override state(): TransportState {
    return this.session.state();
  }

  override onStateChange(listener: (state: TransportState) => void): () => void {
    return this.session.onStateChange(listener);
  }

  override async close(): Promise<void> {
    await this.session.detach();
  }
}
