/**
 * The seam between the audit log and where its bytes live. The log gives
 * opaque records tagged with their kind and seq; a storage keeps them in
 * order, survives power cuts, and frees space in whole units (flash sectors)
 * from the oldest end when the log rotates.
 */

export type AuditRecordKind = 'entry' | 'checkpoint';

export interface AuditRecord {
  kind: AuditRecordKind;
  /** The entry's seq; for a checkpoint, the seq of the last removed entry. */
  seq: number;
  bytes: Uint8Array;
}

export interface AuditStorageStats {
  /** Records found damaged or torn at recovery and skipped. */
  skipped: number;
  bytesUsed: number;
  bytesTotal: number;
}

export interface AuditStorage {
  /**
   * Durably appends a record. Returns false when there is no room: the log
   * must rotate (write a checkpoint, then `truncateBefore`) and try again.
   * A checkpoint may use a small reserve that entries cannot, so rotation
   * never fails for lack of room to write its checkpoint.
   */
  append(record: AuditRecord): boolean;
  /** Every intact record, oldest first; torn or damaged ones are skipped and counted. */
  readAll(): AuditRecord[];
  /**
   * The newest entry record in the unit that the next rotation would free,
   * or undefined when rotation frees nothing that holds entries.
   */
  nextRotationBoundary(): AuditRecord | undefined;
  /** Frees storage units whose records all have seq < `seq` (oldest first, whole units only). */
  truncateBefore(seq: number): void;
  stats(): AuditStorageStats;
}

export class AuditStorageError extends Error {
  override name = 'AuditStorageError';
}
