/**
 * TCP proxies in front of a broker that count the hub's connections: how
 * many are open now, the most open at once, how many were opened. One meter
 * spans several proxies (one per endpoint), so it measures the cap the hub
 * promises from the network's side, independently of the hub's bookkeeping.
 */
import net from 'node:net';

export class ConnectionMeter {
  open = 0;
  maxOpen = 0;
  opened = 0;
  readonly #servers: net.Server[] = [];
  readonly #sockets = new Set<net.Socket>();

  /** A proxy to 127.0.0.1:`upstreamPort`; resolves with its own port. */
  async proxy(upstreamPort: number): Promise<number> {
    const server = net.createServer((client) => {
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      this.open++;
      this.opened++;
      if (this.open > this.maxOpen) this.maxOpen = this.open;
      this.#sockets.add(client);
      this.#sockets.add(upstream);
      let closed = false;
      const closeBoth = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
        if (closed) return;
        closed = true;
        this.open--;
      };
      for (const socket of [client, upstream]) {
        socket.on('error', closeBoth);
        socket.on('close', closeBoth);
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#servers.push(server);
    return (server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
