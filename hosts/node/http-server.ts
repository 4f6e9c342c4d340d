/**
 * Serves the web router (modules/web/router.ts) over node:http. Reads at most
 * MAX_BODY_BYTES + 1 of a request body (the router answers 413 beyond that),
 * translates headers and writes the response. One request per connection
 * keeps it as simple as the hub's own server.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_BODY_BYTES, splitTarget, type WebRequest } from '../../modules/web/http.js';
import type { WebRouter } from '../../modules/web/router.js';

export interface WebServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export function startWebServer(router: Pick<WebRouter, 'handle'>, options: { port?: number; host?: string } = {}): Promise<WebServer> {
  const server: Server = createServer((req, res) => {
    readBody(req).then(async (body) => {
      const { path, query } = splitTarget(req.url ?? '/');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const request: WebRequest = { method: req.method ?? 'GET', path, query, headers, body, remote: req.socket.remoteAddress ?? '' };
      const response = await router.handle(request);
      const bytes = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength);
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of response.headers) {
        const existing = out[name];
        out[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
      }
      out['Content-Length'] = String(bytes.length);
      out.Connection = 'close';
      res.writeHead(response.status, out);
      res.end(req.method === 'HEAD' ? undefined : bytes);
    }).catch((error) => {
      res.writeHead(500, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(JSON.stringify({ error: 'internal', message: String(error) }));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        url: `http://${options.host ?? '127.0.0.1'}:${port}`,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

/** Collects the body, stopping one byte past the limit so the router can refuse it without buffering more. */
function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve(size === 0 ? undefined : new Uint8Array(Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES + 1)));
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause(); // stop reading; the response closes the connection
        finish();
      }
    });
    req.on('end', finish);
    req.on('error', reject);
  });
}
