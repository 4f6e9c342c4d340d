/**
 * The manifest that travels with every update (firmware image or contract
 * bundle): what it is, which version, how big, its SHA-256, and the update
 * key's signature over exactly those facts. The image itself is not signed
 * directly: it is hashed while it streams to flash, and the hash is what the
 * signature covers, so a 1.5 MB image never has to fit in RAM.
 */
import * as v from 'valibot';
import { utf8 } from '../bytes.js';
import { matches } from '../contract/pattern.js';

export const UPDATE_KINDS = ['firmware', 'contracts'] as const;
export type UpdateKind = (typeof UPDATE_KINDS)[number];

export interface UpdateManifest {
  kind: UpdateKind;
  /** MAJOR.MINOR.PATCH, compared numerically; versions only go up. */
  version: string;
  /** Image size in bytes. */
  size: number;
  /** Lowercase hex SHA-256 of the image. */
  sha256: string;
  /** Lowercase hex ECDSA P-256 signature (r || s) over `signedBytes(manifest)`. */
  signature: string;
}

const VERSION = (): RegExp => /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

const ManifestSchema = v.strictObject({
  kind: v.picklist(UPDATE_KINDS, 'kind must be "firmware" or "contracts"'),
  version: v.pipe(v.string('version must be a string'), matches(VERSION, 'version must be MAJOR.MINOR.PATCH (digits, no leading zeros)')),
  size: v.pipe(v.number('size must be a number'), v.integer('size must be a whole number of bytes'), v.minValue(1, 'size must be at least 1 byte')),
  sha256: v.pipe(v.string('sha256 must be a string'), matches(() => /^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits')),
  signature: v.pipe(v.string('signature must be a string'), matches(() => /^[0-9a-f]{128}$/, 'signature must be 128 lowercase hex digits (r || s)')),
});

export type ManifestResult = { ok: true; manifest: UpdateManifest } | { ok: false; message: string };

/** Validates a manifest (already JSON-parsed); the message names the field and the rule. */
export function parseManifest(input: unknown): ManifestResult {
  const result = v.safeParse(ManifestSchema, input);
  if (result.success) return { ok: true, manifest: result.output };
  const issue = result.issues[0];
  const field = issue.path?.map((p) => String(p.key)).join('.') ?? '(manifest)';
  return { ok: false, message: `update manifest: ${field}: ${issue.message}` };
}

/**
 * The bytes the update key signs: a fixed, line-based form (no JSON
 * canonicalisation to get wrong). The `airlock-update/v1` label keeps a
 * signature made for anything else from ever being accepted here.
 */
export function signedBytes(manifest: Omit<UpdateManifest, 'signature'>): Uint8Array {
  return utf8(`airlock-update/v1\n${manifest.kind}\n${manifest.version}\n${manifest.size}\n${manifest.sha256}\n`);
}

/** Negative when a < b, zero when equal, positive when a > b. Both must match the version rule. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

export function isVersion(text: string): boolean {
  return VERSION().test(text);
}
