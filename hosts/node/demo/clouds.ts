/**
 * Local stand-ins for the integrations' clouds, so the demo shows exactly
 * what leaves the home: an MQTT broker (aedes) per MQTT vendor and an HTTP
 * receiver for HTTPS vendors. Each decodes the hub's envelopes, keeps the
 * last few records, counts duplicates by sequence number, and can be taken
 * offline and back to watch buffering and the paced drain. Tests that need
 * every byte the hub sent (duplicate checks, leak canaries) pass `onRaw`.
 */
import { Aedes } from 'aedes';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { decodeEnvelope, type EnvelopeRecord } from '../../../modules/forward/envelope.js';

export interface DemoCloud {
  readonly name: string;
  readonly kind: 'mqtt' | 'http';
  /** The endpoint the hub delivers to. */
  readonly endpoint: string;
  readonly online: boolean;
  /** Distinct records received (by sequence number). */
  readonly received: number;
  readonly duplicates: number;
  readonly last: EnvelopeRecord[];
  setOnline(online: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface CloudOptions {
  /**
   * Called with every body the hub sent, before decoding: for MQTT each
   * publish's payload (any topic; `where` is the topic), for HTTP each
   * request's body (`where` is the method, path and headers as text).
   */
  onRaw?: (body: Uint8Array, contentType: string, where: string) => void;
}

class Tally {
  readonly seen = new Set<number>();
  duplicates = 0;
  last: EnvelopeRecord[] = [];

  take(body: Uint8Array, contentType: string): void {
    const envelope = decodeEnvelope(body, contentType);
    for (const record of envelope.records) {
      if (this.seen.has(record.seq)) this.duplicates++;
      else this.seen.add(record.seq);
      this.last.push(record);
    }
    this.last = this.last.slice(-5);
  }
}

/** The parts every stand-in shares: counts from its tally, and an online switch over `stop`/`start`. */
function standIn(
  identity: { name: string; kind: 'mqtt' | 'http'; endpoint: string },
  tally: Tally,
  power: { stop(): Promise<void>; start(): Promise<void>; close(): Promise<void> },
): DemoCloud {
  let online = true;
  return {
    ...identity,
    get online() {
      return online;
    },
    get received() {
      return tally.seen.size;
    },
    get duplicates() {
      return tally.duplicates;
    },
    get last() {
      return tally.last;
    },
    async setOnline(next) {
      if (next === online) return;
      online = next;
      await (next ? power.start() : power.stop());
    },
    close: () => power.close(),
  };
}

async function listen(server: Server | HttpServer, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function mqttCloud(name: string, topic: string, options: CloudOptions = {}): Promise<DemoCloud> {
  const broker = await Aedes.createBroker();
  const tally = new Tally();
  const sockets = new Set<Socket>();
  broker.on('publish', (packet, client) => {
    if (client) options.onRaw?.(new Uint8Array(packet.payload as Buffer), 'application/cbor', packet.topic);
    if (!client || packet.topic !== topic) return;
    try {
      tally.take(new Uint8Array(packet.payload as Buffer), 'application/cbor');
    } catch {
      // not an Airlock envelope: ignore
    }
  });
  let server = createServer(broker.handle);
  const track = (s: Server) => s.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  track(server);
  const port = await listen(server, 0);
  return standIn({ name, kind: 'mqtt', endpoint: `mqtt://127.0.0.1:${port}/${topic}` }, tally, {
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async start() {
      server = createServer(broker.handle);
      track(server);
      await listen(server, port);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

export async function httpCloud(name: string, path: string, options: CloudOptions = {}): Promise<DemoCloud> {
  const tally = new Tally();
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    if (req.method !== 'POST' || req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (options.onRaw) {
        const head = [`${req.method} ${req.url}`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`)].join('\n');
        options.onRaw(new Uint8Array(Buffer.concat(chunks)), String(req.headers['content-type'] ?? ''), head);
      }
      try {
        tally.take(new Uint8Array(Buffer.concat(chunks)), String(req.headers['content-type'] ?? 'application/cbor'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch (error) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (error as Error).message }));
      }
    });
  };
  let server = createHttpServer(handler);
  const port = await listen(server, 0);
  const stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return standIn({ name, kind: 'http', endpoint: `http://127.0.0.1:${port}${path}` }, tally, {
    stop,
    async start() {
      server = createHttpServer(handler);
      await listen(server, port);
    },
    close: stop,
  });
}
