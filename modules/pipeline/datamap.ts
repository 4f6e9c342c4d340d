/**
 * The data map: which company receives which kind of data, for what purpose,
 * changed how, from which devices, kept how long, stored where and shared
 * with whom. Derived only from the contracts, the consent book and the known
 * devices, so what the homeowner reads is exactly what the pipeline enforces.
 *
 * Grouped company → purpose → kind of data, with the devices of each kind
 * as indexes into one device list: a home of 50 devices and 5 companies is
 * some dozens of kinds, not a row per device and field (what a company keeps
 * and shares is said once per company, not once per device).
 */
import { describeDuration, describeTransform } from '../contract/transforms.js';
import type { Contract } from '../contract/types.js';
import type { DeviceInfo } from '../reading.js';
import type { ConsentBook } from './consent.js';

export const DEVICE_IDENTITY = '(device identity)';

/** One kind of data a company receives for one purpose. */
export interface DataMapKind {
  /** The field name, or DEVICE_IDENTITY for the pseudonym every record carries. */
  field: string;
  /** Plain language, e.g. "rounded to the nearest 0.5". */
  transform: string;
  /** The devices that send it: indexes into `DataMap.devices`, ascending. */
  devices: number[];
}

export interface DataMapPurpose {
  purpose: string;
  description: string;
  consentRequired: boolean;
  /** Whether data flows for it now: consent given, or the purpose needs none. */
  consentGiven: boolean;
  /** Empty when none of the home's devices sends what the purpose asks for. */
  kinds: DataMapKind[];
}

export interface DataMapCompany {
  integration: string;
  vendor: string;
  retention: string;
  vendorStorage: string;
  onwardSharing: string;
  purposes: DataMapPurpose[];
}

export interface DataMap {
  /** Every known device, sending or not. */
  devices: DeviceInfo[];
  companies: DataMapCompany[];
}

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
): DataMap {
  // Device indexes per stream, once: each stream is looked up per field of every contract.
  const byStream = new Map<string, number[]>();
  devices.forEach((device, index) => {
    for (const stream of device.streams) {
      const list = byStream.get(stream);
      if (list) list.push(index);
      else byStream.set(stream, [index]);
    }
  });
  const companies = contracts.map((contract): DataMapCompany => ({
    integration: contract.integration,
    vendor: contract.vendor.name,
    retention: retention(contract),
    vendorStorage: contract.vendorStorage.location,
    onwardSharing: sharing(contract),
    purposes: contract.purposes.map((purpose): DataMapPurpose => {
      const kinds: DataMapKind[] = [];
      // Every record names its device by pseudonym: list that too, so nothing leaves unmentioned.
      const identified = new Uint8Array(devices.length);
      for (const stream of contract.streams) {
        const senders = byStream.get(stream.stream);
        if (!senders) continue;
        const timeNote = stream.time ? `; ${describeTransform(stream.time)}` : '';
        for (const [field, rule] of Object.entries(stream.fields)) {
          if (rule.purpose !== purpose.id) continue;
          const transform = describeTransform(rule.transform) + timeNote;
          const same = kinds.find((k) => k.field === field && k.transform === transform);
          if (same) same.devices = union(same.devices, senders);
          else kinds.push({ field, transform, devices: [...senders] });
          for (const index of senders) identified[index] = 1;
        }
      }
      const identity: number[] = [];
      identified.forEach((flag, index) => flag && identity.push(index));
      if (identity.length > 0) kinds.push({ field: DEVICE_IDENTITY, transform: describeTransform({ kind: 'pseudonymize' }), devices: identity });
      return {
        purpose: purpose.id,
        description: purpose.description,
        consentRequired: purpose.requiresConsent !== false,
        consentGiven: purpose.requiresConsent === false || consent.isGiven(contract.integration, purpose.id),
        kinds,
      };
    }),
  }));
  return { devices: [...devices], companies };
}

function union(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}
