/**
 * The board's one GET for "add an integration from its address"
 * (modules/hub/contract-fetch.ts judges the answer): the SDK's ECMA-419 HTTP
 * client over TLS, as the HTTPS transport uses it (http-client.ts). No
 * redirect is followed (the status and Location come back as they are), the
 * whole exchange has a time limit, and reading stops at the byte limit. The
 * connection is closed after every fetch: adding an integration is rare and
 * the RAM of a TLS session is not.
 */
import TCP from 'embedded:io/socket/tcp';
import TLSSocket from 'embedded:io/socket/tcp/tls';
import UDP from 'embedded:io/socket/udp';
import Resolver from 'embedded:network/dns/resolver/udp';
import HTTPClient from 'embedded:network/http/client';
import { parseEndpoint } from '../../modules/forward/endpoint-url.js';
import type { FetchAnswer, FetchContract } from '../../modules/hub/contract-fetch.js';
import type { Timers } from '../../modules/host.js';

export function fetchContract(powers: { timers: Timers; dnsServers?: string[] }): FetchContract {
  return (url, limits) =>
    new Promise<FetchAnswer>((resolve, reject) => {
      let parts: ReturnType<typeof parseEndpoint>;
      try {
        parts = parseEndpoint(url);
      } catch (error) {
        return reject(error as Error);
      }
      if (parts.scheme !== 'https') return reject(new Error('the hub fetches contracts only over https://'));
      let client: HTTPClient | undefined;
      let done = false;
      const finish = (error: Error | undefined, answer?: FetchAnswer) => {
        if (done) return;
        done = true;
        powers.timers.clear(timer);
        try {
          client?.close();
        } catch {
          // already closed
        }
        if (error) reject(error);
        else resolve(answer!);
      };
      const timer = powers.timers.set(() => finish(new Error(`no answer within ${Math.round(limits.timeoutMs / 1000)} s`)), limits.timeoutMs);
      let status = 0;
      let location: string | undefined;
      let contentType: string | undefined;
      const chunks: Uint8Array[] = [];
      let length = 0;
      try {
        client = new HTTPClient({
          host: parts.host,
          port: parts.port,
          dns: { io: Resolver, servers: powers.dnsServers ?? ['1.1.1.1', '8.8.8.8'], socket: { io: UDP } },
          socket: { io: TLSSocket, TCP: { io: TCP }, secure: { serverName: parts.host, applicationLayerProtocolNegotiation: 'http/1.1' } },
          onError: (error: unknown) => finish(new Error(`cannot fetch from ${parts.host}: ${String(error)}`)),
        });
        client.request({
          method: 'GET',
          path: parts.path || '/',
          headers: new Map([['accept', 'application/json']]),
          onHeaders(code, headers) {
            status = code;
            location = headers.get('location');
            contentType = headers.get('content-type');
            if (code >= 300 && code < 400) finish(undefined, { status, ...(location ? { location } : {}), body: new Uint8Array(0) });
          },
          onReadable(count) {
            const chunk = this.read(count);
            if (!chunk) return;
            length += chunk.byteLength;
            if (length > limits.maxBytes) return finish(undefined, { status, body: new Uint8Array(0), overLimit: true });
            chunks.push(new Uint8Array(chunk));
          },
          onDone(error) {
            if (error) return finish(new Error(`the answer from ${parts.host} broke off`));
            const body = new Uint8Array(length);
            let at = 0;
            for (const c of chunks) {
              body.set(c, at);
              at += c.length;
            }
            finish(undefined, { status, ...(location ? { location } : {}), ...(contentType ? { contentType } : {}), body });
          },
        });
      } catch (error) {
        finish(new Error(`cannot fetch from ${parts.host}: ${(error as Error).message}`));
      }
    });
}
