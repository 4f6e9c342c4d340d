// The page's incidents: breaches the owner registers and the vendor's notification deadline.
import type { Actor } from '../facade.js';

export interface Incident {
  id: string;
  integration: string;
  title: string;
  /** ISO time the breach was detected. */
  detectedAt: string;
  /** ISO time by which the vendor must notify (per the contract). */
  notifyBy: string;
  notifiedAt: string | null;
  resolvedAt: string | null;
  /** Not notified and past `notifyBy` at the time of the call. */
  overdue: boolean;
}

export interface NewIncident {
  integration: string;
  title: string;
  /** ISO time; defaults to now. */
  detectedAt?: string;
}

export interface IncidentsFacade {
  incidents(): Incident[];
  registerIncident(incident: NewIncident, actor: Actor): Incident;
  markIncidentNotified(id: string, actor: Actor): Incident;
  markIncidentResolved(id: string, actor: Actor): Incident;
}
