import mqtt from 'mqtt';
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { Fleet } from '../dash/fleet.js';
import { ansi, plain, renderFleet, renderHub } from '../dash/render.js';

export const dashCommand: Command = {
  name: 'dash',
  summary: 'terminal dashboard for one hub or a fleet, from their MQTT topics',
  usage: `usage: airlock dash --broker <mqtt-url> [--hub <id>] [--once] [--wait <ms>]

Subscribes to airlock/+/status, airlock/+/state and airlock/+/integration/+/state on the
broker the hubs report to and shows one row per hub (offline hubs and service-level
violations highlighted). Press a hub's number to drill into its integrations, 0 or Esc
to go back, q to quit.

Options:
  --broker <url>  the monitoring broker, e.g. mqtt://127.0.0.1:1883 (or env AIRLOCK_BROKER)
  --hub <id>      start in one hub's view
  --once          print one snapshot after --wait ms and exit (for scripts and cron)
  --wait <ms>     how long --once collects retained messages first (default 1500)
  -h, --help      this text`,
  async run(args) {
    const { values, positionals } = parseOptions('dash', args, {
      broker: { type: 'string' },
      hub: { type: 'string' },
      once: { type: 'boolean' },
      wait: { type: 'string' },
    });
    if (values.help) {
      console.log(this.usage);
      return 0;
    }
    if (positionals.length > 0) {
      console.error(`airlock dash: unexpected argument "${positionals[0]}"; the broker goes after --broker`);
      return 2;
    }
    const waitMs = Number(values.wait ?? 1500);
    if (!Number.isFinite(waitMs) || waitMs < 0) {
      console.error(`airlock dash: --wait takes milliseconds, e.g. --wait 1500 (got "${values.wait}")`);
      return 2;
    }
    const url = values.broker || process.env.AIRLOCK_BROKER;
    if (!url) {
      console.error('airlock dash: --broker <mqtt-url> is required (the broker your hubs publish monitoring to)');
      return 2;
    }
    const fleet = new Fleet();
    let focus = values.hub;
    const once = values.once === true;
    const client = mqtt.connect(url, { reconnectPeriod: once ? 0 : 2000, connectTimeout: 5000 });
    client.on('message', (topic, payload) => {
      if (fleet.accept(topic, payload.toString('utf8')) && !once) draw();
    });
    const connected = new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    try {
      await connected;
    } catch (error) {
      console.error(`airlock dash: cannot reach ${url}: ${(error as Error).message}`);
      client.end(true);
      return 1;
    }
    await client.subscribeAsync(['airlock/+/status', 'airlock/+/state', 'airlock/+/integration/+/state'], { qos: 0 });

    if (once) {
      await new Promise((r) => setTimeout(r, waitMs));
      const hub = focus ? fleet.hubs.get(focus) : undefined;
      console.log(hub ? renderHub(hub, plain) : renderFleet(fleet, plain));
      await client.endAsync();
      return focus && !hub ? 1 : 0;
    }

    const style = process.stdout.isTTY ? ansi : plain;
    function draw(): void {
      const hub = focus ? fleet.hubs.get(focus) : undefined;
      const body = hub ? renderHub(hub, style) : renderFleet(fleet, style);
      const help = hub ? '0/Esc: fleet  q: quit' : 'number: drill into a hub  q: quit';
      process.stdout.write(`\x1b[H\x1b[2J${body}\n\n${style.dim(`${url}  ${help}`)}\n`);
    }
    draw();
    return new Promise<number>((resolve) => {
      const stop = () => {
        if (process.stdin.isTTY) process.stdin.setRawMode(false);
        process.stdin.pause();
        client.end(true);
        resolve(0);
      };
      process.on('SIGINT', stop);
      if (!process.stdin.isTTY) return;
      process.stdin.setRawMode(true);
      process.stdin.resume();
      process.stdin.on('data', (key: Buffer) => {
        const k = key.toString();
        if (k === 'q' || k === '\u0003') return stop();
        if (k === '0' || k === '\u001b') focus = undefined;
        else if (/^[1-9]$/.test(k)) {
          const ids = [...fleet.hubs.keys()].sort();
          focus = ids[Number(k) - 1] ?? focus;
        }
        draw();
      });
    });
  },
};
