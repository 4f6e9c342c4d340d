// The audit log as the hub stores it: every record sealed (modules/audit/sealed-storage.ts), because
// the audit partition is not covered by flash encryption (docs/flash-log.md, "Why sealed").
import test from 'ava';
import { AuditLog } from '../../modules/audit/log.js';
import { FlashAuditStorage } from '../../modules/audit/flash-storage.js';
import { sealedFlashAudit } from '../../modules/audit/sealed-storage.js';
import { Keyring } from '../../modules/keyring.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { contains } from '../support/log-fixture.js';
import { makeTestHost } from '../support/test-host.js';

function sealedAudit() {
  const host = makeTestHost();
  const keyring = new Keyring(host);
  const flash = new MemoryFlash(4 * 4096, 4096);
  const open = () =>
    AuditLog.open({ storage: sealedFlashAudit(flash, { crypto: host.crypto, random: host.random, keyring }), crypto: host.crypto, key: keyring.hubKey('audit'), clock: host.clock });
  return { host, keyring, flash, open };
}

const text = (s: string) => new TextEncoder().encode(s);

test('actors, consent history and details are not readable on flash, and come back after a reboot', (t) => {
  const { flash, open } = sealedAudit();
  const log = open();
  log.record('owner:Henrietta-Canary', 'consent.given', 'health-sensors', { purpose: 'fall-detection', member: 'Grandpa Canary' });
  log.record('owner:Henrietta-Canary', 'consent.withdrawn', 'health-sensors', { purpose: 'fall-detection' });
  for (const needle of ['Henrietta-Canary', 'Grandpa Canary', 'health-sensors', 'fall-detection', 'consent.given']) {
    t.false(contains(flash.bytes, text(needle)), `"${needle}" is readable on the audit flash`);
  }
  const again = open();
  t.deepEqual(again.entries().map((e) => [e.actor, e.action]), [
    ['owner:Henrietta-Canary', 'consent.given'],
    ['owner:Henrietta-Canary', 'consent.withdrawn'],
  ]);
  t.true(again.verify().ok);
});

test('a sealed record moved to another seq, or read with another hub key, does not open: skipped and counted', (t) => {
  const { host, keyring, flash, open } = sealedAudit();
  const log = open();
  for (let i = 1; i <= 3; i++) log.record('hub', 'config.changed', 'hub', { setting: `s${i}` });
  const records = new FlashAuditStorage(flash).readAll();
  t.is(records.length, 3);
  // Entry 2's sealed bytes under seq 3's number, framed anew (an attacker with a flash programmer).
  const forged = new MemoryFlash(flash.byteLength, flash.blockSize);
  const raw = new FlashAuditStorage(forged);
  raw.append(records[0]!);
  raw.append({ ...records[1]!, seq: 3 });
  const storage = sealedFlashAudit(forged, { crypto: host.crypto, random: host.random, keyring });
  t.deepEqual(storage.readAll().map((r) => r.seq), [1]);
  t.is(storage.stats().skipped, 1);
  const stranger = new Keyring(makeTestHost({ seed: 99 }));
  const other = sealedFlashAudit(flash, { crypto: host.crypto, random: host.random, keyring: stranger });
  t.deepEqual(other.readAll(), []);
  t.is(other.stats().skipped, 3);
});
