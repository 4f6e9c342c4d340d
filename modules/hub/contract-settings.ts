/**
 * The settings the hub gives its components from a contract: the flash log's
 * buffer limits and the forwarder's delivery terms, in the units those
 * components count in (milliseconds, records per second). Everything else
 * reads the contract itself (modules/contract/).
 */
import type { Contract } from '../contract/types.js';
import type { DeliveryTerms } from '../forward/terms.js';
import type { BufferLimits } from '../log/write-behind.js';

export function bufferLimits(contract: Contract): BufferLimits {
  return {
    maxBytes: contract.hubBuffer.maxBytes,
    maxAgeMs: contract.hubBuffer.maxAgeSeconds * 1000,
    whenFull: contract.hubBuffer.whenFull,
    durability: contract.hubBuffer.durability ?? 'ram-first',
  };
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
