// What an installer or owner may set for an integration, and the key its vendor signs commands with.
import type { Actor } from '../facade.js';

/** What an installer (or owner) may set for an integration; consent is not among it. */
export interface IntegrationSettings {
  /** Delivery endpoint, e.g. "mqtts://ingest.greenwatt.example:8883". */
  endpoint?: string;
  /** Pause delivery (records keep buffering within retention). */
  paused?: boolean;
}

export interface CommandKey {
  integration: string;
  /** 64 hex digits. */
  key: string;
  /** Where the vendor sends commands, in words (docs/delivery.md "Commands from the vendor"). */
  channel: string;
}

export interface IntegrationSettingsFacade {
  configureIntegration(integration: string, settings: IntegrationSettings, actor: Actor): IntegrationSettings;
  /**
   * The key the vendor signs its commands with (HMAC-SHA256, docs/audit.md), for the owner to
   * hand over at setup, and where the vendor sends them. Showing it is audited.
   */
  commandKey(integration: string, actor: Actor): CommandKey;
}
