/**
 * TEST FIXTURE: a Transport whose receiver is in memory and whose faults are
 * scripted, for the core forwarder suites (Node and XS). Each send takes the
 * next scripted behaviour (default: acknowledge):
 * - 'ack': the receiver keeps the message and acknowledges;
 * - DeliveryErrorKind: fails with that kind before reaching the receiver;
 * - 'lose-ack': the receiver keeps the message but the acknowledgement is lost (timeout);
 * - 'hang': never settles (the forwarder's watchdog must give up).
 */
import { decodeEnvelope, type Envelope } from '../../modules/forward/envelope.js';
import {
  DeliveryError,
  StateListeners,
  endpointScope,
  type DeliveryErrorKind,
  type EndpointScope,
  type OutboundMessage,
  type SendOptions,
  type Transport,
  type TransportState,
} from '../../modules/forward/transport.js';

export type Behaviour = 'ack' | 'lose-ack' | 'hang' | DeliveryErrorKind;

export class FakeTransport implements Transport {
  readonly endpoint: string;
  readonly scope: EndpointScope;
  readonly script: Behaviour[] = [];
  /** Used when the script is empty. */
  fallback: Behaviour = 'ack';
  /** Every envelope the receiver got, duplicates included. */
  readonly received: Envelope[] = [];
  /** Every send call (firstSeq, lastSeq, time of the call from `now`). */
  readonly calls: { firstSeq: number; lastSeq: number; at: number; timeoutMs: number }[] = [];
  readonly #listeners = new StateListeners();
  readonly #now: () => number;
  #state: TransportState = 'connected';

  constructor(endpoint: string, now: () => number = () => 0) {
    this.endpoint = endpoint;
    this.scope = endpointScope(endpoint);
    this.#now = now;
  }

  send(message: OutboundMessage, options: SendOptions): Promise<void> {
    this.calls.push({ firstSeq: message.firstSeq, lastSeq: message.lastSeq, at: this.#now(), timeoutMs: options.timeoutMs });
    const behaviour = this.script.shift() ?? this.fallback;
    switch (behaviour) {
      case 'ack':
        this.received.push(decodeEnvelope(message.body, message.contentType));
        return Promise.resolve();
      case 'lose-ack':
        this.received.push(decodeEnvelope(message.body, message.contentType));
        return Promise.reject(new DeliveryError('timeout', 'acknowledgement lost'));
      case 'hang':
        return new Promise<void>(() => {});
      default:
        return Promise.reject(new DeliveryError(behaviour, 'scripted failure'));
    }
  }

  state(): TransportState {
    return this.#state;
  }

  setState(state: TransportState): void {
    this.#state = state;
    this.#listeners.emit(state);
  }

  onStateChange(listener: (state: TransportState) => void): () => void {
    return this.#listeners.add(listener);
  }

  readonly #commandListeners = new Set<(payload: Uint8Array, source: 'topic' | 'answer') => void>();

  onCommand(listener: (payload: Uint8Array, source: 'topic' | 'answer') => void): () => void {
    this.#commandListeners.add(listener);
    return () => void this.#commandListeners.delete(listener);
  }

  /** The vendor sends on the command channel: a message on the topic, or a delivery answer's body. */
  command(payload: Uint8Array, source: 'topic' | 'answer' = 'topic'): void {
    for (const listener of [...this.#commandListeners]) listener(payload, source);
  }

  async close(): Promise<void> {
    this.setState('disconnected');
  }

  /** Seqs the receiver saw, in arrival order, duplicates included. */
  seqs(): number[] {
    return this.received.flatMap((e) => e.records.map((r) => r.seq));
  }
}

/** What a receiver does with seqs: keeps the first copy, counts the rest as duplicates. */
export function dedupe(seqs: number[]): { unique: number[]; duplicates: number[] } {
  const seen = new Set<number>();
  const unique: number[] = [];
  const duplicates: number[] = [];
  for (const seq of seqs) {
    if (seen.has(seq)) duplicates.push(seq);
    else {
      seen.add(seq);
      unique.push(seq);
    }
  }
  return { unique, duplicates };
}

/** Lets pending promise callbacks run (no setImmediate in XS). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
