/**
 * Compliance counters: one object counting every decision the pipeline makes,
 * which the MQTT monitoring publishes. Plain numbers only; `snapshot()` gives
 * a JSON-safe copy (Maps inside, so an integration named "__proto__" is just
 * a name).
 */

export interface IntegrationCounts {
  recordsProduced: number;
  fieldsDropped: number;
  fieldsGeneralized: number;
  identifiersPseudonymized: number;
  blockedConsent: number;
}

export interface CountersSnapshot {
  readingsReceived: number;
  malformed: Record<string, number>;
  /** Errors inside the pipeline or a listener; counted so a bug cannot hide behind "never throws". */
  internalErrors: number;
  /** Aggregation windows closed before their end because MAX_OPEN_WINDOWS were open (pipeline/windows.ts). */
  windowsClosedEarly: number;
  integrations: Record<string, IntegrationCounts>;
}

export class Counters {
  readingsReceived = 0;
  internalErrors = 0;
  windowsClosedEarly = 0;
  /** Keyed by reason: the fixed set checkReading returns. */
  readonly #malformed = new Map<string, number>();
  readonly #integrations = new Map<string, IntegrationCounts>();

  countMalformed(reason: string): void {
    this.#malformed.set(reason, (this.#malformed.get(reason) ?? 0) + 1);
  }

  malformed(reason: string): number {
    return this.#malformed.get(reason) ?? 0;
  }

  /** The integration's counts, created at zero on first use. */
  integration(id: string): IntegrationCounts {
    let counts = this.#integrations.get(id);
    if (!counts) {
      counts = { recordsProduced: 0, fieldsDropped: 0, fieldsGeneralized: 0, identifiersPseudonymized: 0, blockedConsent: 0 };
      this.#integrations.set(id, counts);
    }
    return counts;
  }

  snapshot(): CountersSnapshot {
    const malformed: Record<string, number> = {};
    for (const [reason, n] of this.#malformed) Object.defineProperty(malformed, reason, { value: n, enumerable: true, writable: true, configurable: true });
    const integrations: Record<string, IntegrationCounts> = {};
    for (const [id, counts] of this.#integrations) {
      Object.defineProperty(integrations, id, { value: { ...counts }, enumerable: true, writable: true, configurable: true });
    }
    return { readingsReceived: this.readingsReceived, malformed, internalErrors: this.internalErrors, windowsClosedEarly: this.windowsClosedEarly, integrations };
  }
}
