/** Builds signed update manifests and "boots" a hub's updater over simulated OTA partitions. */
import { toHex } from '../../modules/bytes.js';
import type { Crypto, KeyValueStore, Logger } from '../../modules/host.js';
import { signedBytes, type UpdateKind, type UpdateManifest } from '../../modules/update/manifest.js';
import { UpdateInstaller, type UpdateOutcome } from '../../modules/update/installer.js';
import { UpdateTrial } from '../../modules/update/trial.js';
import type { SimulatedOta } from '../../hosts/sim/simulated-ota.js';
import type { TestSigner } from './update-signer.js';

export function signedManifest(crypto: Crypto, signer: TestSigner, kind: UpdateKind, version: string, image: Uint8Array): UpdateManifest {
  const unsigned = { kind, version, size: image.length, sha256: toHex(crypto.sha256(image)) };
  return { ...unsigned, signature: toHex(signer.sign(signedBytes(unsigned))) };
}

export interface BootedUpdater {
  trial: UpdateTrial;
  installer: UpdateInstaller;
  startState: ReturnType<UpdateTrial['start']>;
}

/** What the composition root does at every start: open the trial for the running image, then the installer. */
export function bootUpdater(powers: { crypto: Crypto; store: KeyValueStore; log: Logger; ota: SimulatedOta; updateKey: Uint8Array; maxTrialStarts?: number }): BootedUpdater {
  const trial = new UpdateTrial('firmware', { store: powers.store, control: powers.ota, log: powers.log }, {
    runningVersion: powers.ota.runningVersion,
    ...(powers.maxTrialStarts === undefined ? {} : { maxTrialStarts: powers.maxTrialStarts }),
  });
  const startState = trial.start();
  const installer = new UpdateInstaller('firmware', powers.updateKey, { crypto: powers.crypto, slot: powers.ota, trial, log: powers.log });
  return { trial, installer, startState };
}

/** Streams an image into the installer in chunks, as a network transfer would. */
export function install(installer: UpdateInstaller, manifest: unknown, image: Uint8Array, chunk = 512): UpdateOutcome {
  const session = installer.begin(manifest);
  if (!('write' in session)) return session;
  for (let at = 0; at < image.length; at += chunk) {
    const refused = session.write(image.subarray(at, at + chunk));
    if (refused) return refused;
  }
  return session.finish();
}
