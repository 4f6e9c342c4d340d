// The page's audit log: the newest entries in plain language and whether the chain verifies.

export interface AuditEntry {
  seq: number;
  /** ISO time, or null when the hub did not know the time. */
  at: string | null;
  /** e.g. "consent.withdraw", "contract.approve", "auth.login". */
  kind: string;
  actor: string | null;
  integration: string | null;
  /** One plain-language line. */
  text: string;
  /** Hex hash chaining this entry to the previous one. */
  hash: string;
}

export interface AuditView {
  entries: AuditEntry[];
  verification: {
    state: 'verified' | 'broken' | 'unverified';
    /** Entries checked. */
    checked: number;
    /** First sequence number that did not verify, or null. */
    brokenAt: number | null;
    /** ISO time of the check. */
    checkedAt: string | null;
  };
  head: { seq: number; hash: string } | null;
}

export interface AuditFacade {
  /** The newest `limit` entries (newest first), the verification state and the chain head. */
  audit(limit: number): AuditView;
}
