// The page's server over real sockets (hosts/node/http-server.ts): an oversized body is refused
// with 413 without being read to the end, oversized headers are refused by the HTTP parser,
// raw traversal targets never reach a file, and the server keeps answering afterwards.
import test from 'ava';
import net from 'node:net';
import { startWebServer } from '../../hosts/node/http-server.js';
import { MAX_BODY_BYTES } from '../../modules/web/http.js';
import { makeWebFixture } from '../support/web-fixture.js';

/** Sends raw bytes and returns what came back before the server closed (bounded by `ms`). */
function raw(port: number, request: string | Buffer, ms = 5000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, ms);
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(request);
  });
}

test('over real sockets: oversized bodies and headers are refused, traversal finds nothing, the server survives', async (t) => {
  const f = makeWebFixture();
  await f.setUpOwner();
  const server = await startWebServer(f.router);
  try {
    // 1 MB announced and sent: 413 after the first 16 KB, the rest never buffered.
    const big = Buffer.alloc(1024 * 1024, 0x61);
    const oversized = await raw(server.port, Buffer.concat([Buffer.from(`POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`), big]));
    t.regex(oversized, /^HTTP\/1\.1 413 /, oversized.slice(0, 80));
    t.regex(oversized, new RegExp(`at most ${MAX_BODY_BYTES}`));

    const headers = await raw(server.port, `GET /api/session HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    t.regex(headers, /^HTTP\/1\.1 431 /, 'the HTTP parser refuses headers beyond its limit');

    for (const target of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/api/../../etc/passwd', '//etc/passwd']) {
      const answer = await raw(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      t.regex(answer, /^HTTP\/1\.1 (400|404) /, `${target}: ${answer.slice(0, 40)}`);
      t.notRegex(answer, /root:/, `${target} served no file`);
    }
    const garbage = await raw(server.port, 'NOT HTTP AT ALL\r\n\r\n');
    t.regex(garbage, /^HTTP\/1\.1 400 /, 'a request line that is not HTTP gets 400 from the parser');

    const alive = await fetch(`${server.url}/api/session`);
    t.is(alive.status, 200, 'the server still answers');
  } finally {
    await server.close();
  }
});
