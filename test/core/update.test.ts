import test from 'ava';
import { toHex } from '../../modules/bytes.js';
import { compareVersions, parseManifest, signedBytes } from '../../modules/update/manifest.js';
import { UpdateInstaller } from '../../modules/update/installer.js';
import { UpdateTrial } from '../../modules/update/trial.js';
import { SeededRandom } from '../../hosts/sim/seeded-random.js';
import { SimulatedOta, testImage } from '../../hosts/sim/simulated-ota.js';
import { makeTestHost } from '../support/test-host.js';
import { makeTestSigner } from '../support/update-signer.js';
import { bootUpdater, install, signedManifest } from '../support/updates.js';

function setup(options: { bootloaderRollback?: boolean; maxTrialStarts?: number } = {}) {
  const host = makeTestHost();
  const signer = makeTestSigner(new SeededRandom(42));
  const ota = new SimulatedOta({
    capacity: 8192,
    factoryImage: testImage('1.0.0'),
    ...(options.bootloaderRollback === undefined ? {} : { bootloaderRollback: options.bootloaderRollback }),
  });
  const boot = () =>
    bootUpdater({
      crypto: host.crypto,
      store: host.store,
      log: host.log,
      ota,
      updateKey: signer.publicKey,
      ...(options.maxTrialStarts === undefined ? {} : { maxTrialStarts: options.maxTrialStarts }),
    });
  const update = (version: string, image = testImage(version)) => ({ image, manifest: signedManifest(host.crypto, signer, 'firmware', version, image) });
  return { host, signer, ota, boot, update };
}

test('a signed, newer image is installed to the inactive slot, runs on trial and becomes the version once confirmed', (t) => {
  const { ota, boot, update } = setup();
  const first = boot();
  t.is(first.startState.state, 'steady');
  const { image, manifest } = update('1.1.0');
  t.deepEqual(install(first.installer, manifest, image), { ok: true, version: '1.1.0' });
  t.deepEqual(ota.partitions[1], image);
  t.is(ota.runningVersion, '1.0.0', 'nothing changes until the restart');
  t.is(first.trial.status().pending, '1.1.0');

  ota.restart();
  const second = boot();
  t.is(ota.runningVersion, '1.1.0');
  t.like(second.startState, { state: 'trial', start: 1 });
  t.true(second.trial.confirm());
  t.like(second.trial.status(), { running: '1.1.0', state: 'steady', pending: null, floor: '1.1.0' });

  ota.restart();
  t.is(ota.runningVersion, '1.1.0', 'a confirmed image stays');
  t.is(boot().startState.state, 'steady');
});

test('a tampered image is refused after streaming, before it can boot, and the running image is untouched', (t) => {
  const { ota, boot, update } = setup();
  const { installer, trial } = boot();
  const { image, manifest } = update('1.1.0');
  const tampered = image.slice();
  tampered[2000]! ^= 0x20;
  const outcome = install(installer, manifest, tampered);
  t.like(outcome, { ok: false, reason: 'digest-mismatch' });
  t.is(installer.refused['digest-mismatch'], 1);
  t.is(trial.status().pending, null);
  ota.restart();
  t.is(ota.runningVersion, '1.0.0');
});

test('a manifest signed by another key, or changed after signing, is refused before anything is written', (t) => {
  const { host, ota, boot } = setup();
  const { installer } = boot();
  const image = testImage('1.1.0');
  const stranger = makeTestSigner(new SeededRandom(7));
  const foreign = signedManifest(host.crypto, stranger, 'firmware', '1.1.0', image);
  t.like(install(installer, foreign, image), { ok: false, reason: 'bad-signature' });

  const { signer } = setup();
  const genuine = signedManifest(host.crypto, signer, 'firmware', '1.1.0', image);
  t.like(install(installer, { ...genuine, version: '9.9.9' }, image), { ok: false, reason: 'bad-signature' });
  const otherImage = testImage('1.1.0', 2999);
  t.like(install(installer, { ...genuine, size: otherImage.length, sha256: toHex(host.crypto.sha256(otherImage)) }, otherImage), {
    ok: false,
    reason: 'bad-signature',
  });
  t.is(installer.refused['bad-signature'], 3);
  t.is(ota.partitions[1], undefined, 'the inactive slot was never opened');
});

test('older, equal and previously confirmed versions are refused: versions only go up', (t) => {
  const { ota, boot, update } = setup();
  const { installer } = boot();
  for (const version of ['0.9.9', '1.0.0']) {
    const { image, manifest } = update(version);
    t.like(install(installer, manifest, image), { ok: false, reason: 'rollback' }, version);
  }
  const { image, manifest } = update('2.0.0');
  t.true(install(installer, manifest, image).ok);
  ota.restart();
  const onTrial = boot();
  t.like(install(onTrial.installer, update('2.1.0').manifest, update('2.1.0').image), { ok: false, reason: 'busy' }, 'no update during a trial');
  onTrial.trial.confirm();
  const older = update('1.5.0');
  t.like(install(onTrial.installer, older.manifest, older.image), { ok: false, reason: 'rollback' });
  t.is(onTrial.installer.refused.rollback, 1);
});

test('an image that never confirms is abandoned at the next restart, and its version is refused from then on', (t) => {
  const { ota, boot, update } = setup();
  const { installer } = boot();
  const bad = update('1.1.0');
  t.true(install(installer, bad.manifest, bad.image).ok);
  ota.restart();
  t.like(boot().startState, { state: 'trial' }); // it started but the hub never became healthy (no confirm)
  ota.restart(); // the bootloader abandons the unconfirmed image
  const after = boot();
  t.is(ota.runningVersion, '1.0.0');
  t.deepEqual(after.startState, { state: 'reverted', running: '1.0.0', failed: '1.1.0' });
  t.like(after.trial.status(), { lastFailed: '1.1.0', pending: null, floor: null });
  t.like(install(after.installer, bad.manifest, bad.image), { ok: false, reason: 'failed-before' });
  const fixed = update('1.1.1');
  t.true(install(after.installer, fixed.manifest, fixed.image).ok);
});

test('without a bootloader rollback, the core reverts after maxTrialStarts unconfirmed starts and never loops', (t) => {
  const { ota, boot, update } = setup({ bootloaderRollback: false, maxTrialStarts: 2 });
  const { image, manifest } = update('1.1.0');
  t.true(install(boot().installer, manifest, image).ok);
  ota.restart();
  t.like(boot().startState, { state: 'trial', start: 1 });
  ota.restart();
  t.like(boot().startState, { state: 'trial', start: 2 });
  ota.restart();
  const third = boot(); // over the limit: reverts (the simulated revert restarts into 1.0.0)
  t.like(third.startState, { state: 'reverting', failed: '1.1.0' });
  t.is(ota.reverts, 1);
  t.is(ota.runningVersion, '1.0.0');
  const after = boot();
  t.like(after.startState, { state: 'reverted', failed: '1.1.0' });
  ota.restart();
  t.is(boot().startState.state, 'steady', 'the old image runs on without further restarts');
  t.is(ota.reverts, 1);
});

test('the hub can declare a trial image unhealthy and go back at once', (t) => {
  const { ota, boot, update } = setup();
  const { image, manifest } = update('1.1.0');
  t.true(install(boot().installer, manifest, image).ok);
  ota.restart();
  const trial = boot().trial;
  t.like(trial.fail('the flash log would not open'), { state: 'reverting', failed: '1.1.0' });
  t.is(ota.runningVersion, '1.0.0');
  t.like(boot().startState, { state: 'reverted', failed: '1.1.0' });
});

test('sizes must match the manifest and fit the slot; malformed manifests name the field', (t) => {
  const { host, signer, boot, update } = setup();
  const { installer } = boot();
  const { image, manifest } = update('1.1.0');
  t.like(install(installer, manifest, image.subarray(0, 2000)), { ok: false, reason: 'size-mismatch' });
  const longer = new Uint8Array(image.length + 1);
  longer.set(image);
  t.like(install(installer, manifest, longer), { ok: false, reason: 'size-mismatch' });
  const huge = testImage('1.2.0', 9000);
  t.like(install(installer, signedManifest(host.crypto, signer, 'firmware', '1.2.0', huge), huge), { ok: false, reason: 'too-large' });
  for (const [input, field] of [
    [null, '(manifest)'],
    [{ ...manifest, version: '1.1' }, 'version'],
    [{ ...manifest, sha256: 'zz' }, 'sha256'],
    [{ ...manifest, size: -1 }, 'size'],
    [{ ...manifest, signature: manifest.signature.toUpperCase() }, 'signature'],
    [{ ...manifest, extra: 1 }, 'extra'],
  ] as const) {
    const outcome = install(installer, input, image);
    t.like(outcome, { ok: false, reason: 'malformed' });
    t.regex(!outcome.ok ? outcome.message : '', new RegExp(field.replace(/[()]/g, '\\$&')));
  }
  t.is(installer.refused.malformed, 6);
  t.true(install(installer, manifest, image).ok, 'after all that, the genuine update still installs');
});

test('a firmware update sent to the contracts installer is refused, and an interrupted transfer leaves nothing behind', (t) => {
  const { host, signer, ota, boot, update } = setup();
  const contractsTrial = new UpdateTrial('contracts', { store: host.store, control: ota, log: host.log }, { runningVersion: '3.0.0' });
  contractsTrial.start();
  const contracts = new UpdateInstaller('contracts', signer.publicKey, { crypto: host.crypto, slot: ota, trial: contractsTrial, log: host.log });
  const { image, manifest } = update('1.1.0');
  t.like(install(contracts, manifest, image), { ok: false, reason: 'wrong-kind' });

  const { installer, trial } = boot();
  const session = installer.begin(manifest);
  if (!('write' in session)) return t.fail(session.message);
  session.write(image.subarray(0, 1000));
  session.abort();
  t.is(installer.refused.interrupted, 1);
  t.is(trial.status().pending, null);
  t.true(install(installer, manifest, image).ok, 'the slot is free again');
});

test('the installer refuses an update key that is not an uncompressed P-256 point', (t) => {
  const { host, ota } = setup();
  const trial = new UpdateTrial('firmware', { store: host.store, control: ota, log: host.log }, { runningVersion: '1.0.0' });
  t.throws(() => new UpdateInstaller('firmware', new Uint8Array(33), { crypto: host.crypto, slot: ota, trial, log: host.log }), {
    message: /65 bytes/,
  });
});

test('versions compare numerically and the signed form covers every manifest fact', (t) => {
  t.true(compareVersions('1.10.0', '1.9.9') > 0);
  t.is(compareVersions('2.0.0', '2.0.0'), 0);
  t.true(compareVersions('0.0.9', '0.1.0') < 0);
  const base = { kind: 'firmware', version: '1.0.0', size: 10, sha256: 'a'.repeat(64) } as const;
  const variants = [base, { ...base, kind: 'contracts' }, { ...base, version: '1.0.1' }, { ...base, size: 11 }, { ...base, sha256: 'b'.repeat(64) }] as const;
  t.is(new Set(variants.map((m) => toHex(signedBytes(m)))).size, variants.length);
  t.like(parseManifest({ ...base, signature: 'c'.repeat(128) }), { ok: true });
});
