// The page's overview: the hub's status and each integration's health and service levels.
import type { HubStatus, IntegrationStatus } from '../../monitor/status.js';

/** One promised service level and how the vendor is doing against it. */
export interface ServiceLevel {
  /** e.g. "delivery latency (95th percentile)", "availability", "breach notification". */
  name: string;
  promised: string;
  measured: string;
  met: boolean;
}

export interface IntegrationOverview extends IntegrationStatus {
  /** The name a homeowner recognises, e.g. "GreenWatt energy saver". */
  title: string;
  /** `ok`, `attention` (something to look at), `problem` (broken or in breach). */
  health: 'ok' | 'attention' | 'problem';
  /** One sentence saying why the health is what it is. */
  healthReason: string;
  contractVersion: string;
  serviceLevels: ServiceLevel[];
}

export interface Overview {
  hub: HubStatus;
  integrations: IntegrationOverview[];
}

export interface OverviewFacade {
  overview(): Overview;
}
