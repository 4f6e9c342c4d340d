/** A sample contract in the audit modules' ContractLike shape. */
import type { ContractLike } from '../../modules/audit/contract-shape.js';

export function energyContract(version: number, change: (c: ContractLike) => void = () => {}): ContractLike {
  const c: ContractLike = {
    id: 'energy-saver',
    version,
    purposes: [{ id: 'tariff-advice', consentRequired: true, description: 'Suggest a cheaper tariff' }],
    streams: [
      {
        stream: 'power',
        fields: {
          watts: { transform: { kind: 'round', step: 10 }, purpose: 'tariff-advice' },
          device: { transform: 'pseudonymize', purpose: 'tariff-advice' },
          time: { transform: { kind: 'coarsen-time', seconds: 900 }, purpose: 'tariff-advice' },
        },
      },
    ],
    buffering: { maxAgeHours: 24 },
    vendor: { name: 'Energy Saver Ltd', retentionDays: 30, onwardSharing: [] },
    endpoint: { url: 'mqtts://broker.energy.example:8883' },
    incidents: { notificationHours: 48 },
  };
  change(c);
  return c;
}
