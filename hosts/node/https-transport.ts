/**
 * Delivery over HTTPS with node:https: one POST per message to the endpoint
 * URL; a 2xx answer is the acknowledgement. The seq range and an idempotency
 * key travel as headers (docs/delivery.md), so a receiver can drop a retried
 * message without decoding it.
 *
 * Plain http:// is refused unless `insecurePlainHttpForLocalTests` is set AND
 * the endpoint is on this machine or the home network: it exists only for
 * test receivers. Records never leave the home unencrypted.
 */
import http from 'node:http';
import https from 'node:https';
import { MAX_COMMAND_ANSWER_BYTES } from '../../modules/forward/commands.js';
import type { Claim, SessionLink } from '../../modules/forward/sessions.js';
import {
  DeliveryError,
  StateListeners,
  endpointScope,
  type EndpointScope,
  type OutboundMessage,
  type SendOptions,
  type Transport,
  type TransportState,
} from '../../modules/forward/transport.js';

export interface HttpsTransportOptions {
  /** https://host[:port]/path */
  endpoint: string;
  /** The hub's id, part of the idempotency key. */
  hub: string;
  /** PEM CA certificate(s) that sign the receiver's certificate; default: the system's CAs. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Extra request headers (e.g. the vendor's authorization). */
  headers?: Record<string, string>;
  /** INSECURE, FOR LOCAL TEST RECEIVERS ONLY: allows http:// to a loopback or home-network host. */
  insecurePlainHttpForLocalTests?: boolean;
  /**
   * Connections on demand (modules/forward/sessions.ts): the endpoint's shared
   * link, whose agent carries the requests, and this lane's claim on it. The
   * TLS handshake happens with the first request after the link opens, so its
   * time is in that delivery's latency.
   */
  session?: { link: HttpsLink; claim: Claim };
}

/**
 * One HTTPS endpoint's connection, shared by the integrations that deliver
 * there: a keep-alive agent with one socket, destroyed when the session pool
 * closes the link (idle, or its slot handed over).
 */
export class HttpsLink implements SessionLink {
  readonly agent: http.Agent;

  constructor(endpoint: string, options: Pick<HttpsTransportOptions, 'ca' | 'cert' | 'key'>) {
    this.agent = new URL(endpoint).protocol === 'http:' ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : httpsAgent(options);
  }

  open(): Promise<void> {
    return Promise.resolve(); // the socket opens with the first request
  }

  /**
   * Ends the agent's sockets gracefully and resolves once they are closed (the
   * server closed its side too), so the slot is free only when the connection
   * is gone; cut after `CLOSE_GRACE_MS`. The agent opens a new socket for the
   * next request.
   */
  async close(): Promise<void> {
    const sockets = [...Object.values(this.agent.freeSockets), ...Object.values(this.agent.sockets)].flat().filter((s) => s !== undefined);
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.destroyed) return resolve();
            const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
            socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            socket.end();
          }),
      ),
    );
    this.agent.destroy();
  }
}

/** How long a graceful close may take before the socket is cut. */
const CLOSE_GRACE_MS = 2_000;

function httpsAgent(options: Pick<HttpsTransportOptions, 'ca' | 'cert' | 'key'>): https.Agent {
  return new https.Agent({ keepAlive: true, maxSockets: 1, ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: true });
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
const CLOSED_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export class HttpsTransport implements Transport {
  readonly endpoint: string;
  readonly scope: EndpointScope;
  readonly session?: Claim;
  readonly #url: URL;
  readonly #options: HttpsTransportOptions;
  readonly #agent: http.Agent;
  readonly #request: typeof https.request;
  readonly #listeners = new StateListeners();
  readonly #commandListeners = new Set<(payload: Uint8Array, source: 'topic' | 'answer') => void>();
  /** HTTP has no session: "connected" until an exchange fails at the network level. */
  #state: TransportState = 'connected';

  constructor(options: HttpsTransportOptions) {
    this.#url = new URL(options.endpoint);
    this.endpoint = options.endpoint;
    this.scope = endpointScope(options.endpoint);
    this.#options = options;
    if (options.session) this.session = options.session.claim;
    if (this.#url.protocol === 'http:') {
      if (!options.insecurePlainHttpForLocalTests || this.scope !== 'local') {
        throw new TypeError(
          `https transport: ${options.endpoint} is plain http; use https:// (plain http is only for local test receivers, with insecurePlainHttpForLocalTests)`,
        );
      }
      this.#agent = options.session?.link.agent ?? new http.Agent({ keepAlive: true, maxSockets: 1 });
      this.#request = http.request as typeof https.request;
    } else if (this.#url.protocol === 'https:') {
      this.#agent = options.session?.link.agent ?? httpsAgent(options);
      this.#request = https.request;
    } else {
      throw new TypeError(`https transport: endpoint "${options.endpoint}" must start with https://`);
    }
  }

  state(): TransportState {
    return this.#state;
  }

  onStateChange(listener: (state: TransportState) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Commands the vendor returns in a delivery answer (modules/forward/commands.ts). */
  onCommand(listener: (payload: Uint8Array, source: 'topic' | 'answer') => void): () => void {
    this.#commandListeners.add(listener);
    return () => void this.#commandListeners.delete(listener);
  }

  send(message: OutboundMessage, options: SendOptions): Promise<void> {
    const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: DeliveryError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          request.destroy();
          if (error.kind === 'unreachable' || error.kind === 'closed' || error.kind === 'timeout') this.#setState('disconnected');
          reject(error);
        } else {
          this.#setState('connected');
          resolve();
        }
      };
      const request = this.#request(this.#url, {
        method: 'POST',
        agent: this.#agent,
        headers: {
          ...this.#options.headers,
          'content-type': message.contentType,
          'content-length': body.length,
          'airlock-hub': this.#options.hub,
          'airlock-integration': message.integration,
          'airlock-seq': `${message.firstSeq}-${message.lastSeq}`,
          'idempotency-key': `${this.#options.hub}:${message.integration}:${message.firstSeq}-${message.lastSeq}`,
        },
      });
      const timer = setTimeout(
        () => finish(new DeliveryError('timeout', `no answer from ${this.endpoint} within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const json = /^application\/json\b/i.test(String(response.headers['content-type'] ?? ''));
        if (status >= 200 && status < 300 && json && this.#commandListeners.size > 0) {
          // A JSON answer may carry the vendor's commands: read it (bounded), acknowledge, then hand it over.
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_COMMAND_ANSWER_BYTES) chunks.push(chunk);
          });
          response.on('end', () => {
            finish();
            if (size === 0 || size > MAX_COMMAND_ANSWER_BYTES) return;
            const body = new Uint8Array(Buffer.concat(chunks));
            for (const listener of [...this.#commandListeners]) {
              try {
                listener(body, 'answer');
              } catch {
                // The command checker never throws; a listener's bug must not break delivery.
              }
            }
          });
          response.on('error', () => finish(new DeliveryError('closed', `${this.endpoint} closed the connection during its answer`)));
          return;
        }
        response.resume(); // the body is not needed; reading it lets the socket be reused
        if (status >= 200 && status < 300) finish();
        else if (status === 413) finish(new DeliveryError('tooLarge', `${this.endpoint} answered 413: the message is too large`));
        else if (status >= 500 || status === 408 || status === 429) finish(new DeliveryError('server', `${this.endpoint} answered ${status}`));
        else finish(new DeliveryError('rejected', `${this.endpoint} answered ${status}; check the endpoint and credentials in the contract`));
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code ?? '';
        if (UNREACHABLE_CODES.has(code)) finish(new DeliveryError('unreachable', `${this.endpoint}: ${code}`));
        else if (CLOSED_CODES.has(code) || /socket hang up/i.test(error.message)) finish(new DeliveryError('closed', `${this.endpoint} closed the connection before answering (${code || error.message})`));
        else if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
          finish(new DeliveryError('unreachable', `${this.endpoint}: TLS verification failed (${code}); give the vendor's CA with the ca option`));
        } else finish(new DeliveryError('unreachable', `${this.endpoint}: ${error.message}`));
      });
      request.end(body);
    });
  }

  async close(): Promise<void> {
    if (this.session) await this.session.detach(); // the link closes with its last lane
    else this.#agent.destroy();
    this.#setState('disconnected');
  }

  #setState(state: TransportState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#listeners.emit(state);
  }
}
