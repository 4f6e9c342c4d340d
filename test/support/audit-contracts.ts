/** A sample contract for the audit and change-management suites: a real (valid) Contract, plain so a test can bend it. */
import type { Contract } from '../../modules/contract/types.js';
import { makeContract } from './contracts.js';

/** Version `<major>.0.0` of the energy-saver contract, changed by `change` (a plain copy, not frozen). */
export function energyContract(major: number, change: (c: Contract) => void = () => {}): Contract {
  const c = makeContract({
    purposes: [{ id: 'tariff-advice', requiresConsent: true, description: 'Suggest a cheaper tariff' }],
    streams: [
      {
        stream: 'power',
        time: { kind: 'coarsenTime', unit: 'minutes', amount: 15 },
        fields: {
          watts: { transform: { kind: 'round', step: 10 }, purpose: 'tariff-advice' },
          device: { transform: { kind: 'pseudonymize' }, purpose: 'tariff-advice' },
        },
      },
    ],
  });
  c.version = `${major}.0.0`;
  c.vendor.name = 'Energy Saver Ltd';
  c.vendorStorage.retentionDays = 30;
  c.delivery.endpoint = 'mqtts://broker.energy.example:8883';
  c.breachNotification.deadlineHours = 48;
  c.audit.lastAuditDate = '2025-01-15';
  change(c);
  return c;
}
