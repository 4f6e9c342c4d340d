/**
 * A TCP proxy between an MQTT client and a broker that understands the
 * protocol: it parses both directions with mqtt-packet and, per packet,
 * passes it on, drops it (a lost PUBACK), delays it, or cuts it in half and
 * closes the connection (a link dying mid-packet). `blackhole` makes it
 * accept connections and forward nothing (a vendor that hangs).
 */
import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

export type Direction = 'toBroker' | 'toClient';
export type PacketAction = 'pass' | 'drop' | 'cut' | { delayMs: number };
export type Decide = (direction: Direction, packet: Packet) => PacketAction;

export class FaultProxy {
  readonly port: number;
  decide: Decide = () => 'pass';
  /** Accept connections but forward nothing in either direction. */
  blackhole = false;
  /** Counts by direction and command, for assertions. */
  readonly seen = { toBroker: new Map<string, number>(), toClient: new Map<string, number>() };
  readonly dropped: { direction: Direction; packet: Packet }[] = [];
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(server: net.Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(upstreamPort: number): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = net.createServer((client) => proxy!.#connect(client, upstreamPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new FaultProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Drops every open connection (clients will reconnect through the proxy). */
  cutAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #connect(client: net.Socket, upstreamPort: number): void {
    const broker = net.connect(upstreamPort, '127.0.0.1');
    this.#sockets.add(client);
    this.#sockets.add(broker);
    const closeBoth = () => {
      client.destroy();
      broker.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(broker);
    };
    client.on('error', closeBoth);
    broker.on('error', closeBoth);
    client.on('close', closeBoth);
    broker.on('close', closeBoth);
    this.#pipe(client, broker, 'toBroker', closeBoth);
    this.#pipe(broker, client, 'toClient', closeBoth);
  }

  #pipe(from: net.Socket, to: net.Socket, direction: Direction, closeBoth: () => void): void {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let chain = Promise.resolve();
    parser.on('packet', (packet: Packet) => {
      if (this.blackhole) return;
      const counts = this.seen[direction];
      counts.set(packet.cmd, (counts.get(packet.cmd) ?? 0) + 1);
      const action = this.decide(direction, packet);
      if (action === 'drop') {
        this.dropped.push({ direction, packet });
        return;
      }
      const bytes = mqttPacket.generate(packet);
      chain = chain.then(async () => {
        if (typeof action === 'object') await new Promise((resolve) => setTimeout(resolve, action.delayMs));
        if (to.destroyed) return;
        if (action === 'cut') {
          to.write(bytes.subarray(0, bytes.length >> 1), () => closeBoth());
          return;
        }
        to.write(bytes);
      });
    });
    parser.on('error', closeBoth);
    from.on('data', (chunk: Buffer) => parser.parse(chunk));
  }
}
