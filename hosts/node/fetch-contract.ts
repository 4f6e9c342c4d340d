/**
 * The desktop's one GET for "add an integration from its address"
 * (modules/hub/contract-fetch.ts judges the answer): node:https, redirects
 * not followed, a time limit over the whole exchange, and reading stops at
 * the byte limit.
 */
import { request } from 'node:https';
import type { FetchAnswer, FetchContract } from '../../modules/hub/contract-fetch.js';

export interface FetchOptions {
  /** Extra trusted CA (PEM), for tests with a private certificate. */
  ca?: string | Buffer;
}

export function fetchContract(options: FetchOptions = {}): FetchContract {
  return (url, limits) =>
    new Promise<FetchAnswer>((resolve, reject) => {
      let done = false;
      const finish = (error: Error | undefined, answer?: FetchAnswer) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.destroy();
        if (error) reject(error);
        else resolve(answer!);
      };
      const req = request(url, { method: 'GET', headers: { accept: 'application/json' }, ...(options.ca ? { ca: options.ca } : {}) }, (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let length = 0;
        const base = {
          status,
          ...(typeof res.headers.location === 'string' ? { location: res.headers.location } : {}),
          ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}),
        };
        if (status >= 300 && status < 400) return finish(undefined, { ...base, body: new Uint8Array(0) });
        res.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length > limits.maxBytes) return finish(undefined, { ...base, body: new Uint8Array(0), overLimit: true });
          chunks.push(chunk);
        });
        res.on('end', () => finish(undefined, { ...base, body: new Uint8Array(Buffer.concat(chunks)) }));
        res.on('error', (error) => finish(error));
      });
      const timer = setTimeout(() => finish(new Error(`no answer within ${Math.round(limits.timeoutMs / 1000)} s`)), limits.timeoutMs);
      req.on('error', (error) => finish(new Error(`cannot fetch: ${error.message}`)));
      req.end();
    });
}
