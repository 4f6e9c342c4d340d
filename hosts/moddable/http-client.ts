/**
 * HTTPS delivery for the forwarder over the SDK's ECMA-419 HTTP client
 * (`embedded:network/http/client`, examples/io/tcp/httpclient) on a TLS
 * socket. One POST per batch; `send()` resolves on a 2xx status and rejects
 * with a DeliveryError otherwise (5xx/429/408 `server`, 413 `tooLarge`,
 * other 4xx `rejected`, no answer `timeout`/`closed`), so the forwarder
 * keeps the records and retries. The body streams out as the socket accepts
 * it. State: `connected` after a 2xx, `disconnected` after a failure.
 */
import TCP from 'embedded:io/socket/tcp';
import TLSSocket from 'embedded:io/socket/tcp/tls';
import UDP from 'embedded:io/socket/udp';
import Resolver from 'embedded:network/dns/resolver/udp';
import HTTPClient from 'embedded:network/http/client';
import {
  DeliveryError,
  endpointScope,
  StateListeners,
  type DeliveryErrorKind,
  type OutboundMessage,
  type SendOptions,
  type Transport,
  type TransportState,
} from '../../modules/forward/transport.js';
import type { Logger, Timers } from '../../modules/host.js';
import type { Claim, SessionLink } from '../../modules/forward/sessions.js';

export interface HttpsEndpoint {
  /** The endpoint URL as the contract (or the installer's override) names it. */
  url: string;
  host: string;
  port?: number;
  /** Path of the vendor's intake, e.g. `/v1/airlock/records`. */
  path: string;
  /** The hub's id, sent as `x-airlock-hub`. */
  hub: string;
  /** Extra request headers, e.g. an Authorization bearer token from the contract's credentials. */
  headers?: [string, string][];
  /** Plain HTTP, for a local test server only. */
  insecure?: boolean;
  dnsServers?: string[];
}

function statusKind(status: number): DeliveryErrorKind {
  if (status === 413) return 'tooLarge';
  if (status >= 500 || status === 429 || status === 408) return 'server';
  return 'rejected';
}

/**
 * One HTTP(S) server's connection, shared by the integrations that deliver
 * there (the client queues their requests). With connections on demand the
 * session pool closes it when idle or to hand its slot over; the next request
 * opens a new one, and its TLS handshake counts in that delivery's latency.
 */
export class HttpLink implements SessionLink {
  client: HTTPClient | undefined;

  open(): Promise<void> {
    return Promise.resolve(); // the connection opens with the first request
  }

  close(): Promise<void> {
    this.drop();
    return Promise.resolve();
  }

  drop(): void {
    try {
      this.client?.close();
    } catch {
      // already gone
    }
    this.client = undefined;
  }
}

/** `session`: the endpoint's shared link and this lane's claim on it (connections on demand); without it a link of its own. */
export function httpsTransport(endpoint: HttpsEndpoint, powers: { log: Logger; timers: Timers }, session?: Claim<HttpLink>): Transport {
  const { log, timers } = powers;
  const listeners = new StateListeners();
  let state: TransportState = 'disconnected';
  const link = session?.link ?? new HttpLink();
  let closed = false;
  const setState = (next: TransportState) => {
    if (next === state) return;
    state = next;
    listeners.emit(next);
  };
  const drop = () => link.drop();
  const connect = (): HTTPClient =>
    new HTTPClient({
      host: endpoint.host,
      port: endpoint.port ?? (endpoint.insecure ? 80 : 443),
      dns: { io: Resolver, servers: endpoint.dnsServers ?? ['1.1.1.1', '8.8.8.8'], socket: { io: UDP } },
      socket: endpoint.insecure
        ? { io: TCP }
        : { io: TLSSocket, TCP: { io: TCP }, secure: { serverName: endpoint.host, applicationLayerProtocolNegotiation: 'http/1.1' } },
      onError: (error: unknown) => {
        log.warn('https: connection failed', { host: endpoint.host, error: String(error) });
        link.client = undefined; // the next send opens a new connection
        setState('disconnected');
      },
    });

  return {
    endpoint: endpoint.url,
    scope: endpointScope(endpoint.url),
    send(message: OutboundMessage, options: SendOptions): Promise<void> {
      return new Promise((resolve, reject) => {
        if (closed) return reject(new DeliveryError('unreachable', `https: the transport to ${endpoint.url} is closed`));
        const body = message.body;
        let status = 0;
        let sent = 0;
        let settled = false;
        const where = `${endpoint.host}${endpoint.path}`;
        const fail = (kind: DeliveryErrorKind, text: string, answered = false) => {
          if (settled) return;
          settled = true;
          timers.clear(timer);
          setState(answered ? 'connected' : 'disconnected'); // an HTTP error status still proves the path works
          reject(new DeliveryError(kind, text));
        };
        const timer = timers.set(() => {
          drop(); // a request that never answers must not hold the connection
          fail('timeout', `https: no answer from ${where} within ${options.timeoutMs} ms; the batch will be sent again`);
        }, options.timeoutMs);
        const headers = new Map<string, string>([
          ['content-type', message.contentType],
          ['content-length', String(body.length)],
          ['x-airlock-hub', endpoint.hub],
          ['x-airlock-integration', message.integration],
          ['x-airlock-seq', `${message.firstSeq}-${message.lastSeq}`],
          ...(endpoint.headers ?? []),
        ]);
        try {
          if (!link.client) setState('connecting');
          link.client ??= connect();
          link.client.request({
            method: 'POST',
            path: endpoint.path,
            headers,
            onWritable(count: number) {
              const part = body.subarray(sent, sent + count);
              sent += part.length;
              this.write(part);
            },
            onHeaders(code: number) {
              status = code;
            },
            onReadable(count: number) {
              this.read(count); // the vendor's reply body is not needed: drain it
            },
            onDone(error: Error | null) {
              if (settled) return;
              if (error) {
                link.client = undefined;
                return fail(status === 0 ? 'closed' : 'server', `https: ${where} failed before a complete response; the batch will be sent again`);
              }
              if (status >= 200 && status < 300) {
                settled = true;
                timers.clear(timer);
                setState('connected');
                return resolve();
              }
              fail(statusKind(status), `https: ${where} answered ${status}`, true);
            },
          });
        } catch (error) {
          link.client = undefined;
          fail('unreachable', `https: cannot send to ${endpoint.host}: ${(error as Error).message}`);
        }
      });
    },
    state: () => state,
    onStateChange: (listener) => listeners.add(listener),
    ...(session ? { session } : {}),
    async close(): Promise<void> {
      closed = true;
      if (session) await session.detach(); // the shared link closes with its last lane
      else drop();
      setState('disconnected');
    },
  };
}
