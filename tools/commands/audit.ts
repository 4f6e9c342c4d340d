import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeCrypto } from '../../hosts/node/crypto.js';
import { FileFlash } from '../../hosts/node/file-flash.js';
import { sealedFlashAudit } from '../../modules/audit/sealed-storage.js';
import { AuditLog } from '../../modules/audit/log.js';
import { FileStore } from '../../hosts/node/file-store.js';
import { fromHex, toHex } from '../../modules/bytes.js';
import { Keyring } from '../../modules/keyring.js';
import { verifyExport, type ExportVerdict } from '../../modules/audit/verify-export.js';
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';

const USAGE = `usage: airlock audit verify <export.json> [--key-hex <hex> | --store <store.json>] [--json]
       airlock audit export --data <dir> [--out <export.json>]
       airlock audit command-key --data <dir> --integration <id>

command-key: prints the key (64 hex digits) a vendor signs its commands with
(HMAC-SHA256, docs/audit.md "Incidents and breach deadlines"); give it to the
vendor over a channel you trust, once, at setup.

export: reads a desktop hub's audit log (<dir>/audit.flash, keyed by <dir>/store.json)
and writes it as an "airlock-audit/1" export (stdout without --out). Stop the hub first.

Checks an exported audit log (format "airlock-audit/1", see docs/audit.md):
every entry's hash, the chain of prev links from the export's checkpoint, and
the head. With the hub's audit key it also checks every MAC, which proves the
hub wrote the entries; without it, only that the chain is internally consistent.

Options:
  --data <dir>         export, command-key: the hub's data folder
  --out <file>         export: write the export there (stdout without it)
  --integration <id>   command-key: the integration whose command key to print
  --key-hex <hex>      the hub's 32-byte audit key, as 64 hex digits
  --store <file>       derive the audit key from the hub's key store (store.json)
  --json               print the verdict as JSON
  -h, --help           this text

Exit status: 0 valid, 1 invalid (the first broken entry is named), 2 unreadable
(no such file, not an audit export, or a bad key).`;

/** The audit key from a hub's key store; refuses a store without a master key instead of inventing one. */
function keyringFromStore(path: string): Keyring {
  if (!existsSync(path)) throw new Error(`--store: ${path} does not exist`);
  const store = new FileStore(path);
  if (!(store.get('keyring', 'master') instanceof Uint8Array)) throw new Error(`--store: ${path} holds no keyring master key; is it the hub's store.json?`);
  const noRandom = { bytes: (): Uint8Array => { throw new Error('--store: the key store would need a new key; it is not a hub store'); } };
  return new Keyring({ store, crypto: nodeCrypto, random: noRandom });
}

function keyFromStore(path: string, purpose = 'audit'): Uint8Array {
  return keyringFromStore(path).hubKey(purpose);
}

function describe(verdict: ExportVerdict, file: string): string {
  if (verdict.status === 'unreadable') return `unreadable: ${file}: ${verdict.problem}`;
  const range = verdict.entries ? `seq ${verdict.firstSeq ?? '?'}..${verdict.lastSeq ?? '?'}` : 'no entries';
  const from = verdict.checkpointSeq === null ? 'from the start of the log' : `from checkpoint seq ${verdict.checkpointSeq}`;
  const what = verdict.mode === 'selection' ? 'each entry checked alone (a selection, not a chain)' : `chain ${from}`;
  const macs = verdict.macsChecked ? 'MACs checked' : 'MACs NOT checked (no key given)';
  if (verdict.status === 'valid') return `valid: ${verdict.entries} entries (${range}), ${what}, ${macs}`;
  const f = verdict.fault!;
  const where = f.index < 0 ? 'the checkpoint' : f.seq !== undefined ? `entry seq ${f.seq} (position ${f.index + 1})` : `the entry at position ${f.index + 1}`;
  return `invalid: ${where}: ${f.reason}\n  (${verdict.entries} entries, ${range}, ${what}, ${macs})`;
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'export a hub\'s audit log, or verify an export (chain, MACs, first broken entry)',
  usage: USAGE,
  async run(args) {
    if (args.length === 0) {
      console.log(USAGE);
      return 2;
    }
    const { values, positionals } = parseOptions('audit', args, {
      'key-hex': { type: 'string' },
      store: { type: 'string' },
      json: { type: 'boolean' },
      data: { type: 'string' },
      out: { type: 'string' },
      integration: { type: 'string' },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const [sub, file, ...extra] = positionals;
    const json = values.json === true;
    const fail = (problem: string): number => {
      const verdict: ExportVerdict = { status: 'unreadable', problem };
      console.log(json ? JSON.stringify(verdict) : `unreadable: ${problem}`);
      return 2;
    };
    if (sub === 'export') {
      if (file !== undefined || values['key-hex'] !== undefined || values.store !== undefined || values.integration !== undefined || json) {
        console.error('airlock audit export: takes only --data <dir> and --out <file>; see `airlock audit --help`');
        return 2;
      }
      return exportFromData(values.data, values.out);
    }
    if (sub === 'command-key') {
      if (file !== undefined || values['key-hex'] !== undefined || values.store !== undefined || values.out !== undefined || json) {
        console.error('airlock audit command-key: takes only --data <dir> and --integration <id>; see `airlock audit --help`');
        return 2;
      }
      return commandKey(values.data, values.integration);
    }
    if (sub !== 'verify') return fail(`unknown subcommand "${sub}"; try \`airlock audit --help\``);
    if (!file) return fail('name the export file: airlock audit verify <export.json>');
    if (extra.length > 0) return fail(`verify checks one export at a time; unexpected "${extra[0]}"`);
    if (values.data !== undefined || values.out !== undefined) return fail('--data and --out belong to `airlock audit export`');
    if (values.integration !== undefined) return fail('--integration belongs to `airlock audit command-key`');
    let key: Uint8Array | undefined;
    try {
      const hex = values['key-hex'];
      const store = values.store;
      if (hex !== undefined && store !== undefined) return fail('give --key-hex or --store, not both');
      if (hex !== undefined) {
        key = fromHex(hex);
        if (key.length !== 32) return fail(`--key-hex: the audit key is 32 bytes (64 hex digits), got ${key.length} bytes`);
      } else if (store !== undefined) {
        key = keyFromStore(store);
      }
    } catch (error) {
      return fail((error as Error).message);
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      return fail(`cannot read ${file}: ${(error as Error).message}`);
    }
    const verdict = verifyExport(nodeCrypto, text, key);
    console.log(json ? JSON.stringify(verdict) : describe(verdict, file));
    return verdict.status === 'valid' ? 0 : verdict.status === 'invalid' ? 1 : 2;
  },
};

/** `airlock audit export --data <dir>`: the desktop hub's audit log as an export an auditor can verify. */
function exportFromData(dir: string | undefined, out: string | undefined): number {
  if (!dir) {
    console.error('airlock audit export: --data <dir> is required (the hub\'s data folder, with audit.flash and store.json)');
    return 2;
  }
  const flashPath = join(dir, 'audit.flash');
  if (!existsSync(flashPath)) {
    console.error(`airlock audit export: ${flashPath} does not exist; is ${dir} a hub's data folder?`);
    return 2;
  }
  let keyring: Keyring;
  try {
    keyring = keyringFromStore(join(dir, 'store.json'));
  } catch (error) {
    console.error(`airlock audit export: ${(error as Error).message}`);
    return 2;
  }
  const size = statSync(flashPath).size;
  const flash = new FileFlash({ path: flashPath, byteLength: size, blockSize: 4096 });
  try {
    const clock = { bootCount: 0, wallTime: () => Date.now(), monotonic: () => 0 };
    // The hub seals its audit records on flash (modules/audit/sealed-storage.ts): opening them needs its key store.
    const storage = sealedFlashAudit(flash, { crypto: nodeCrypto, random: { bytes: (n) => new Uint8Array(randomBytes(n)) }, keyring });
    const audit = AuditLog.open({ storage, crypto: nodeCrypto, key: keyring.hubKey('audit'), clock });
    const text = JSON.stringify(audit.exportChain(), null, 2);
    if (out) writeFileSync(out, text);
    else console.log(text);
    return 0;
  } finally {
    flash.close();
  }
}

/** `airlock audit command-key --data <dir> --integration <id>`: the key the vendor signs its commands with. */
function commandKey(dir: string | undefined, integration: string | undefined): number {
  if (!dir || !integration) {
    console.error('airlock audit command-key: --data <dir> (the hub\'s data folder) and --integration <id> are required');
    return 2;
  }
  try {
    console.log(toHex(keyFromStore(join(dir, 'store.json'), `cmd:${integration}`)));
    return 0;
  } catch (error) {
    console.error(`airlock audit command-key: ${(error as Error).message}`);
    return 2;
  }
}
