/**
 * Real MQTT brokers for the node fault suites: aedes in this process (plain
 * or TLS), and Mosquitto as a separate process on a random loopback port.
 * Both can be stopped and started again on the same port mid-stream.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once something accepts TCP connections on `port` (bounded). */
export async function waitForPort(port: number, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface TestBroker {
  readonly kind: 'aedes' | 'mosquitto';
  readonly port: number;
  readonly url: string;
  /** Stops the broker (connections drop, port closes). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops for good and cleans up. */
  close(): Promise<void>;
}

export interface AedesOptions {
  port?: number;
  tls?: { key: string; cert: string };
  /** Called with every publish the broker accepted (before its PUBACK). */
  onPublish?: (topic: string, payload: Buffer) => void;
  /** Called with each aedes instance started (to listen to its client, subscribe and ack events). */
  setup?: (broker: Aedes) => void;
}

export async function startAedes(options: AedesOptions = {}): Promise<TestBroker> {
  const port = options.port ?? (await freePort());
  let broker: Aedes | undefined;
  let server: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  const start = async () => {
    const b = await Aedes.createBroker();
    b.on('publish', (packet, client) => {
      if (client && !packet.topic.startsWith('$SYS')) options.onPublish?.(packet.topic, packet.payload as Buffer);
    });
    options.setup?.(b);
    const handler = (socket: net.Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      b.handle(socket);
    };
    const s = options.tls ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : net.createServer(handler);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    broker = b;
    server = s;
  };
  const stop = async () => {
    const s = server;
    const b = broker;
    server = undefined;
    broker = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    if (b) await new Promise<void>((resolve) => b.close(() => resolve()));
  };
  await start();
  return { kind: 'aedes', port, url: `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`, start, stop, close: stop };
}

/** The Mosquitto binary, or undefined when it is not installed. */
export function mosquittoPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  return ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto'].find((p) => existsSync(p));
}


/**
 * Mosquitto on 127.0.0.1:<random port> with a generated config. Persistence is
 * on and stop() sends SIGTERM (Mosquitto saves its state), so messages it
 * acknowledged survive the restart, as a vendor's broker should guarantee.
 */
export async function startMosquitto(options: { users?: Record<string, string> } = {}): Promise<TestBroker | undefined> {
  const binary = mosquittoPath();
  if (!binary) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'airlock-mosquitto-'));
  // Started as root, Mosquitto drops to its own user: it must be able to write its persistence file here.
  chmodSync(dir, 0o777);
  const config = join(dir, 'mosquitto.conf');
  // With users: only they may connect (a password file hashed by mosquitto_passwd, as an installer makes one).
  const access = ['allow_anonymous true'];
  if (options.users) {
    const passwords = join(dir, 'passwords');
    writeFileSync(passwords, Object.entries(options.users).map(([user, password]) => `${user}:${password}\n`).join(''));
    const hashed = spawnSync('mosquitto_passwd', ['-U', passwords], { encoding: 'utf8' });
    if (hashed.status !== 0) throw new Error(`mosquitto_passwd -U failed: ${hashed.stderr || hashed.error}`);
    chmodSync(passwords, 0o644); // read by the mosquitto user it drops to
    access.splice(0, 1, 'allow_anonymous false', `password_file ${passwords}`);
  }
  writeFileSync(
    config,
    [`listener ${port} 127.0.0.1`, ...access, 'persistence true', `persistence_location ${dir}/`, 'log_dest none', 'max_queued_messages 100000', ''].join('\n'),
  );
  let child: ChildProcess | undefined;
  const start = async () => {
    const c = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr?.on('data', (chunk) => (stderr += String(chunk)));
    child = c;
    try {
      await waitForPort(port);
    } catch (error) {
      c.kill('SIGKILL');
      throw new Error(`mosquitto did not start: ${(error as Error).message}\n${stderr}`);
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    kind: 'mosquitto',
    port,
    url: `mqtt://127.0.0.1:${port}`,
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A vendor-side subscriber (QoS 1, persistent session) that hands every
 * message to `onMessage`; it survives broker restarts and receives what the
 * broker kept for it meanwhile. `brokerRedelivery` is the DUP flag: the broker
 * resending to the subscriber after a restart (the vendor's own QoS 1 leg),
 * not a duplicate the hub sent.
 */
export async function subscribe(url: string, topic: string, onMessage: (topic: string, payload: Buffer, brokerRedelivery: boolean) => void): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId: `receiver-${Math.random().toString(16).slice(2)}`, clean: false, reconnectPeriod: 100 });
  client.on('error', () => {});
  client.on('message', (t, payload, packet) => onMessage(t, payload, packet.dup === true));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return client;
}
