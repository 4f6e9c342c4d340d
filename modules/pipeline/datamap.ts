/**
 * The data map: which device's which field goes to which company, changed
 * how, for what, kept how long, stored where and shared with whom. Derived
 * only from the contracts, the consent book and the known devices, so what the
 * homeowner reads is exactly what the pipeline enforces.
 */
import { describeDuration, describeTransform } from '../contract/transforms.js';
import type { Contract } from '../contract/types.js';
import type { DeviceInfo } from '../reading.js';
import type { ConsentBook } from './consent.js';

export interface DataMapRow {
  /** Device name when known, else its id. */
  device: string;
  deviceId: string;
  /** The field name, or "(device identity)" for the pseudonym every record carries. */
  field: string;
  integration: string;
  vendor: string;
  /** Plain language, e.g. "rounded to the nearest 0.5". */
  transform: string;
  purpose: string;
  purposeDescription: string;
  consentRequired: boolean;
  /** Whether the field flows now: consent given, or the purpose needs none. */
  consentGiven: boolean;
  retention: string;
  vendorStorage: string;
  onwardSharing: string;
}

export const DEVICE_IDENTITY = '(device identity)';

function retention(contract: Contract): string {
  return `up to ${describeDuration(contract.hubBuffer.maxAgeSeconds)} on the hub while waiting to be sent; ${contract.vendorStorage.retentionDays} days at ${contract.vendor.name}`;
}

function sharing(contract: Contract): string {
  const list = contract.vendorStorage.onwardSharing;
  if (list.length === 0) return 'not shared';
  return list.map((s) => `${s.name} (${s.relation}: ${s.purpose})`).join('; ');
}

export function buildDataMap(
  contracts: readonly Contract[],
  consent: Pick<ConsentBook, 'isGiven'>,
  devices: readonly DeviceInfo[],
): DataMapRow[] {
  const rows: DataMapRow[] = [];
  for (const device of devices) {
    for (const contract of contracts) {
      const purposes = new Map(contract.purposes.map((p) => [p.id, p]));
      const flows = (purpose: string) => purposes.get(purpose)?.requiresConsent === false || consent.isGiven(contract.integration, purpose);
      for (const stream of contract.streams) {
        if (!device.streams.includes(stream.stream)) continue;
        const base = {
          device: device.name ?? device.id,
          deviceId: device.id,
          integration: contract.integration,
          vendor: contract.vendor.name,
          retention: retention(contract),
          vendorStorage: contract.vendorStorage.location,
          onwardSharing: sharing(contract),
        };
        const fieldPurposes = [...new Set(Object.values(stream.fields).map((f) => f.purpose))];
        const timeNote = stream.time ? `; ${describeTransform(stream.time)}` : '';
        for (const [field, rule] of Object.entries(stream.fields)) {
          const purpose = purposes.get(rule.purpose);
          rows.push({
            ...base,
            field,
            transform: describeTransform(rule.transform) + timeNote,
            purpose: rule.purpose,
            purposeDescription: purpose?.description ?? '',
            consentRequired: purpose?.requiresConsent !== false,
            consentGiven: flows(rule.purpose),
          });
        }
        // Every record names its device by pseudonym: list that too, so nothing leaves unmentioned.
        rows.push({
          ...base,
          field: DEVICE_IDENTITY,
          transform: describeTransform({ kind: 'pseudonymize' }),
          purpose: fieldPurposes.join(', '),
          purposeDescription: 'identifies which of your devices a record comes from, without revealing it',
          consentRequired: fieldPurposes.some((p) => purposes.get(p)?.requiresConsent !== false),
          consentGiven: fieldPurposes.some(flows),
        });
      }
    }
  }
  return rows;
}
