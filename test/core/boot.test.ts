import test from 'ava';
import { BootSupervisor, checkKeyStore, healthyForConfirmation, openLogPartition } from '../../modules/boot.js';
import type { KeyValueStore } from '../../modules/host.js';
import { Keyring, KEYRING_DOMAIN } from '../../modules/keyring.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { makeTestHost } from '../support/test-host.js';

const LOG_GEOMETRY = { minBytes: 16 * 4096, blockSize: 4096 };

function bootOnce(host = makeTestHost(), options: { flash?: () => MemoryFlash; logHasRecords?: boolean } = {}) {
  const supervisor = new BootSupervisor({ store: host.store, log: host.log });
  supervisor.begin();
  const keyring = new Keyring({ store: host.store, crypto: host.crypto, random: host.random });
  checkKeyStore(supervisor, host.store, KEYRING_DOMAIN, { logHasRecords: options.logHasRecords ?? false, probe: () => keyring.hubKey('boot-check') });
  const flash = openLogPartition(supervisor, options.flash ?? (() => host.recordFlash), LOG_GEOMETRY);
  return { host, supervisor, flash };
}

test('a healthy first boot is normal, creates the keys, and clears the unfinished-boot counter', (t) => {
  const { host, supervisor, flash } = bootOnce();
  t.truthy(flash);
  const report = supervisor.ready();
  t.like(report, { mode: 'normal', problems: [], unfinishedBoots: 1, ready: true, capabilities: { sealing: true, buffering: true, forwarding: true } });
  t.true(host.store.keys(KEYRING_DOMAIN).length > 0, 'the master key exists now');
  t.is(host.store.get('boot', 'unfinished'), 0);
  t.true(healthyForConfirmation(report));
});

test('boots that keep failing before ready lead to safe mode, which survives restarts until the owner leaves it', (t) => {
  const host = makeTestHost();
  for (let i = 1; i <= 3; i++) t.is(new BootSupervisor({ store: host.store, log: host.log }).begin().mode, 'normal', `boot ${i}`);
  const fourth = new BootSupervisor({ store: host.store, log: host.log });
  t.like(fourth.begin(), { mode: 'safe', unfinishedBoots: 4, capabilities: { forwarding: false } });
  const safeReport = fourth.ready();
  t.is(safeReport.mode, 'safe');
  t.false(healthyForConfirmation(safeReport));
  t.is(new BootSupervisor({ store: host.store, log: host.log }).begin().mode, 'safe', 'a restart does not end safe mode');
  fourth.leaveSafeMode();
  const after = new BootSupervisor({ store: host.store, log: host.log });
  t.like(after.begin(), { mode: 'normal', unfinishedBoots: 1 });
  t.true(host.lines.some((l) => l.level === 'error' && /safe mode/.test(l.message)));
});

test('a missing log partition is reported with its fix; the hub still seals and boots, without buffering', (t) => {
  const { supervisor, flash } = bootOnce(undefined, {
    flash: () => {
      throw new Error('flash: partition "airlock" is missing');
    },
  });
  t.is(flash, undefined);
  const report = supervisor.ready();
  t.like(report, { mode: 'degraded', capabilities: { sealing: true, buffering: false, forwarding: true } });
  t.like(report.problems[0], { component: 'flash', code: 'flash-missing' });
  t.regex(report.problems[0]!.action, /partitions\.csv/);
  t.false(healthyForConfirmation(report));
});

test('a log partition of the wrong size or sector size is refused, not used', (t) => {
  for (const wrong of [new MemoryFlash(8 * 4096, 4096), new MemoryFlash(32 * 8192, 8192)]) {
    const { supervisor, flash } = bootOnce(undefined, { flash: () => wrong });
    t.is(flash, undefined);
    t.like(supervisor.report().problems[0], { code: 'flash-size' });
    t.regex(supervisor.report().problems[0]!.message, new RegExp(`${wrong.byteLength} bytes`));
  }
});

test('a damaged master key stops sealing and forwarding, and nothing throws out of the boot', (t) => {
  const host = makeTestHost();
  host.store.set(KEYRING_DOMAIN, 'master', new Uint8Array(5));
  const { supervisor, flash } = bootOnce(host);
  t.truthy(flash);
  const report = supervisor.ready();
  t.like(report, { mode: 'degraded', capabilities: { sealing: false, buffering: false, forwarding: false } });
  t.like(report.problems[0], { component: 'keys', code: 'keys-damaged' });
  t.regex(report.problems[0]!.message, /damaged/);
});

test('an empty key store next to sealed records is reported as lost keys, and the hub starts over with new ones', (t) => {
  const { supervisor } = bootOnce(undefined, { logHasRecords: true });
  const report = supervisor.ready();
  t.like(report, { mode: 'degraded', capabilities: { sealing: true, buffering: true } });
  t.like(report.problems[0], { component: 'keys', code: 'keys-lost' });
});

test('a key store that cannot be read at all gives a degraded boot, not a crash or a reset loop', (t) => {
  const host = makeTestHost();
  const broken: KeyValueStore = {
    get: () => {
      throw new Error('nvs: partition corrupted');
    },
    set: () => {
      throw new Error('nvs: partition corrupted');
    },
    delete: () => undefined,
    keys: () => {
      throw new Error('nvs: partition corrupted');
    },
  };
  const supervisor = new BootSupervisor({ store: broken, log: host.log });
  t.notThrows(() => supervisor.begin());
  t.false(checkKeyStore(supervisor, broken, KEYRING_DOMAIN, { logHasRecords: false, probe: () => undefined }));
  const report = supervisor.ready();
  t.like(report, { mode: 'degraded', capabilities: { sealing: false, forwarding: false } });
  t.deepEqual([...new Set(report.problems.map((p) => p.code))].sort(), ['store-unreadable', 'store-unwritable']);
});

test('Wi-Fi and time problems degrade the report while they last but do not block confirming an update', (t) => {
  const { supervisor } = bootOnce();
  supervisor.problem({ component: 'wifi', code: 'wifi-lost', message: 'Wi-Fi "home" lost', action: 'check the router' });
  supervisor.problem({ component: 'time', code: 'time-unknown', message: 'SNTP unreachable', action: 'allow UDP 123' });
  const report = supervisor.ready();
  t.is(report.mode, 'degraded');
  t.true(report.capabilities.forwarding);
  t.true(healthyForConfirmation(report));
  supervisor.resolved('wifi');
  t.deepEqual(supervisor.report().problems.map((p) => p.code), ['time-unknown']);
  supervisor.resolved('time', 'time-unknown');
  t.is(supervisor.report().mode, 'normal');
});
