/**
 * Serves the web router over Moddable's HTTP server (`http` module, class
 * Server). Its callback receives a request in numbered messages on the
 * connection's Request object: status (path, method), one header at a time,
 * headersComplete (we return ArrayBuffer to receive the body, or false to
 * ignore an oversized one), requestComplete (the body), prepareResponse
 * (we return status, headers and body) and responseFragment (we hand out the
 * body in pieces the socket can take). prepareResponse must answer at once,
 * so this adapter calls the router's synchronous `respond`.
 *
 * Response bodies go out as ArrayBuffers (the server's string bodies must be
 * ASCII) and always in fragments with a content-length, so a page asset
 * larger than the socket's buffer streams instead of waiting for room it
 * never gets.
 */
import { Server, type HTTPServerCallback, type HTTPServerCallbackComplete } from 'http';
import { utf8 } from '../../modules/bytes.js';
import { errorResponse, MAX_BODY_BYTES, splitTarget, type WebRequest, type WebResponse } from '../../modules/web/http.js';
import type { WebRouter } from '../../modules/web/router.js';

interface Exchange {
  target: string;
  method: string;
  headers: Record<string, string>;
  declaredLength: number;
  body: Uint8Array | undefined;
  /** The response body still to send, and where we are in it. */
  out?: Uint8Array;
  sent: number;
}

export interface ModdableWebServerOptions {
  /** 80 by default. */
  port?: number;
}

export function serveWeb(router: Pick<WebRouter, 'respond'>, options: ModdableWebServerOptions = {}): Server {
  const server = new Server({ port: options.port ?? 80 });
  // One Exchange per connection, keyed by the server's per-connection Request object.
  const exchanges = new WeakMap<object, Exchange>();

  const callback: HTTPServerCallbackComplete = function (message, value, etc) {
    const connection = this as object;
    switch (message) {
      case Server.status:
        exchanges.set(connection, { target: String(value), method: String(etc), headers: {}, declaredLength: 0, body: undefined, sent: 0 });
        return;
      case Server.header: {
        const exchange = exchanges.get(connection);
        if (!exchange) return;
        const name = String(value);
        const text = String(etc);
        exchange.headers[name] = exchange.headers[name] === undefined ? text : `${exchange.headers[name]}, ${text}`;
        if (name === 'content-length') exchange.declaredLength = parseInt(text, 10) || 0;
        return;
      }
      case Server.headersComplete: {
        const exchange = exchanges.get(connection);
        // Refuse to buffer a body above the limit: ignore it and answer 413 from prepareResponse.
        if (exchange && exchange.declaredLength > MAX_BODY_BYTES) return false;
        return ArrayBuffer;
      }
      case Server.requestComplete: {
        const exchange = exchanges.get(connection);
        if (exchange && value instanceof ArrayBuffer && value.byteLength > 0) exchange.body = new Uint8Array(value);
        return;
      }
      case Server.prepareResponse: {
        const exchange = exchanges.get(connection);
        if (!exchange) return { status: 400, headers: ['content-length', '0'], body: '' };
        const response = answer(router, exchange);
        const body = typeof response.body === 'string' ? utf8(response.body) : response.body;
        exchange.out = exchange.method === 'HEAD' ? new Uint8Array(0) : body;
        exchange.sent = 0;
        const headers: string[] = [];
        for (const [name, headerValue] of response.headers) headers.push(name, headerValue);
        headers.push('content-length', String(exchange.out.length));
        return { status: response.status, headers, body: true };
      }
      case Server.responseFragment: {
        const exchange = exchanges.get(connection);
        if (!exchange?.out || exchange.sent >= exchange.out.length) return undefined;
        const room = Math.max(1, Number(value) || 1024);
        const piece = exchange.out.slice(exchange.sent, exchange.sent + room);
        exchange.sent += piece.length;
        return piece.buffer as ArrayBuffer;
      }
      case Server.responseComplete:
      case Server.error:
        exchanges.delete(connection);
        return;
    }
    return;
  };
  // The SDK's own typing of the callback lacks the headersComplete return types (types/http-server.d.ts).
  server.callback = callback as HTTPServerCallback;
  return server;
}

function answer(router: Pick<WebRouter, 'respond'>, exchange: Exchange): WebResponse {
  if (exchange.declaredLength > MAX_BODY_BYTES) {
    return errorResponse(413, 'body-too-large', `The request body is ${exchange.declaredLength} bytes; the hub accepts at most ${MAX_BODY_BYTES}.`);
  }
  const { path, query } = splitTarget(exchange.target);
  const request: WebRequest = { method: exchange.method, path, query, headers: exchange.headers, body: exchange.body };
  return router.respond(request);
}
