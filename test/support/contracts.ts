/** Valid contracts for core suites, built in code so a test can bend one field without a file. */
import type { Contract } from '../../modules/contract/types.js';

type Fields = Contract['streams'][number]['fields'];

export interface FixtureOptions {
  integration?: string;
  streams?: { stream: string; fields: Fields; time?: Contract['streams'][number]['time'] }[];
  purposes?: Contract['purposes'];
}

/** A complete, valid contract (plain JSON: tests may mutate their copy freely). */
export function makeContract(options: FixtureOptions = {}): Contract {
  const integration = options.integration ?? 'energy-saver';
  return {
    format: 'airlock-contract/1',
    integration,
    vendor: { name: 'Wattwise Energy Services', contact: { email: 'privacy@wattwise.example' } },
    version: '1.0.0',
    effectiveDate: '2026-01-01',
    purposes: options.purposes ?? [
      { id: 'energy-advice', description: 'Advice on lowering electricity use.', requiresConsent: true },
      { id: 'safety', description: 'Alerts about dangerous conditions.', requiresConsent: false },
    ],
    streams: options.streams ?? [
      {
        stream: 'power',
        fields: {
          power: { purpose: 'energy-advice', transform: { kind: 'round', step: 10 } },
          voltage: { purpose: 'energy-advice', transform: { kind: 'bucket', edges: [220, 240] } },
          overload: { purpose: 'safety', transform: { kind: 'keep' } },
        },
      },
    ],
    vendorStorage: { location: 'EU (Frankfurt)', retentionDays: 365, onwardSharing: [] },
    hubBuffer: { maxAgeSeconds: 86400, maxBytes: 65536, whenFull: 'drop-oldest' },
    delivery: {
      endpoint: 'mqtts://ingest.wattwise.example:8883',
      topic: 'homes/readings',
      qos: 1,
      maxRatePerMinute: 60,
      batchSize: 10,
      credentials: { type: 'mqtt-password', secret: 'energy-saver-token' },
    },
    serviceLevels: { uptimePercent: 99.5, p95DeliveryLatencySeconds: 30, maxDeliveryLagSeconds: 3600 },
    breachNotification: { deadlineHours: 72, contacts: [{ name: 'Security', email: 'security@wattwise.example' }] },
    audit: { lastAuditDate: '2025-11-14', reportSha256: 'ab'.repeat(32), reauditIntervalMonths: 12 },
    exit: { exportFormat: 'json', deletionDeadlineDays: 30 },
  };
}

/** Power for energy advice and energy for tariff matching, both on consent and nothing without it, so the last withdrawal purges. */
export function energyAdvisor(integration = 'energy-saver'): Contract {
  return makeContract({
    integration,
    purposes: [
      { id: 'energy-advice', description: 'Advice on lowering electricity use.', requiresConsent: true },
      { id: 'tariff-matching', description: 'Matching you to cheaper tariffs.', requiresConsent: true },
    ],
    streams: [
      {
        stream: 'power',
        fields: {
          power: { purpose: 'energy-advice', transform: { kind: 'round', step: 10 } },
          energy: { purpose: 'tariff-matching', transform: { kind: 'keep' } },
        },
      },
    ],
  });
}

/** A deep copy as plain JSON, for tests that break a contract on purpose. */
export function asJson(contract: Contract): Record<string, any> {
  return JSON.parse(JSON.stringify(contract)) as Record<string, any>;
}
