/**
 * An alert: what the hub publishes (over MQTT, on the page) when something
 * needs a person's attention. Components take an `onAlert` callback; the
 * composition root publishes to `<prefix>/alerts`.
 */
import type { Stamp } from '../reading.js';
import type { JsonValue } from './canonical.js';

export interface AlertEvent {
  /** Matches the audit action it was recorded under, e.g. "incident.overdue", "anomaly.volume". */
  kind: string;
  integration?: string;
  /** One sentence for a person. */
  message: string;
  at: Stamp;
  details: { [key: string]: JsonValue };
}

export type AlertSink = (alert: AlertEvent) => void;
