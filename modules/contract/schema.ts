/**
 * The contract format "airlock-contract/1" as a valibot schema: the shape of
 * every section and the rules a single value must obey. Rules that relate
 * several values (purposes referenced by fields, duplicate names, inline
 * secrets, endpoint scheme vs topic/path) live in validate.ts.
 *
 * docs/contract.schema.json describes the same format for editors; a Node
 * test keeps the two in step.
 */
import * as v from 'valibot';

export const CONTRACT_FORMAT = 'airlock-contract/1';

// --- small reusable rules, each with a message that names the rule ---------

const text = (what: string, max = 500) =>
  v.pipe(v.string(`${what} must be a string`), v.minLength(1, `${what} must not be empty`), v.maxLength(max, `${what} must be at most ${max} characters`));

/** Lowercase kebab-case names: integration ids, purposes, streams, secret names. */
const NAME = /^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$/;
const name = (what: string) =>
  v.pipe(
    v.string(`${what} must be a string`),
    v.maxLength(64, `${what} must be at most 64 characters`),
    v.regex(NAME, `${what} must be lowercase letters, digits and single - _ . separators, starting with a letter (e.g. "energy-saver")`),
  );

/** Field names as sources produce them: "temperature", "ENERGY.Power", "action_user". */
const FIELD_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;

const positive = (what: string, unit: string) =>
  v.pipe(v.number(`${what} must be a number (${unit})`), v.finite(`${what} must be finite`), v.gtValue(0, `${what} must be greater than 0 (${unit})`));

const positiveInteger = (what: string, unit: string) =>
  v.pipe(v.number(`${what} must be a number (${unit})`), v.integer(`${what} must be a whole number (${unit})`), v.minValue(1, `${what} must be at least 1 (${unit})`));

const finiteNumber = (what: string) => v.pipe(v.number(`${what} must be a number`), v.finite(`${what} must be finite`));

const isoDate = (what: string) =>
  v.pipe(
    v.string(`${what} must be a date string`),
    v.regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, `${what} must be a date like "2026-01-31" (YYYY-MM-DD)`),
  );

const email = (what: string) => v.pipe(v.string(`${what} must be a string`), v.email(`${what} must be an e-mail address`));

// --- transforms -------------------------------------------------------------

export const TRANSFORM_KINDS = ['keep', 'round', 'bucket', 'clamp', 'coarsenTime', 'coarsenLocation', 'aggregate', 'pseudonymize'] as const;
const kind = <K extends (typeof TRANSFORM_KINDS)[number]>(k: K) => v.literal(k);

const Keep = v.strictObject({ kind: kind('keep') });
const Round = v.strictObject({ kind: kind('round'), step: positive('step', 'the rounding step, in the field\'s unit') });
const Bucket = v.strictObject({
  kind: kind('bucket'),
  edges: v.pipe(
    v.array(finiteNumber('each edge'), 'edges must be an array of numbers'),
    v.minLength(1, 'edges must list at least one edge'),
    v.maxLength(32, 'edges must list at most 32 edges'),
    v.check((edges) => edges.every((e, i) => i === 0 || e > edges[i - 1]!), 'edges must be strictly increasing'),
  ),
});
const Clamp = v.pipe(
  v.strictObject({ kind: kind('clamp'), min: v.optional(finiteNumber('min')), max: v.optional(finiteNumber('max')) }),
  v.check((c) => c.min !== undefined || c.max !== undefined, 'clamp needs min, max or both'),
  v.check((c) => c.min === undefined || c.max === undefined || c.min <= c.max, 'clamp min must not be greater than max'),
);
export const CoarsenTime = v.strictObject({
  kind: kind('coarsenTime'),
  unit: v.picklist(['minutes', 'hours'], 'unit must be "minutes" or "hours"'),
  amount: positiveInteger('amount', 'how many minutes or hours to floor to'),
});
const CoarsenLocation = v.variant(
  'method',
  [
    v.strictObject({ kind: kind('coarsenLocation'), method: v.literal('grid'), degrees: positive('degrees', 'grid cell size in degrees') }),
    v.strictObject({
      kind: kind('coarsenLocation'),
      method: v.literal('geohash'),
      precision: v.pipe(positiveInteger('precision', 'geohash characters'), v.maxValue(12, 'precision must be at most 12 geohash characters')),
    }),
  ],
  'method must be "grid" or "geohash"',
);
const Aggregate = v.strictObject({
  kind: kind('aggregate'),
  function: v.picklist(['mean', 'min', 'max', 'sum', 'count'], 'function must be one of mean, min, max, sum, count'),
  windowSeconds: v.pipe(positiveInteger('windowSeconds', 'seconds'), v.maxValue(7 * 86400, 'windowSeconds must be at most 604800 (7 days)')),
});
const Pseudonymize = v.strictObject({ kind: kind('pseudonymize') });

export const Transform = v.variant(
  'kind',
  [Keep, Round, Bucket, Clamp, CoarsenTime, CoarsenLocation, Aggregate, Pseudonymize],
  `transform kind must be one of ${TRANSFORM_KINDS.join(', ')}`,
);

// --- sections -----------------------------------------------------------------

/** A web page: http(s), a host, then an optional port and path; no spaces, no credentials. */
const WEB_URL = /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][^\s]*)?$/;

const Contact = v.strictObject({
  name: v.optional(text('name', 120)),
  email: v.optional(email('email')),
  phone: v.optional(v.pipe(v.string('phone must be a string'), v.regex(/^\+?[0-9 ().-]{5,30}$/, 'phone must be digits, spaces and + ( ) . -'))),
  // Not v.url(): it relies on the WHATWG URL global, which Moddable's XS does not have, so on
  // the firmware every contract with a contact page was refused (found by the firmware suite).
  url: v.optional(v.pipe(v.string('url must be a string'), v.regex(WEB_URL, 'url must be an http:// or https:// address'))),
});

const Purpose = v.strictObject({
  id: name('purpose id'),
  description: text('description'),
  requiresConsent: v.boolean('requiresConsent must be true or false'),
});

const FieldRule = v.strictObject({
  purpose: name('purpose'),
  transform: Transform,
});

const StreamRule = v.strictObject({
  stream: name('stream'),
  description: v.optional(text('description')),
  /** Floors every record's time; without it the record keeps the reading's time to the millisecond. */
  time: v.optional(CoarsenTime),
  fields: v.pipe(
    v.record(v.pipe(v.string(), v.regex(FIELD_NAME, 'field names are 1..64 letters, digits, _ . : -')), FieldRule, 'fields must be an object of field rules'),
    v.check((fields) => Object.keys(fields).length > 0, 'fields must name at least one field'),
  ),
});

const Sharing = v.strictObject({
  name: text('name', 120),
  relation: v.picklist(['affiliate', 'partner', 'processor'], 'relation must be affiliate, partner or processor'),
  purpose: text('purpose'),
});

const VendorStorage = v.strictObject({
  location: text('location', 200),
  retentionDays: positiveInteger('retentionDays', 'days'),
  onwardSharing: v.array(Sharing, 'onwardSharing must be an array (empty when the vendor shares with no one)'),
});

const HubBuffer = v.strictObject({
  maxAgeSeconds: positiveInteger('maxAgeSeconds', 'seconds'),
  maxBytes: v.pipe(positiveInteger('maxBytes', 'bytes'), v.minValue(256, 'maxBytes must be at least 256 bytes')),
  whenFull: v.picklist(['drop-oldest', 'drop-newest'], 'whenFull must be "drop-oldest" or "drop-newest"'),
});

const Credentials = v.strictObject({
  type: v.picklist(['bearer', 'basic', 'mqtt-password', 'client-certificate'], 'type must be bearer, basic, mqtt-password or client-certificate'),
  secret: name('secret (the name of a secret stored on the hub, never the secret itself)'),
});

const Delivery = v.strictObject({
  endpoint: v.pipe(v.string('endpoint must be a URL string'), v.maxLength(300, 'endpoint must be at most 300 characters')),
  topic: v.optional(text('topic', 200)),
  path: v.optional(v.pipe(v.string('path must be a string'), v.regex(/^\/[\x21-\x7e]*$/, 'path must start with / and contain no spaces'))),
  qos: v.optional(v.picklist([0, 1], 'qos must be 0 or 1')),
  maxRatePerMinute: positiveInteger('maxRatePerMinute', 'messages per minute'),
  batchSize: v.pipe(positiveInteger('batchSize', 'records per message'), v.maxValue(1000, 'batchSize must be at most 1000')),
  credentials: v.optional(Credentials),
});

const ServiceLevels = v.strictObject({
  uptimePercent: v.pipe(positive('uptimePercent', 'percent'), v.maxValue(100, 'uptimePercent must be at most 100')),
  p95DeliveryLatencySeconds: positive('p95DeliveryLatencySeconds', 'seconds'),
  maxDeliveryLagSeconds: positive('maxDeliveryLagSeconds', 'seconds'),
});

const BreachNotification = v.strictObject({
  deadlineHours: positive('deadlineHours', 'hours'),
  contacts: v.pipe(v.array(Contact, 'contacts must be an array'), v.minLength(1, 'contacts must list at least one contact')),
});

const Audit = v.strictObject({
  lastAuditDate: isoDate('lastAuditDate'),
  reportSha256: v.pipe(v.string('reportSha256 must be a string'), v.regex(/^[0-9a-f]{64}$/, 'reportSha256 must be 64 lowercase hex digits (SHA-256 of the audit report)')),
  reauditIntervalMonths: positiveInteger('reauditIntervalMonths', 'months'),
});

const Exit = v.strictObject({
  exportFormat: v.picklist(['json', 'csv', 'cbor'], 'exportFormat must be json, csv or cbor'),
  deletionDeadlineDays: positiveInteger('deletionDeadlineDays', 'days'),
});

export const ContractSchema = v.strictObject({
  $schema: v.optional(v.string('$schema must be a string')),
  format: v.literal(CONTRACT_FORMAT, `format must be "${CONTRACT_FORMAT}"`),
  integration: name('integration'),
  vendor: v.strictObject({ name: text('vendor name', 120), contact: Contact }),
  version: v.pipe(v.string('version must be a string'), v.regex(/^\d+\.\d+\.\d+$/, 'version must look like "1.0.0" (major.minor.patch)')),
  effectiveDate: isoDate('effectiveDate'),
  purposes: v.pipe(v.array(Purpose, 'purposes must be an array'), v.minLength(1, 'purposes must list at least one purpose')),
  streams: v.pipe(v.array(StreamRule, 'streams must be an array'), v.minLength(1, 'streams must list at least one stream')),
  vendorStorage: VendorStorage,
  hubBuffer: HubBuffer,
  delivery: Delivery,
  serviceLevels: ServiceLevels,
  breachNotification: BreachNotification,
  audit: Audit,
  exit: Exit,
});
