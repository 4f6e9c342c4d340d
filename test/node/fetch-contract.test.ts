// The desktop's fetch of a contract by address (hosts/node/fetch-contract.ts) against a real TLS
// server, judged by the core (modules/hub/contract-fetch.ts): a redirect is not followed, a
// server that never answers times out, an answer over the limit stops being read, HTML is not
// JSON, and a contract comes back as its text.
import test from 'ava';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fetchContract } from '../../hosts/node/fetch-contract.js';
import { CONTRACT_MAX_BYTES, judgeFetch } from '../../modules/hub/contract-fetch.js';
import { makeContract } from '../support/contracts.js';
import { peerMissing } from '../support/peers.js';
import { makeTestCert } from '../support/tls-cert.js';

const cert = makeTestCert();

test('redirects, time-outs, oversize and non-JSON answers are refused with the reason; a contract is fetched', async (t) => {
  if ('skip' in cert) return peerMissing(t, 'openssl', cert.skip);
  const contract = JSON.stringify(makeContract());
  const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    if (req.url === '/moved') return void res.writeHead(301, { location: 'https://elsewhere.example/c.json' }).end();
    if (req.url === '/hang') return; // never answers
    if (req.url === '/big') return void res.writeHead(200, { 'content-type': 'application/json' }).end('['.padEnd(CONTRACT_MAX_BYTES + 10, ' ') + ']');
    if (req.url === '/page') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>');
    res.writeHead(200, { 'content-type': 'application/json' }).end(contract);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `https://localhost:${(server.address() as AddressInfo).port}`;
  const fetch = fetchContract({ ca: cert.cert });
  const judged = async (path: string, timeoutMs = 5_000) => {
    try {
      return judgeFetch(await fetch(`${base}${path}`, { maxBytes: CONTRACT_MAX_BYTES, timeoutMs }));
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  try {
    t.regex((await judged('/moved') as { error: string }).error, /redirects \(301\) to https:\/\/elsewhere\.example\/c\.json/);
    t.regex((await judged('/hang', 300) as { error: string }).error, /no answer within/);
    t.regex((await judged('/big') as { error: string }).error, /over the size limit/);
    t.regex((await judged('/page') as { error: string }).error, /not JSON \(text\/html\)/);
    t.deepEqual(await judged('/c.json'), { text: contract });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
