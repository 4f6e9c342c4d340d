/** An audit log on simulated flash with a real keyring, for the audit suites. */
import { AuditLog } from '../../modules/audit/log.js';
import { FlashAuditStorage } from '../../modules/audit/flash-storage.js';
import type { SealedEntry } from '../../modules/audit/chain.js';
import { Keyring } from '../../modules/keyring.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { makeTestHost, type TestHost } from './test-host.js';

export interface AuditFixture {
  host: TestHost;
  keyring: Keyring;
  flash: MemoryFlash;
  log: AuditLog;
  key: Uint8Array;
  appended: SealedEntry[];
  /** Opens the log again on the same flash, as after a reboot. */
  reopen(): AuditLog;
}

export function auditFixture(options: { sectors?: number; blockSize?: number; host?: TestHost } = {}): AuditFixture {
  const host = options.host ?? makeTestHost();
  const keyring = new Keyring(host);
  const key = keyring.hubKey('audit');
  const flash = new MemoryFlash((options.sectors ?? 4) * (options.blockSize ?? 4096), options.blockSize ?? 4096);
  const appended: SealedEntry[] = [];
  const open = () =>
    AuditLog.open({ storage: new FlashAuditStorage(flash), crypto: host.crypto, key, clock: host.clock, onAppend: (e) => void appended.push(e) });
  const fixture: AuditFixture = { host, keyring, flash, key, appended, log: open(), reopen: () => (fixture.log = open()) };
  return fixture;
}
