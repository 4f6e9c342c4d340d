/**
 * The part of an integration's contract the forwarder obeys. The composition
 * root maps a validated contract onto these terms; they are checked again
 * here so a forwarder never starts with a batch size of zero or a rate of NaN.
 */
import * as v from 'valibot';
import type { PromisedLevels } from './service-levels.js';
import { matches } from '../contract/pattern.js';

export type PayloadFormat = 'cbor' | 'json';

export interface DeliveryTerms {
  integration: string;
  /** mqtt(s)://host:port/topic or https://host/path (the transport is built from it). */
  endpoint: string;
  /** Envelope encoding; CBOR unless the contract asks for JSON. */
  format: PayloadFormat;
  /** Most records in one message. */
  batchSize: number;
  /** Most record payload bytes in one message (a single larger record still goes alone). */
  maxBatchBytes?: number;
  /** The drain rate after an outage: records per second on average. */
  maxRecordsPerSecond: number;
  /** Records that may leave at once before pacing applies (default: the larger of batchSize and 100 ms at the rate). */
  burstRecords?: number;
  /** How long to wait for an acknowledgement, ms (default 10 000). */
  ackTimeoutMs?: number;
  promised: PromisedLevels;
}

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const positive = v.pipe(v.number(), v.gtValue(0), v.finite());

const TermsSchema = v.object({
  integration: v.pipe(v.string(), v.minLength(1)),
  endpoint: v.pipe(v.string(), matches(() => /^(mqtts?|https?):\/\/[^/]+/, 'must be an mqtt://, mqtts://, http:// or https:// URL')),
  format: v.picklist(['cbor', 'json']),
  batchSize: positiveInt,
  maxBatchBytes: v.optional(positiveInt),
  maxRecordsPerSecond: positive,
  burstRecords: v.optional(positiveInt),
  ackTimeoutMs: v.optional(positiveInt),
  promised: v.object({
    uptimeRatio: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
    latencyP50Ms: v.optional(positive),
    latencyP95Ms: v.optional(positive),
    maxLagMs: v.optional(positive),
  }),
});

/** Returns the terms if valid; throws naming every bad field and its rule otherwise. */
export function checkTerms(terms: DeliveryTerms): DeliveryTerms {
  const result = v.safeParse(TermsSchema, terms);
  if (result.success) return terms;
  const problems = result.issues.map((issue) => `${v.getDotPath(issue) ?? '(terms)'}: ${issue.message}`);
  throw new TypeError(`delivery terms for "${String((terms as { integration?: unknown })?.integration)}" are invalid: ${problems.join('; ')}`);
}
