/**
 * Anomaly signals: outbound volume against each integration's own baseline,
 * and bursts of failed logins. (Out-of-contract requests are caught in
 * vendor-commands.ts.) Each signal is a counter, an alert and an audit entry.
 *
 * Volume rule, per integration and per measure (records, bytes):
 *   baseline = EWMA of completed hours, weight ALPHA = 0.3 for the newest hour;
 *   once at least WARMUP_HOURS = 6 hours are in the baseline, the current hour
 *   is a sudden rise when it exceeds max(FACTOR = 3 x baseline, floor)
 *   (floor: 20 records / 4096 bytes, so a quiet integration's few records do
 *   not alarm). It is flagged as soon as the running count crosses the
 *   threshold, at most once per integration per hour. The rising hour then
 *   enters the baseline like any other, so a lasting change becomes normal
 *   after a few hours instead of alarming forever.
 *
 * Baselines survive reboots: each completed hour (rollHour) writes them to
 * the key-value store in one entry (`anomaly/volume`, one NVS write an hour).
 * The hour in progress at a reboot is not kept: its records start the next
 * hour's count afresh, which can only delay a flag, never raise a false one.
 *
 * Login rule: LOGIN_BURST = 5 failed logins within LOGIN_WINDOW = 10 minutes
 * is a burst; flagged once, and again only after the count in the window
 * has dropped below the burst size.
 */
import type { Clock, KeyValueStore } from '../host.js';
import type { Stamp } from '../reading.js';
import type { AuditLog } from './log.js';
import type { AlertSink } from './signals.js';
import { elapsedMs, stampNow } from './time.js';

export const VOLUME_RULE = Object.freeze({ alpha: 0.3, warmupHours: 6, factor: 3, floorRecords: 20, floorBytes: 4096 });
/** Where baselines are kept, and how many integrations at most (one NVS value of at most 4000 bytes). */
const STORE_DOMAIN = 'anomaly';
const STORE_KEY = 'volume';
const MAX_KEPT_BASELINES = 16;

export const LOGIN_RULE = Object.freeze({ burst: 5, windowMs: 10 * 60_000 });

interface Baseline {
  records: number;
  bytes: number;
  hours: number;
  currentRecords: number;
  currentBytes: number;
  flaggedThisHour: boolean;
}

export interface AnomalyPowers {
  audit: AuditLog;
  clock: Clock;
  onAlert?: AlertSink;
}

export interface VolumePowers extends AnomalyPowers {
  /** Keeps the baselines across reboots; without it they start empty at every boot. */
  store?: KeyValueStore;
}

export class VolumeMonitor {
  readonly #p: VolumePowers;
  readonly #baselines = new Map<string, Baseline>();
  #flagged = 0;

  constructor(powers: VolumePowers) {
    this.#p = powers;
    this.#load();
  }

  /** Counts records leaving the hub for `integration` (call from the forwarder on delivery). */
  observe(integration: string, records: number, bytes: number): void {
    const b = this.#baseline(integration);
    b.currentRecords += records;
    b.currentBytes += bytes;
    if (b.flaggedThisHour || b.hours < VOLUME_RULE.warmupHours) return;
    const recordLimit = Math.max(VOLUME_RULE.factor * b.records, VOLUME_RULE.floorRecords);
    const byteLimit = Math.max(VOLUME_RULE.factor * b.bytes, VOLUME_RULE.floorBytes);
    if (b.currentRecords <= recordLimit && b.currentBytes <= byteLimit) return;
    b.flaggedThisHour = true;
    this.#flagged++;
    const details = {
      recordsThisHour: b.currentRecords,
      bytesThisHour: b.currentBytes,
      baselineRecordsPerHour: Math.round(b.records * 10) / 10,
      baselineBytesPerHour: Math.round(b.bytes),
    };
    this.#p.audit.record('hub', 'anomaly.volume', integration, details);
    this.#p.onAlert?.({
      kind: 'anomaly.volume',
      integration,
      message: `${integration} is receiving far more than usual this hour (${b.currentRecords} records, ${b.currentBytes} bytes; usually about ${Math.round(b.records)} records).`,
      at: stampNow(this.#p.clock),
      details,
    });
  }

  /** Closes the current hour into every baseline (call from an hourly timer). */
  rollHour(): void {
    for (const b of this.#baselines.values()) {
      const a = b.hours === 0 ? 1 : VOLUME_RULE.alpha;
      b.records = a * b.currentRecords + (1 - a) * b.records;
      b.bytes = a * b.currentBytes + (1 - a) * b.bytes;
      b.hours++;
      b.currentRecords = 0;
      b.currentBytes = 0;
      b.flaggedThisHour = false;
    }
    this.#save();
  }

  /** Drops an integration's baseline (it was deleted). */
  forget(integration: string): void {
    if (this.#baselines.delete(integration)) this.#save();
  }

  /** Baseline and current hour per integration, and how many rises were flagged. */
  counters(): { flagged: number; integrations: Record<string, { baselineRecords: number; baselineBytes: number; recordsThisHour: number; bytesThisHour: number }> } {
    const integrations: ReturnType<VolumeMonitor['counters']>['integrations'] = {};
    for (const [id, b] of this.#baselines) integrations[id] = { baselineRecords: b.records, baselineBytes: b.bytes, recordsThisHour: b.currentRecords, bytesThisHour: b.currentBytes };
    return { flagged: this.#flagged, integrations };
  }

  #load(): void {
    const raw = this.#p.store?.get(STORE_DOMAIN, STORE_KEY);
    if (typeof raw !== 'string') return;
    let saved: unknown;
    try {
      saved = JSON.parse(raw);
    } catch {
      return; // a damaged entry: start learning again rather than refuse to boot
    }
    if (typeof saved !== 'object' || saved === null) return;
    for (const [id, value] of Object.entries(saved as Record<string, unknown>)) {
      if (!Array.isArray(value) || value.length !== 3 || !value.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) continue;
      const [records, bytes, hours] = value as [number, number, number];
      this.#baselines.set(id, { records, bytes, hours: Math.floor(hours), currentRecords: 0, currentBytes: 0, flaggedThisHour: false });
    }
  }

  #save(): void {
    const store = this.#p.store;
    if (!store) return;
    const kept: Record<string, [number, number, number]> = {};
    let n = 0;
    for (const [id, b] of this.#baselines) {
      if (n++ >= MAX_KEPT_BASELINES) break;
      kept[id] = [Math.round(b.records * 100) / 100, Math.round(b.bytes), Math.min(b.hours, 1e6)];
    }
    try {
      store.set(STORE_DOMAIN, STORE_KEY, JSON.stringify(kept));
    } catch {
      // Too large or the store failed: the baselines still work until the next reboot.
    }
  }

  #baseline(integration: string): Baseline {
    let b = this.#baselines.get(integration);
    if (!b) this.#baselines.set(integration, (b = { records: 0, bytes: 0, hours: 0, currentRecords: 0, currentBytes: 0, flaggedThisHour: false }));
    return b;
  }
}

export class LoginMonitor {
  readonly #p: AnomalyPowers;
  #failures: Stamp[] = [];
  #inBurst = false;
  readonly #counters = { logins: 0, failed: 0, bursts: 0 };

  constructor(powers: AnomalyPowers) {
    this.#p = powers;
  }

  succeeded(user: string, from = ''): void {
    this.#counters.logins++;
    this.#p.audit.record(user, 'auth.login', 'hub', { from });
  }

  failed(user: string, from = ''): void {
    this.#counters.failed++;
    this.#p.audit.record(user || '(unknown)', 'auth.login-failed', 'hub', { from });
    const now = stampNow(this.#p.clock);
    this.#failures = this.#failures.filter((at) => {
      const age = elapsedMs(at, now);
      return age !== undefined && age <= LOGIN_RULE.windowMs;
    });
    this.#failures.push(now);
    if (this.#failures.length < LOGIN_RULE.burst) {
      this.#inBurst = false;
      return;
    }
    if (this.#inBurst) return;
    this.#inBurst = true;
    this.#counters.bursts++;
    const details = { failures: this.#failures.length, windowMinutes: LOGIN_RULE.windowMs / 60_000, lastFrom: from };
    this.#p.audit.record('hub', 'anomaly.login-burst', 'hub', details);
    this.#p.onAlert?.({ kind: 'anomaly.login-burst', message: `${this.#failures.length} failed logins within ${details.windowMinutes} minutes.`, at: now, details });
  }

  counters(): { logins: number; failed: number; bursts: number } {
    return { ...this.#counters };
  }
}
