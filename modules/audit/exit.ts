/**
 * Ending an integration: first an export the homeowner keeps, then deletion
 * with a receipt in the audit log.
 *
 * Export (format "airlock-exit/2", JSON; see docs/audit.md): the contract
 * versions and their history, the consent history (from the audit log), the
 * integration's audit entries with their hashes and MACs (a verifiable
 * selection), the undelivered records decrypted, and the device-configuration
 * handover. Deletion: stop delivery, destroy the integration's keys
 * (crypto-shredding), reclaim its flash, then write `integration.deleted`
 * stating what was destroyed and when. A step that fails is stated in the
 * receipt; the remaining steps still run.
 */
import { Decoder } from 'cbor-x';
import { toHex, utf8 } from '../bytes.js';
import type { Clock, Crypto } from '../host.js';
import type { Keyring } from '../keyring.js';
import type { IntegrationQueue } from '../queue.js';
import type { Stamp } from '../reading.js';
import { canonicalJson, toJsonValue, type JsonValue } from './canonical.js';
import type { ChangeManager } from '../contract/changes.js';
import { dataCategories, deliveryUrl } from '../contract/terms.js';
import type { Contract } from '../contract/types.js';
import type { AuditExport, AuditLog } from './log.js';
import { stampNow } from './time.js';

export const EXIT_EXPORT_FORMAT = 'airlock-exit/2';
const UNDELIVERED_BATCH = 64;

export interface ExitExport {
  format: typeof EXIT_EXPORT_FORMAT;
  integration: string;
  createdAt: Stamp;
  contracts: { versions: Contract[]; enforced: string | null; history: ReturnType<ChangeManager['history']> };
  consent: { at: Stamp; action: string; actor: string; details: JsonValue }[];
  audit: AuditExport;
  undelivered: { seq: number; stamp: Stamp; record: JsonValue }[];
  handover: JsonValue;
}

export interface ExitPowers {
  crypto: Crypto;
  clock: Clock;
  audit: AuditLog;
  changes: ChangeManager;
  /** The record log's view of undelivered records, decrypted (payloads are CBOR). */
  queue: IntegrationQueue;
  /** How to reconfigure the devices once the hub stops sending; defaults to the contract's streams and fields. */
  handover?: (integration: string) => JsonValue;
}

export function exportIntegration(p: ExitPowers, integration: string, actor = 'owner'): ExitExport {
  const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });
  const enforced = p.changes.enforced(integration);
  const undelivered: ExitExport['undelivered'] = [];
  let after: number | undefined;
  for (;;) {
    const batch = p.queue.pending(integration, UNDELIVERED_BATCH, after);
    for (const r of batch) {
      let record: JsonValue;
      try {
        record = toJsonValue(decoder.decode(r.payload));
      } catch {
        record = { undecodedCborHex: toHex(r.payload) };
      }
      undelivered.push({ seq: r.seq, stamp: r.stamp, record });
    }
    if (batch.length < UNDELIVERED_BATCH) break;
    after = batch[batch.length - 1]!.seq;
  }
  const doc: ExitExport = {
    format: EXIT_EXPORT_FORMAT,
    integration,
    createdAt: stampNow(p.clock),
    contracts: { versions: p.changes.versions(integration), enforced: enforced ? enforced.version : null, history: p.changes.history(integration) },
    consent: p.audit
      .entries((e) => e.subject === integration && (e.action === 'consent.given' || e.action === 'consent.withdrawn'))
      .map((e) => ({ at: e.time, action: e.action, actor: e.actor, details: e.details })),
    audit: p.audit.exportChain({ name: `integration:${integration}`, filter: (e) => e.subject === integration }),
    undelivered,
    handover: p.handover ? p.handover(integration) : defaultHandover(enforced),
  };
  // The receipt names the export's digest, so the homeowner's copy can be matched to it later.
  const digest = toHex(p.crypto.sha256(utf8(canonicalJson(doc))));
  p.audit.record(actor, 'export.created', integration, {
    sha256: digest,
    contractVersions: doc.contracts.versions.length,
    consentEvents: doc.consent.length,
    auditEntries: doc.audit.entries.length,
    undeliveredRecords: undelivered.length,
  });
  return doc;
}

function defaultHandover(contract: Contract | undefined): JsonValue {
  return {
    note: 'The hub no longer forwards these data; to keep the service, connect the devices to the vendor another way.',
    streams: contract?.streams.map((s) => s.stream) ?? [],
    categories: dataCategories(contract),
    endpoint: contract ? deliveryUrl(contract) : null,
  };
}

export interface DeletionPowers {
  clock: Clock;
  audit: AuditLog;
  keyring: Keyring;
  /** Stops the forwarder and the pipeline for the integration. */
  stopDelivery: (integration: string) => void;
  /** Frees the integration's records on flash; returns what was reclaimed. */
  reclaimFlash: (integration: string) => { records: number; bytes: number };
  /** Forgets the contract, its archived versions, consent and credentials; returns what went. */
  forgetConfiguration?: (integration: string) => JsonValue;
}

export interface DeletionStep {
  step: 'stop-delivery' | 'shred-keys' | 'reclaim-flash' | 'forget-configuration';
  ok: boolean;
  at: Stamp;
  result?: JsonValue;
  error?: string;
}

export interface DeletionReceipt {
  integration: string;
  completed: boolean;
  steps: DeletionStep[];
  /** The audit entry that records the deletion. */
  auditSeq: number;
  auditHash: string;
}

export function deleteIntegration(p: DeletionPowers, integration: string, actor = 'owner'): DeletionReceipt {
  const steps: DeletionStep[] = [];
  const run = (step: DeletionStep['step'], action: () => JsonValue | void): void => {
    try {
      const result = action();
      const done: DeletionStep = { step, ok: true, at: stampNow(p.clock) };
      if (result !== undefined) done.result = result;
      steps.push(done);
    } catch (error) {
      steps.push({ step, ok: false, at: stampNow(p.clock), error: String((error as Error)?.message ?? error) });
    }
  };
  run('stop-delivery', () => p.stopDelivery(integration));
  run('shred-keys', () => {
    const through = p.keyring.currentEpoch(integration);
    const epochs: number[] = [];
    for (let e = 1; e <= through; e++) if (p.keyring.hasEpoch(integration, e)) epochs.push(e);
    p.keyring.shred(integration, through);
    const left = epochs.filter((e) => p.keyring.hasEpoch(integration, e));
    if (left.length) throw new Error(`epochs ${left.join(', ')} still have secrets after shredding`);
    return { epochsDestroyed: epochs, keys: 'data and pseudonym keys of every epoch' };
  });
  run('reclaim-flash', () => p.reclaimFlash(integration));
  const forget = p.forgetConfiguration;
  if (forget) run('forget-configuration', () => forget(integration));
  const completed = steps.every((s) => s.ok);
  const entry = p.audit.record(actor, 'integration.deleted', integration, {
    completed,
    steps: steps.map((s) => ({ step: s.step, ok: s.ok, at: s.at as unknown as JsonValue, result: s.result, error: s.error })),
  });
  return { integration, completed, steps, auditSeq: entry.seq, auditHash: entry.hash };
}

/** Export, then delete: the order the homeowner is promised. */
export function endIntegration(p: ExitPowers & DeletionPowers, integration: string, actor = 'owner'): { exported: ExitExport; receipt: DeletionReceipt } {
  const exported = exportIntegration(p, integration, actor);
  return { exported, receipt: deleteIntegration(p, integration, actor) };
}
