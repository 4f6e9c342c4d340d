/**
 * HTTPS delivery for the forwarder over the SDK's ECMA-419 HTTP client
 * (`embedded:network/http/client`, examples/io/tcp/httpclient) on a TLS
 * socket. One POST per batch; `send()` resolves on a 2xx status and rejects
 * with the status otherwise, so the forwarder keeps the records and retries.
 * The body streams out as the socket accepts it.
 */
import TCP from 'embedded:io/socket/tcp';
import TLSSocket from 'embedded:io/socket/tcp/tls';
import UDP from 'embedded:io/socket/udp';
import Resolver from 'embedded:network/dns/resolver/udp';
import HTTPClient from 'embedded:network/http/client';
import type { Logger } from '../../modules/host.js';
import type { ForwardMessage, Transport } from './forward-shape.js';

export interface HttpsEndpoint {
  host: string;
  port?: number;
  /** Path of the vendor's intake, e.g. `/v1/airlock/records`. */
  path: string;
  /** Extra request headers, e.g. an Authorization bearer token from the contract's credentials. */
  headers?: [string, string][];
  /** Plain HTTP, for a local test server only. */
  insecure?: boolean;
  dnsServers?: string[];
}

export function httpsTransport(endpoint: HttpsEndpoint, log: Logger): Transport {
  let client: HTTPClient | undefined;
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
        client = undefined; // the next send opens a new connection
      },
    });

  return {
    send(message: ForwardMessage): Promise<void> {
      return new Promise((resolve, reject) => {
        const body = message.body;
        let status = 0;
        let sent = 0;
        const headers = new Map<string, string>([
          ['content-type', message.contentType],
          ['content-length', String(body.length)],
          ['x-airlock-integration', message.integration],
          ['x-airlock-seq', `${message.firstSeq}-${message.lastSeq}`],
          ...(endpoint.headers ?? []),
        ]);
        try {
          client ??= connect();
          client.request({
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
              if (error) {
                client = undefined;
                reject(new Error(`https: ${endpoint.host}${endpoint.path} failed before a response; the batch will be sent again`));
              } else if (status >= 200 && status < 300) {
                resolve();
              } else {
                reject(new Error(`https: ${endpoint.host}${endpoint.path} answered ${status}; the batch will be sent again`));
              }
            },
          });
        } catch (error) {
          client = undefined;
          reject(new Error(`https: cannot send to ${endpoint.host}: ${(error as Error).message}`));
        }
      });
    },
  };
}
