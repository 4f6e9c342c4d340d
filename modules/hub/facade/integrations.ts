/**
 * The page's integration lifecycle over the hub's IntegrationInstaller
 * (modules/hub/integration-installer.ts): preview, install or replace,
 * credentials, fetching by address. Removal is the exit area's
 * `deleteIntegration` (the hub's exit drops the contract and, through the
 * installer, the credential). Refusals become FacadeErrors (400 for a bad
 * contract or value, 404 for an unknown integration, 409 for a state that
 * does not allow it, 409 when the hub was composed without an installer).
 */
import { FacadeError } from '../../web/facade.js';
import type { ContractFetchView, IntegrationAdmin, IntegrationPreviewView } from '../../web/facade/integrations.js';
import type { FetchState, InstallOutcome, IntegrationInstaller } from '../integration-installer.js';
import { actorString, type FacadeContext } from './context.js';
import { deviceView } from './data-map.js';

const STATUS_OF: Record<string, number> = {
  'contract-invalid': 400,
  'unknown-secret': 400,
  'bad-secret': 400,
  'credential-missing': 400,
  'no-such-integration': 404,
  'archive-full': 507,
  'too-many-integrations': 507,
};

function refused(outcome: Extract<InstallOutcome, { ok: false }>): FacadeError {
  const detail = outcome.errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('\n');
  return new FacadeError(STATUS_OF[outcome.code] ?? 409, outcome.code, detail ? `${outcome.message}\n${detail}` : outcome.message);
}

function fetchView(state: FetchState): ContractFetchView {
  switch (state.state) {
    case 'idle':
      return { state: 'idle' };
    case 'fetching':
      return { state: 'fetching', url: state.url };
    case 'done':
      return { state: 'done', url: state.url, contract: state.text };
    case 'failed':
      return { state: 'failed', url: state.url, error: state.error };
  }
}

export function createIntegrationsArea(context: FacadeContext, installer: IntegrationInstaller | undefined): IntegrationAdmin {
  const { hub } = context;
  const need = (): IntegrationInstaller => {
    if (!installer) throw new FacadeError(409, 'not-available', 'This hub was composed without the integration installer: add integrations in its configuration instead.');
    return installer;
  };

  return {
    previewIntegration(contract, endpoint): IntegrationPreviewView {
      const linted = need().lint(contract, endpoint);
      if (!linted.ok) return { valid: false, errors: linted.errors, warnings: [] };
      const p = need().preview(linted.contract, endpoint);
      const given = new Map(hub.deviceNames.list());
      const views = p.devices.map((d) => deviceView(d, given.get(d.id)));
      const kinds = p.company.purposes.flatMap((purpose) =>
        purpose.kinds.map((k) => ({ purpose: purpose.purpose, purposeText: purpose.description, field: k.field, transform: k.transform, devices: k.devices.map((i) => views[i]!.title) })),
      );
      const sending = [...new Set(p.company.purposes.flatMap((purpose) => purpose.kinds.flatMap((k) => k.devices)))].sort((a, b) => a - b);
      return {
        valid: true,
        errors: [],
        warnings: p.warnings,
        integration: p.integration,
        vendor: p.vendor,
        version: p.version,
        endpoint: p.endpoint,
        kinds,
        devices: sending.map((i) => views[i]!),
        purposes: p.purposes,
        retention: p.retention.hub,
        vendorStorage: `${p.retention.vendorDays} days in ${p.retention.location}`,
        onwardSharing: p.onwardSharing.length ? p.onwardSharing.map((s) => `${s.name} (${s.relation}: ${s.purpose})`) : ['nobody'],
        serviceLevels: [
          `available ${p.serviceLevels.uptimePercent}% of the time`,
          `95% of records delivered within ${p.serviceLevels.p95DeliveryLatencySeconds} s`,
          `nothing waits longer than ${p.serviceLevels.maxDeliveryLagSeconds} s`,
          `a breach is reported within ${p.serviceLevels.breachNotificationHours} hours`,
        ],
        credential: p.credential,
        replaces: p.replaces,
      };
    },

    installIntegration(request, actor) {
      const outcome = need().install(
        { text: request.contract, ...(request.secrets ? { secrets: request.secrets } : {}), ...(request.endpoint ? { endpoint: request.endpoint } : {}) },
        actorString(actor),
      );
      if (!outcome.ok) throw refused(outcome);
      const contract = hub.contract(outcome.integration);
      const awaitingConsent = (contract?.purposes ?? []).filter((p) => p.requiresConsent && !hub.consent.isGiven(outcome.integration, p.id)).map((p) => p.id);
      return { integration: outcome.integration, version: outcome.version, status: outcome.status, ...(outcome.diff ? { diff: outcome.diff } : {}), awaitingConsent };
    },

    replaceSecret(integration, name, value, actor) {
      const outcome = need().replaceSecret(integration, name, value, actorString(actor));
      if (!outcome.ok) throw refused(outcome);
      return { integration, name, stored: true };
    },

    startContractFetch(url, actor) {
      return fetchView(need().startFetch(url, actorString(actor)));
    },

    contractFetch() {
      return fetchView(need().fetchState());
    },
  };
}
