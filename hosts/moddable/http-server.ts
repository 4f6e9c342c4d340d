/**
 * Serves the hub's local page and API, adapting the SDK's ECMA-419 HTTP
 * server (`embedded:network/http/server` on `embedded:io/socket/listener`)
 * to the web layer's router: `(request) => Promise<response>`.
 *
 * That server (not the classic `http` Server, which asks for the response
 * synchronously) lets a connection answer later with `respond()`, so the
 * router may be asynchronous. Request bodies are collected up to
 * `maxBodyBytes` (larger ones are read, discarded and answered 413); the
 * response body goes out as the socket accepts it, UTF-8 encoded when it is
 * a string.
 */
import Listener from 'embedded:io/socket/listener';
import HTTPServer, { type Connection, type IncomingRequest, type OutgoingResponse } from 'embedded:network/http/server';
import { concat, utf8 } from '../../modules/bytes.js';
import type { Logger } from '../../modules/host.js';

export interface WebRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface WebResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array | string;
}

export type Router = (request: WebRequest) => Promise<WebResponse>;

/**
 * A request whose body is too large to collect (a firmware image) streams
 * into an upload instead: `begin` sees the method, path and headers and
 * returns the sink, or undefined to let the router answer.
 */
export interface UploadSink {
  write(chunk: Uint8Array): void;
  finish(): WebResponse;
}
export type Uploads = (request: { method: string; path: string; headers: Record<string, string> }) => UploadSink | undefined;

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text; // a malformed escape stays as sent; the router validates
  }
}

export function splitTarget(target: string): { path: string; query: Record<string, string> } {
  const at = target.indexOf('?');
  const query: Record<string, string> = {};
  if (at < 0) return { path: target, query };
  for (const pair of target.slice(at + 1).split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    query[decode(eq < 0 ? pair : pair.slice(0, eq))] = eq < 0 ? '' : decode(pair.slice(eq + 1));
  }
  return { path: target.slice(0, at), query };
}

export function startWebServer(
  router: Router,
  log: Logger,
  options: { port?: number; maxBodyBytes?: number; uploads?: Uploads } = {},
): { close(): void } {
  const maxBody = options.maxBodyBytes ?? 16 * 1024;
  const server = new HTTPServer({
    io: Listener,
    port: options.port ?? 80,
    onConnect(connection: Connection) {
      let request: IncomingRequest | undefined;
      let upload: UploadSink | undefined;
      let received = 0;
      const parts: Uint8Array[] = [];
      let body: Uint8Array = new Uint8Array(0);
      let sent = 0;
      connection.accept({
        onRequest(incoming) {
          request = incoming;
          const headers: Record<string, string> = {};
          incoming.headers.forEach((value, name) => (headers[name] = value));
          upload = options.uploads?.({ method: incoming.method, path: splitTarget(incoming.path).path, headers });
        },
        onReadable(count) {
          const data = this.read(count);
          if (!data) return;
          if (upload) return upload.write(new Uint8Array(data));
          received += data.byteLength;
          if (received <= maxBody) parts.push(new Uint8Array(data));
        },
        onResponse(response: OutgoingResponse) {
          const answer = (reply: WebResponse) => {
            body = typeof reply.body === 'string' ? utf8(reply.body) : reply.body;
            response.status = reply.status;
            for (const [name, value] of reply.headers) response.headers.set(name.toLowerCase(), value);
            response.headers.set('content-length', body.length);
            this.respond(response);
          };
          if (!request) return answer({ status: 400, headers: [['content-type', 'text/plain']], body: 'bad request' });
          if (upload) return answer(upload.finish());
          if (received > maxBody) return answer({ status: 413, headers: [['content-type', 'text/plain']], body: `request body over ${maxBody} bytes` });
          const { path, query } = splitTarget(request.path);
          const headers: Record<string, string> = {};
          request.headers.forEach((value, name) => (headers[name] = value));
          router({ method: request.method, path, query, headers, body: concat(...parts) }).then(answer, (error: Error) => {
            log.error('web: the router failed', { path, error: error?.message });
            answer({ status: 500, headers: [['content-type', 'text/plain']], body: 'internal error' });
          });
        },
        onWritable(count) {
          const part = body.subarray(sent, sent + count);
          sent += part.length;
          if (part.length > 0) this.write(part);
        },
        onError(message) {
          log.debug('web: connection error', { error: message });
        },
      });
    },
  });
  log.info('web: serving', { port: server.port });
  return { close: () => server.close() };
}
