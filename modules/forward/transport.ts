/**
 * The seam between a forwarder and the network. A transport carries one
 * message to one integration's endpoint and settles only when the receiver
 * has taken responsibility for it (MQTT PUBACK, HTTP 2xx). Hosts bind it:
 * MQTT.js and node:https on the desktop, Moddable's clients on the hub.
 */

import type { Claim } from './sessions.js';

/** One delivery attempt: a batch of an integration's records, in seq order. */
export interface OutboundMessage {
  integration: string;
  /** Seq of the first and last record carried; receivers drop records they already have. */
  firstSeq: number;
  lastSeq: number;
  body: Uint8Array;
  /** "application/cbor" or "application/json". */
  contentType: string;
}

export interface SendOptions {
  /** Give up (reject with kind `timeout`) when no acknowledgement came within this many ms. */
  timeoutMs: number;
}

/**
 * Why a delivery was not acknowledged. Every kind means "not delivered, send
 * again later"; they differ in what they say about the endpoint:
 * - `unreachable`: no connection (refused, DNS, no route, broker down, not connected yet).
 * - `timeout`: sent, but no acknowledgement in time (it may have arrived: a duplicate follows).
 * - `closed`: the connection dropped before the acknowledgement (it may have arrived too).
 * - `server`: the receiver answered with a temporary failure (HTTP 5xx, 429, 408).
 * - `rejected`: the receiver refused this message (HTTP 4xx, MQTT reason code >= 0x80).
 * - `tooLarge`: the receiver refused the message's size; the forwarder sends smaller batches.
 */
export type DeliveryErrorKind = 'unreachable' | 'timeout' | 'closed' | 'server' | 'rejected' | 'tooLarge';

export const DELIVERY_ERROR_KINDS: readonly DeliveryErrorKind[] = ['unreachable', 'timeout', 'closed', 'server', 'rejected', 'tooLarge'];

export class DeliveryError extends Error {
  override name = 'DeliveryError';
  readonly kind: DeliveryErrorKind;

  constructor(kind: DeliveryErrorKind, message: string) {
    super(`${kind}: ${message}`);
    this.kind = kind;
  }
}

/** The kind of any rejection reason: a transport's DeliveryError, or `unreachable` for anything unexpected. */
export function deliveryErrorKind(error: unknown): DeliveryErrorKind {
  return error instanceof DeliveryError ? error.kind : 'unreachable';
}

/**
 * `connected`: a session is open (MQTT) or the last exchange succeeded (HTTP).
 * `connecting`: trying. `disconnected`: no session and none being attempted right now.
 */
export type TransportState = 'connected' | 'connecting' | 'disconnected';

/** Whether an endpoint lives on the home network or needs the internet uplink. */
export type EndpointScope = 'local' | 'internet';

export interface Transport {
  /** The endpoint URL; forwarders sharing an endpoint share its circuit breaker. */
  readonly endpoint: string;
  readonly scope: EndpointScope;
  /** Resolves once the receiver acknowledged; rejects with a DeliveryError otherwise. */
  send(message: OutboundMessage, options: SendOptions): Promise<void>;
  state(): TransportState;
  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onStateChange(listener: (state: TransportState) => void): () => void;
  /**
   * The vendor's authenticated command channel over this same connection
   * (modules/forward/commands.ts): MQTT transports deliver what arrives on
   * the command topic, HTTPS transports the JSON body of a 2xx delivery
   * answer. Calls `listener` with each payload as received (not yet
   * authenticated); returns the unsubscribe function. Absent on transports
   * with no channel.
   */
  onCommand?(listener: (payload: Uint8Array, source: 'topic' | 'answer') => void): () => void;
  /**
   * Present when the connection opens on demand (sessions.ts): the forwarder
   * acquires it before a send, holds it while it has records to send and
   * releases it when done, so the pool can close it when idle and cap how
   * many are open. `state()` then reports the endpoint's health:
   * `connected` unless the last open failed or the session dropped.
   */
  readonly session?: Claim;
  close(): Promise<void>;
}

/** A small list of state listeners, for transports to reuse. */
export class StateListeners {
  readonly #listeners = new Set<(state: TransportState) => void>();

  add(listener: (state: TransportState) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  emit(state: TransportState): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch {
        // A listener's bug must not break the transport that informs it.
      }
    }
  }
}

const PRIVATE_V4 = (): RegExp[] => [
  /^127\./,
  /^10\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^169\.254\./,
];
const LOCAL_NAME = (): RegExp => /(^localhost$)|(\.local$)|(\.lan$)|(\.home\.arpa$)|(\.internal$)/i;

/**
 * Classifies an endpoint URL's host: loopback, RFC 1918, link-local, ULA
 * and mDNS-style names are on the home network; everything else needs the
 * internet. Used to tell "the local network works" from "the internet works".
 */
export function endpointScope(endpoint: string): EndpointScope {
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(endpoint);
  if (!match) throw new TypeError(`endpoint "${endpoint}" is not a URL like mqtts://host:8883/topic or https://host/path`);
  const host = match[1]!.toLowerCase();
  if (host.startsWith('[')) {
    const v6 = host.slice(1, -1);
    return v6 === '::1' || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) ? 'local' : 'internet';
  }
  if (PRIVATE_V4().some((re) => re.test(host)) || LOCAL_NAME().test(host)) return 'local';
  return 'internet';
}
