/**
 * Accepts an update only when the configured update key signed it, it is
 * newer than anything confirmed before, it fits, and the image streamed into
 * the inactive slot hashes to what was signed (ETSI EN 303 645, provisions
 * 5.3 "keep software updated" and 5.7 "ensure software integrity").
 *
 * The signature is checked before a single byte reaches flash; the image
 * digest is checked before the slot is made bootable. A refused update
 * leaves the running image and its state exactly as they were, and is
 * counted by reason.
 */
import { fromHex, toHex } from '../bytes.js';
import type { Crypto, Logger } from '../host.js';
import { publicKeyProblem } from '../signature-rules.js';
import { parseManifest, signedBytes, type UpdateKind, type UpdateManifest } from './manifest.js';
import type { UpdateSlot } from './slot.js';
import type { UpdateTrial } from './trial.js';
import { constantTimeEqual } from '../constant-time.js';

export const REFUSAL_REASONS = [
  'malformed',
  'wrong-kind',
  'bad-signature',
  'rollback',
  'failed-before',
  'busy',
  'too-large',
  'size-mismatch',
  'digest-mismatch',
  'slot-error',
  'interrupted',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type UpdateOutcome = { ok: true; version: string } | { ok: false; reason: RefusalReason; message: string };

export interface UpdateInstallerPowers {
  crypto: Crypto;
  slot: UpdateSlot;
  trial: UpdateTrial;
  log: Logger;
}

/** One image on its way into the slot. */
export interface UpdateSession {
  readonly manifest: UpdateManifest;
  /** Bytes received so far. */
  readonly received: number;
  /** The next bytes of the image, in order. A refusal ends the session. */
  write(chunk: Uint8Array): UpdateOutcome | undefined;
  /** All bytes are in: check them and make the image bootable on trial. */
  finish(): UpdateOutcome;
  /** The transfer was interrupted: drop the partial image. */
  abort(): void;
}

export class UpdateInstaller {
  readonly kind: UpdateKind;
  readonly refused: Record<RefusalReason, number>;
  accepted = 0;
  readonly #key: Uint8Array;
  readonly #powers: UpdateInstallerPowers;
  #busy = false;

  constructor(kind: UpdateKind, updateKey: Uint8Array, powers: UpdateInstallerPowers) {
    const problem = publicKeyProblem(updateKey);
    if (problem) throw new RangeError(`update installer: ${problem}; configure the vendor's P-256 public key (see docs/esp32.md)`);
    if (powers.trial.kind !== kind) throw new RangeError(`update installer: a ${kind} installer needs the ${kind} trial, got ${powers.trial.kind}`);
    this.kind = kind;
    this.#key = updateKey.slice();
    this.#powers = powers;
    this.refused = Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>;
  }

  /**
   * Checks the manifest (parsed JSON) and opens the slot. Returns a session to
   * stream the image into, or the refusal.
   */
  begin(manifestJson: unknown): UpdateSession | Extract<UpdateOutcome, { ok: false }> {
    const parsed = parseManifest(manifestJson);
    if (!parsed.ok) return this.#refuse('malformed', parsed.message);
    const manifest = parsed.manifest;
    if (manifest.kind !== this.kind) {
      return this.#refuse('wrong-kind', `update: this is a ${manifest.kind} update; send it to the ${manifest.kind} endpoint`);
    }
    if (!this.#powers.crypto.verifySignature(this.#key, signedBytes(manifest), fromHex(manifest.signature))) {
      return this.#refuse('bad-signature', `update: the signature over ${manifest.kind} ${manifest.version} does not verify with the configured update key`);
    }
    const refusal = this.#powers.trial.refusal(manifest.version);
    if (refusal) return this.#refuse(refusal.reason, refusal.message);
    if (this.#busy) return this.#refuse('busy', 'update: another update is being written; wait for it to finish');
    const capacity = this.#powers.slot.capacity;
    if (manifest.size > capacity) {
      return this.#refuse('too-large', `update: the image is ${manifest.size} bytes but the slot holds ${capacity}`);
    }
    try {
      this.#powers.slot.begin(manifest.size);
    } catch (error) {
      return this.#refuse('slot-error', `update: the inactive slot cannot be opened: ${(error as Error).message}`);
    }
    this.#busy = true;
    return this.#session(manifest);
  }

  #session(manifest: UpdateManifest): UpdateSession {
    const { crypto, slot, trial, log } = this.#powers;
    const hash = crypto.sha256Stream();
    let received = 0;
    let open = true;
    const end = (reason: RefusalReason, message: string): Extract<UpdateOutcome, { ok: false }> => {
      if (open) {
        open = false;
        this.#busy = false;
        try {
          slot.abort();
        } catch {
          // The slot is inactive: a failed abort leaves the running image untouched.
        }
      }
      return this.#refuse(reason, message);
    };
    return {
      manifest,
      get received() {
        return received;
      },
      write: (chunk) => {
        if (!open) return { ok: false, reason: 'busy', message: 'update: this session has ended; start again' };
        if (received + chunk.length > manifest.size) {
          return end('size-mismatch', `update: more than the ${manifest.size} bytes the manifest declares`);
        }
        try {
          slot.write(received, chunk);
        } catch (error) {
          return end('slot-error', `update: writing at offset ${received} failed: ${(error as Error).message}`);
        }
        hash.update(chunk);
        received += chunk.length;
        return undefined;
      },
      finish: () => {
        if (!open) return { ok: false, reason: 'busy', message: 'update: this session has ended; start again' };
        if (received !== manifest.size) {
          return end('size-mismatch', `update: received ${received} bytes, the manifest declares ${manifest.size}`);
        }
        const digest = toHex(hash.digest());
        if (!constantTimeEqual(digest, manifest.sha256)) {
          return end('digest-mismatch', `update: the image's SHA-256 is ${digest.slice(0, 16)}…, the signed manifest says ${manifest.sha256.slice(0, 16)}…`);
        }
        try {
          slot.finalize();
          slot.markPending();
        } catch (error) {
          return end('slot-error', `update: the platform refused the image: ${(error as Error).message}`);
        }
        open = false;
        this.#busy = false;
        trial.installed(manifest.version);
        this.accepted++;
        log.info('update: accepted; it starts on trial at the next restart', { kind: manifest.kind, version: manifest.version, bytes: received });
        return { ok: true, version: manifest.version };
      },
      abort: () => {
        if (open) end('interrupted', `update: transfer interrupted after ${received} of ${manifest.size} bytes`);
      },
    };
  }

  #refuse(reason: RefusalReason, message: string): Extract<UpdateOutcome, { ok: false }> {
    this.refused[reason]++;
    this.#powers.log.warn(message, { reason, kind: this.kind });
    return { ok: false, reason, message };
  }
}
