import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../hosts/node/config.js';
import { liveSummary, oneLine, renderSummary } from '../../hosts/node/console-summary.js';
import { runDemo } from '../../hosts/node/demo/demo.js';
import { runHub } from '../../hosts/node/desktop-hub.js';
import { StoreError } from '../../modules/store-rules.js';
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run the hub on this computer (no --config: the built-in demo)',
  usage: `usage: airlock run [--config <file>] [--data <dir>] [--duration <seconds>] [--no-wall-clock]

With --config, runs the hub a configuration file describes (format: docs/configuration.md).
Without it, runs the demo: an embedded home broker, simulated devices, three integrations
from docs/examples with local stand-ins for their clouds, and a live console.

Options:
  --config <file>      the hub's configuration (airlock-config/1)
  --data <dir>         demo only: where the emulated flash and key store live (default ./data/demo)
  --duration <s>       stop by itself after this many seconds
  --no-wall-clock      boot as if the hub had no time yet (records carry boot + monotonic stamps)
  -h, --help           this text`,
  async run(args) {
    const { values, positionals } = parseOptions('run', args, {
      config: { type: 'string' },
      data: { type: 'string' },
      duration: { type: 'string' },
      'no-wall-clock': { type: 'boolean' },
    });
    if (values.help) {
      console.log(this.usage);
      return 0;
    }
    if (positionals.length > 0) {
      console.error(`airlock run: unexpected argument "${positionals[0]}"; a configuration goes after --config`);
      return 2;
    }
    const duration = values.duration !== undefined ? Number(values.duration) : undefined;
    if (duration !== undefined && !(duration > 0)) {
      console.error(`airlock run: --duration takes a number of seconds greater than 0 (got "${values.duration}")`);
      return 2;
    }
    const configPath = values.config;
    if (!configPath) {
      return runDemo({ dataDir: values.data ?? join(process.cwd(), 'data', 'demo'), durationS: duration, noWallClock: values['no-wall-clock'] === true });
    }
    if (values.data !== undefined) {
      console.error('airlock run: --data is for the demo; with --config the data folder is the configuration\'s "dataDir"');
      return 2;
    }
    let config;
    try {
      config = loadConfig(configPath);
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(`airlock run: the configuration cannot be used.\n${error.message}`);
        return 2;
      }
      throw error;
    }
    let running;
    try {
      running = await runHub(config, { noWallClock: values['no-wall-clock'] === true });
    } catch (error) {
      // A key store others can read (or a damaged one): say what to do, not a stack trace.
      if (error instanceof StoreError) {
        console.error(`airlock run: ${error.message}`);
        return 2;
      }
      throw error;
    }
    const stopConsole = liveSummary(() => renderSummary(running.snapshot(), [
          running.web ? `Web page: ${running.web.url}${running.setupCode ? `   first-time setup code: ${running.setupCode}` : ''}` : 'Web page: off',
          `Home broker: ${running.localBrokerUrl ?? 'none (BTHome only)'}   monitoring: ${running.monitorBrokerUrl ?? 'none'}`,
        ], true), () => oneLine(running.snapshot()));
    return new Promise<number>((resolve) => {
      const stop = async () => {
        stopConsole();
        await running.stop();
        resolve(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      if (duration) setTimeout(() => void stop(), duration * 1000);
    });
  },
};
