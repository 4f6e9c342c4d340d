/**
 * What an installer or owner sets for an integration: pausing delivery (the
 * endpoint is part of the contract, so changing it here is refused with what
 * to do instead), and the command key to hand to the vendor (showing it is
 * audited).
 */
import { toHex } from '../../bytes.js';
import { commandTopic } from '../../forward/commands.js';
import { FacadeError } from '../../web/facade.js';
import type { CommandKey, IntegrationSettings, IntegrationSettingsFacade } from '../../web/facade/integration-settings.js';
import { actorString, type FacadeContext } from './context.js';

export function createIntegrationSettingsArea({ hub, contractOf, titleOf }: FacadeContext): IntegrationSettingsFacade {
  return {
    configureIntegration(integration, settings, actor): IntegrationSettings {
      contractOf(integration);
      const current = hub.delivery(integration)?.endpoint;
      if (settings.endpoint !== undefined && settings.endpoint !== current) {
        throw new FacadeError(
          409,
          'endpoint-needs-contract',
          `Where ${titleOf(integration)}'s data goes is part of its contract (now ${current ?? 'unknown'}); sending it elsewhere widens data use. Load a contract version with the new endpoint (the owner approves it), or set a relay in the hub's configuration file. Nothing was changed.`,
        );
      }
      if (settings.paused === true) hub.pauseDelivery(integration, actorString(actor));
      if (settings.paused === false) hub.resumeDelivery(integration, actorString(actor));
      return { endpoint: hub.delivery(integration)?.endpoint ?? '', paused: hub.isPaused(integration) };
    },

    commandKey(integration, actor): CommandKey {
      contractOf(integration);
      const endpoint = hub.delivery(integration)?.endpoint ?? '';
      const topic = /^mqtts?:\/\/[^/]+\/(.+)$/.exec(endpoint)?.[1];
      const channel = topic
        ? `MQTT: publish signed envelopes to "${commandTopic(decodeURIComponent(topic), hub.hubId)}" on ${endpoint.replace(/^(mqtts?:\/\/[^/]+).*$/, '$1')}`
        : 'HTTPS: return {"commands": [signed envelopes]} in the JSON answer to a delivery';
      hub.audit.record(actorString(actor), 'config.changed', integration, { event: 'command-key.shown' });
      return { integration, key: toHex(hub.keyring.hubKey(`cmd:${integration}`)), channel };
    },
  };
}
