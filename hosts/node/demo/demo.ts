/**
 * `npm start`: the whole hub on this computer with embedded defaults.
 * A home broker (aedes), simulated devices (zigbee2mqtt, Tasmota, BTHome),
 * three integrations from docs/examples with local stand-ins for their
 * clouds, and a live console. Keys 1-3 take a cloud offline and back.
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import { buildBthomeFrame } from '../../sim/bthome-frames.js';
import { repoRoot } from '../../xs/engine.js';
import { checkConfig, CONFIG_FORMAT } from '../config.js';
import { liveSummary, oneLine, renderSummary } from '../console-summary.js';
import { consoleLogger } from '../host.js';
import { runHub, type RunningHub } from '../desktop-hub.js';
import { httpCloud, mqttCloud, type DemoCloud } from './clouds.js';
import { DeviceSimulator } from './simulator.js';

export interface DemoOptions {
  dataDir: string;
  /** Stop by itself after this many seconds (scripts, CI smoke runs). */
  durationS?: number;
  /** Boot as if the hub had no wall-clock time yet (`--no-wall-clock`). */
  noWallClock?: boolean;
  /** Home broker port; 1883 by default, a free one if that is taken. */
  port?: number;
  /** Extra lines for the console (the web page's address). */
  extra?: (running: RunningHub) => string[];
  onStarted?: (running: RunningHub) => Promise<void> | void;
  intervalMs?: number;
}

const DEMO_SECRETS = {
  'energy-saver-token': 'demo-password-energy',
  'alarm-company-client-cert': 'demo-placeholder (the demo cloud does not check certificates)',
  'leak-insurer-api': 'demo-api-key-leak',
};

export async function runDemo(options: DemoOptions): Promise<number> {
  const log = consoleLogger(process.stdout.isTTY ? 'warn' : 'info');
  const clouds: DemoCloud[] = [
    await mqttCloud('energy-saver', 'homes/readings'),
    await httpCloud('leak-insurer', '/v2/smarthome/events'),
    await mqttCloud('alarm-company', 'sites/events'),
  ];
  const endpointOf = (name: string) => clouds.find((c) => c.name === name)!.endpoint;
  const configJson = {
    format: CONFIG_FORMAT,
    hubId: 'demo-home',
    dataDir: options.dataDir,
    localBroker: { embedded: true, port: options.port ?? 1883 },
    sources: { bthome: {} },
    integrations: [
      { contract: 'docs/examples/energy-saver.json', endpoint: endpointOf('energy-saver'), consent: { 'energy-advice': true, 'tariff-optimisation': true } },
      { contract: 'docs/examples/leak-insurer.json', endpoint: endpointOf('leak-insurer'), consent: { 'leak-alerts': true, 'policy-discount': true } },
      { contract: 'docs/examples/alarm-company.json', endpoint: endpointOf('alarm-company'), consent: { 'presence-insights': true } },
    ],
    monitorIntervalMs: 2000,
  };
  let running: RunningHub;
  try {
    const config = checkConfig(configJson, join(repoRoot, 'demo.config.json'), { secrets: DEMO_SECRETS });
    try {
      running = await runHub(config, { log, webPortFallback: true, noWallClock: options.noWallClock === true });
    } catch (error) {
      if (options.port !== undefined || !/EADDRINUSE/.test((error as Error).message)) throw error;
      config.file.localBroker = { embedded: true, port: 0 }; // 1883 is taken (a real broker?): use a free port
      running = await runHub(config, { log, webPortFallback: true, noWallClock: options.noWallClock === true });
    }
  } catch (error) {
    for (const cloud of clouds) await cloud.close().catch(() => undefined);
    throw error;
  }

  const devices = mqtt.connect(running.localBrokerUrl!, { clientId: 'demo-devices' });
  const simulator = new DeviceSimulator({
    client: devices,
    bthomeFrame: (mac, frame) => running.acceptBle(mac, frame, -67),
    buildBthome: (v, packetId) =>
      buildBthomeFrame({ packetId, objects: [[0x01, v.battery], [0x02, v.temperature], [0x03, v.humidity]] }),
  });
  devices.on('connect', () => simulator.start(2000));
  await options.onStarted?.(running);

  // What the vendor actually sees: the last record, pseudonym and generalized fields.
  const lastRecord = (c: DemoCloud) => {
    const data = c.last.at(-1)?.data as { s?: string; d?: string; f?: Record<string, unknown>; p?: string[] } | undefined;
    if (!data) return '';
    const text = `last: ${data.s} from ${String(data.d).slice(0, 8)}… ${JSON.stringify(data.f)} for ${(data.p ?? []).join(', ')}`;
    return text.length > 110 ? `${text.slice(0, 109)}…` : text;
  };
  const cloudLines = () =>
    clouds.flatMap((c, n) => [
      `  ${n + 1}. ${c.name.padEnd(14)} ${c.online ? 'online ' : 'OFFLINE'}  received ${String(c.received).padStart(5)}  duplicates ${c.duplicates}  (${c.endpoint})`,
      `     ${lastRecord(c)}`,
    ]);
  const extra = () => [
    'Demo clouds (what actually left the home):',
    ...cloudLines(),
    '',
    running.web
      ? `Web page: ${running.web.url}${running.setupCode ? `   first-time setup code: ${running.setupCode} (creates the owner account)` : ''}`
      : 'Web page: off',
    `Home broker: ${running.localBrokerUrl}   monitoring topics: airlock/demo-home/#   Home Assistant discovery: homeassistant/device/demo-home/config`,
    ...(options.extra?.(running) ?? []),
    `Data: ${options.dataDir}   keys: 1-3 take a cloud offline/online, q quits`,
  ];
  const stopConsole = liveSummary(() => renderSummary(running.snapshot(), extra(), true), () => oneLine(running.snapshot()), options.intervalMs ?? 1000);

  return new Promise<number>((resolve) => {
    let done = false;
    const stop = async () => {
      if (done) return;
      done = true;
      stopConsole();
      simulator.stop();
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      process.stdin.pause();
      await devices.endAsync(true).catch(() => undefined);
      await running.stop();
      for (const cloud of clouds) await cloud.close().catch(() => undefined);
      console.log(`\n${oneLine(running.snapshot())}\n${cloudLines().join('\n')}`);
      resolve(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    if (options.durationS) setTimeout(() => void stop(), options.durationS * 1000);
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(true);
      process.stdin.resume();
      process.stdin.on('data', (key: Buffer) => {
        const k = key.toString();
        if (k === 'q' || k === '\u0003') return void stop();
        const cloud = clouds[Number(k) - 1];
        if (cloud) void cloud.setOnline(!cloud.online);
      });
    }
  });
}
