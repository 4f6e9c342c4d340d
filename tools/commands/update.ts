/**
 * `airlock update`: the vendor's side of signed updates. Makes the P-256
 * update key, signs an image into a manifest, and checks a manifest the way
 * the hub does (same core code, node:crypto underneath).
 */
import { generateKeyPairSync, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { nodeCrypto } from '../../hosts/node/crypto.js';
import { fromHex, toHex } from '../../modules/bytes.js';
import { isVersion, parseManifest, signedBytes, UPDATE_KINDS, type UpdateKind } from '../../modules/update/manifest.js';
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { constantTimeEqual } from '../../modules/constant-time.js';

function rawPublicKey(pem: string): string {
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  return '04' + Buffer.from(jwk.x!, 'base64url').toString('hex') + Buffer.from(jwk.y!, 'base64url').toString('hex');
}

export const updateCommand: Command = {
  name: 'update',
  summary: 'make an update key, sign an update, or verify a signed manifest',
  usage: `usage:
  airlock update keygen --out <key.pem>
      New P-256 update key (keep it offline). Prints the public key hex for
      manifest.json "airlock.updateKey".
  airlock update sign --key <key.pem> --kind firmware|contracts --version X.Y.Z --image <file> [--out <manifest.json>]
      Writes the signed manifest (default: <file>.manifest.json).
  airlock update verify --pub <hex> --manifest <manifest.json> --image <file>
      Checks signature, size and SHA-256 as the hub does.

Upload to a hub: curl --data-binary @<file> -H "x-airlock-manifest: $(cat <manifest.json>)" http://<hub>/api/update/<kind>`,
  async run(args) {
    // Each action takes only its own options: `--out` on verify, say, is a mistake worth naming.
    const allowed: Record<string, string[]> = {
      keygen: ['out'],
      sign: ['key', 'kind', 'version', 'image', 'out'],
      verify: ['pub', 'manifest', 'image'],
    };
    const { values, positionals } = parseOptions('update', args, Object.fromEntries(
      ['out', 'key', 'kind', 'version', 'image', 'pub', 'manifest'].map((name) => [name, { type: 'string' as const }]),
    ));
    const [action, ...extra] = positionals;
    if (!action || values.help) {
      console.log(this.usage);
      return action || values.help ? 0 : 2;
    }
    const known = allowed[action];
    if (known) {
      const foreign = Object.keys(values).find((name) => name !== 'help' && !known.includes(name));
      if (foreign) return console.error(`airlock update ${action}: --${foreign} is not an option of ${action} (it takes ${known.map((n) => `--${n}`).join(', ')})`), 2;
      if (extra.length > 0) return console.error(`airlock update ${action}: unexpected argument "${extra[0]}"; every input is named by an option`), 2;
    }
    const option = (name: string): string | undefined => values[name] as string | undefined;
    if (action === 'keygen') {
      const out = option('out');
      if (!out) return console.error('airlock update keygen: --out <key.pem> is required'), 2;
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      writeFileSync(out, pem, { mode: 0o600 });
      console.log(`wrote ${out}\nupdateKey: ${rawPublicKey(pem)}`);
      return 0;
    }
    if (action === 'sign') {
      const [keyFile, kind, version, imageFile] = ['key', 'kind', 'version', 'image'].map(option);
      if (!keyFile || !kind || !version || !imageFile) return console.error('airlock update sign: --key, --kind, --version and --image are required'), 2;
      if (!(UPDATE_KINDS as readonly string[]).includes(kind)) return console.error(`airlock update sign: --kind must be ${UPDATE_KINDS.join(' or ')}`), 2;
      if (!isVersion(version)) return console.error('airlock update sign: --version must be MAJOR.MINOR.PATCH'), 2;
      const image = new Uint8Array(readFileSync(imageFile));
      const unsigned = { kind: kind as UpdateKind, version, size: image.length, sha256: toHex(nodeCrypto.sha256(image)) };
      const signature = sign('sha256', signedBytes(unsigned), { key: createPrivateKey(readFileSync(keyFile, 'utf8')), dsaEncoding: 'ieee-p1363' });
      const out = option('out') ?? `${imageFile}.manifest.json`;
      writeFileSync(out, JSON.stringify({ ...unsigned, signature: signature.toString('hex') }) + '\n');
      console.log(`wrote ${out}`);
      return 0;
    }
    if (action === 'verify') {
      const [pub, manifestFile, imageFile] = ['pub', 'manifest', 'image'].map(option);
      if (!pub || !manifestFile || !imageFile) return console.error('airlock update verify: --pub, --manifest and --image are required'), 2;
      const parsed = parseManifest(JSON.parse(readFileSync(manifestFile, 'utf8')));
      if (!parsed.ok) return console.error(parsed.message), 1;
      const m = parsed.manifest;
      const image = new Uint8Array(readFileSync(imageFile));
      const problems = [
        nodeCrypto.verifySignature(fromHex(pub), signedBytes(m), fromHex(m.signature)) ? '' : 'the signature does not verify with this key',
        image.length === m.size ? '' : `the image is ${image.length} bytes, the manifest says ${m.size}`,
        constantTimeEqual(toHex(nodeCrypto.sha256(image)), m.sha256) ? '' : 'the image SHA-256 differs from the manifest',
      ].filter(Boolean);
      for (const p of problems) console.error(`airlock update verify: ${p}`);
      if (problems.length === 0) console.log(`ok: ${m.kind} ${m.version}, ${m.size} bytes, signed by the given key`);
      return problems.length === 0 ? 0 : 1;
    }
    console.error(`airlock update: unknown action "${action}"\n\n${this.usage}`);
    return 2;
  },
};
