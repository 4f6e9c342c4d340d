/**
 * Maps a validated contract (modules/contract) onto what each component
 * obeys: the audit/change view (ContractLike), the flash log's buffer limits
 * and the forwarder's delivery terms. One place, so a contract field means
 * the same thing everywhere.
 */
import type { ContractLike, TransformLike } from '../audit/contract-shape.js';
import type { Contract, Transform } from '../contract/types.js';
import type { DeliveryTerms } from '../forward/terms.js';
import type { BufferLimits } from '../log/write-behind.js';

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

function transformLike(t: Transform): TransformLike {
  switch (t.kind) {
    case 'keep':
      return 'keep';
    case 'pseudonymize':
      return 'pseudonymize';
    case 'round':
      return { kind: 'round', step: t.step };
    case 'bucket': {
      // Finer buckets = a smaller narrowest gap between edges.
      let width = Infinity;
      for (let i = 1; i < t.edges.length; i++) width = Math.min(width, t.edges[i]! - t.edges[i - 1]!);
      return { kind: 'bucket', width: Number.isFinite(width) ? width : 0, edges: t.edges };
    }
    case 'coarsenTime':
      return { kind: 'coarsen-time', seconds: t.amount * (UNIT_SECONDS[t.unit] ?? 1) };
    case 'coarsenLocation':
      // More geohash characters, or fewer degrees per cell, is finer: both become "decimals".
      return { kind: 'coarsen-location', decimals: t.method === 'geohash' ? t.precision : -Math.log10(t.degrees) };
    case 'aggregate':
      return { kind: 'aggregate', windowSeconds: t.windowSeconds, fn: t.function };
    default:
      return { ...(t as { kind: string }) };
  }
}

export function contractLike(contract: Contract): ContractLike {
  const d = contract.delivery;
  return {
    id: contract.integration,
    version: contract.version,
    purposes: contract.purposes.map((p) => ({ id: p.id, consentRequired: p.requiresConsent, description: p.description })),
    streams: contract.streams.map((s) => ({
      stream: s.stream,
      fields: Object.fromEntries(Object.entries(s.fields).map(([name, rule]) => [name, { purpose: rule.purpose, transform: transformLike(rule.transform) }])),
    })),
    buffering: { maxAgeHours: contract.hubBuffer.maxAgeSeconds / 3600, maxBytes: contract.hubBuffer.maxBytes, whenFull: contract.hubBuffer.whenFull },
    vendor: {
      name: contract.vendor.name,
      retentionDays: contract.vendorStorage.retentionDays,
      onwardSharing: contract.vendorStorage.onwardSharing.map((r) => r.name),
    },
    endpoint: { url: d.endpoint + (d.topic ? `/${d.topic}` : d.path ?? '') },
    incidents: { notificationHours: contract.breachNotification.deadlineHours },
    audit: contract.audit ? { lastAudit: contract.audit.lastAuditDate, intervalDays: Math.round(contract.audit.reauditIntervalMonths * 30.44) } : {},
  };
}

export function bufferLimits(contract: Contract): BufferLimits {
  return {
    maxBytes: contract.hubBuffer.maxBytes,
    maxAgeMs: contract.hubBuffer.maxAgeSeconds * 1000,
    whenFull: contract.hubBuffer.whenFull,
    durability: contract.hubBuffer.durability ?? 'ram-first',
  };
}

/** scheme://authority, then the path, then ?query#fragment; a plain split (no URL class on every host). */
const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(.*)$/is;

/**
 * The URL the transport delivers to. The contract's endpoint with its topic
 * (MQTT) or path (HTTPS). An installer's override (a relay, a local stand-in)
 * replaces where to connect: scheme, host and port. What is addressed stays the
 * contract's topic or path, unless the override URL carries a path of its own,
 * which then replaces it (docs/delivery.md, "Endpoint overrides").
 */
export function deliveryUrl(contract: Contract, override?: string): string {
  const d = contract.delivery;
  const own = d.topic ? `${d.endpoint.replace(/\/$/, '')}/${d.topic}` : d.endpoint.replace(/\/$/, '') + (d.path ?? '');
  if (!override) return own;
  const given = URL_PARTS.exec(override);
  if (!given) return override; // not a URL: the configuration check names it
  const [, origin, path, rest] = given as unknown as [string, string, string, string];
  if (path !== '' && path !== '/') return override;
  const contractTarget = URL_PARTS.exec(own)?.[2] ?? '';
  return origin + contractTarget + rest;
}

export function deliveryTerms(contract: Contract, endpoint: string): DeliveryTerms {
  const d = contract.delivery;
  const levels = contract.serviceLevels;
  return {
    integration: contract.integration,
    endpoint,
    format: 'cbor',
    batchSize: d.batchSize,
    // The contract limits messages per minute; each message carries up to a batch.
    maxRecordsPerSecond: (d.maxRatePerMinute * d.batchSize) / 60,
    promised: {
      uptimeRatio: levels.uptimePercent / 100,
      latencyP95Ms: levels.p95DeliveryLatencySeconds * 1000,
      maxLagMs: levels.maxDeliveryLagSeconds * 1000,
    },
  };
}
