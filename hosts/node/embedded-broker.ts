/**
 * An MQTT broker inside the desktop process (aedes), the default home broker
 * for `npm start` and the tests' in-process peer. Binds to loopback unless told.
 */
import { Aedes } from 'aedes';
import { createServer, type AddressInfo, type Server } from 'node:net';

export interface EmbeddedBroker {
  url: string;
  port: number;
  broker: Aedes;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: { port?: number; host?: string } = {}): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    broker,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
        // Clients with open sockets would keep server.close waiting; aedes closes them.
      }),
  };
}
