/** Cost of accountability: appending one audit entry (hash, MAC, CBOR, flash frame) and verifying one. */
import { nodeCrypto } from '../hosts/node/crypto.js';
import { MemoryFlash } from '../hosts/sim/memory-flash.js';
import { ManualClock } from '../hosts/sim/manual-time.js';
import { AuditLog } from '../modules/audit/log.js';
import { FlashAuditStorage } from '../modules/audit/flash-storage.js';
import { verifyChain } from '../modules/audit/chain.js';
import { meterInXs } from './xs.js';
import { nodeNanosPerCall, type BenchRow } from './types.js';

const XS_ENTRY = `
import { nobleCrypto as crypto } from './hosts/xs/crypto.ts';
import { MemoryFlash } from './hosts/sim/memory-flash.ts';
import { ManualClock } from './hosts/sim/manual-time.ts';
import { AuditLog } from './modules/audit/log.ts';
import { FlashAuditStorage } from './modules/audit/flash-storage.ts';
import { verifyChain } from './modules/audit/chain.ts';
import { measure, record, done } from './bench/xs-harness.ts';
const clock = new ManualClock();
const log = AuditLog.open({ storage: new FlashAuditStorage(new MemoryFlash(16 * 4096)), crypto, key: new Uint8Array(32).fill(5), clock });
const details = { version: '2', from: '1', status: 'applied' };
measure('append', () => log.record('owner', 'contract.updated', 'energy-saver', details), 50);
const entries = log.entries();
record('entries', entries.length);
measure('verify', () => verifyChain(crypto, entries, log.checkpoint(), new Uint8Array(32).fill(5)), 3);
done();
`;

export async function benchAudit(): Promise<BenchRow[]> {
  const xs = await meterInXs(XS_ENTRY, 'audit');
  const log = AuditLog.open({ storage: new FlashAuditStorage(new MemoryFlash(64 * 4096)), crypto: nodeCrypto, key: new Uint8Array(32).fill(5), clock: new ManualClock() });
  const details = { version: '2', from: '1', status: 'applied' };
  const appendNs = nodeNanosPerCall(() => log.record('owner', 'contract.updated', 'energy-saver', details), 200, 3);
  const entries = log.entries();
  const verifyNs = nodeNanosPerCall(() => verifyChain(nodeCrypto, entries, log.checkpoint(), new Uint8Array(32).fill(5)), 3, 3);
  return [
    { key: 'audit.xs.meterPerAppend', value: xs.append!, unit: 'XS meter', note: 'hash + MAC + CBOR + flash frame, @noble inside xsnap' },
    { key: 'audit.xs.meterPerVerifiedEntry', value: Math.round(xs.verify! / xs.entries!), unit: 'XS meter', note: 'chain + MAC check per entry' },
    { key: 'audit.node.nsPerAppend', value: appendNs, unit: 'ns', note: 'node:crypto, memory flash' },
    { key: 'audit.node.nsPerVerifiedEntry', value: Math.round(verifyNs / entries.length), unit: 'ns', note: `over ${entries.length} entries` },
  ];
}
