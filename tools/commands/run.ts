import { join } from 'node:path';
import { makeNodeHost } from '../../hosts/node/host.js';
import { toHex, utf8 } from '../../modules/bytes.js';
import type { Command } from '../command.js';
import { wantsHelp } from '../command.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run the hub on this computer (the desktop host)',
  usage: `usage: airlock run [--data <dir>]

Boots the hub with the desktop host: flash emulated in <dir>/records.flash,
settings in <dir>/store.json (default dir: ./data).

Options:
  --data <dir>   where the emulated flash and the key-value store live
  -h, --help     this text`,
  async run(args) {
    if (wantsHelp(args)) {
      console.log(this.usage);
      return 0;
    }
    const at = args.indexOf('--data');
    const dataDir = at >= 0 && args[at + 1] ? args[at + 1]! : join(process.cwd(), 'data');
    const host = makeNodeHost({ dataDir });
    const probe = toHex(host.crypto.sha256(utf8('airlock'))).slice(0, 16);
    console.log(`airlock: desktop host up (boot #${host.clock.bootCount}, flash ${host.recordFlash.byteLength} bytes in ${dataDir})`);
    console.log(`airlock: crypto self-check sha256("airlock") = ${probe}...`);
    console.log('airlock: the pipeline, sources and forwarder are not built yet; this run only proves the host boots.');
    host.close();
    return 0;
  },
};
