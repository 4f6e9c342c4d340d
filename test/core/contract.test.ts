import test from 'ava';
import fc from 'fast-check';
import { jsonValue } from '../support/arbitraries.js';
import { fuzzRuns } from '../support/fuzz.js';
import { formatPath, parseContract, parseContractText } from '../../modules/contract/validate.js';
import { asJson, makeContract } from '../support/contracts.js';

function errorsOf(json: unknown) {
  const result = parseContract(json);
  if (result.ok) throw new Error('expected the contract to be refused');
  return result.errors;
}

function hasError(errors: { path: string; message: string }[], path: string, pattern: RegExp): boolean {
  return errors.some((e) => e.path === path && pattern.test(e.message));
}

test('a complete contract is accepted and returned typed', (t) => {
  const result = parseContract(asJson(makeContract()));
  t.true(result.ok);
  if (result.ok) {
    t.is(result.contract.integration, 'energy-saver');
    t.is(result.contract.streams[0]!.fields.power!.transform.kind, 'round');
  }
});

test('the parsed contract is the one model every component shares: deeply frozen, the input left alone', (t) => {
  const json = asJson(makeContract());
  const result = parseContract(json);
  if (!result.ok) return t.fail();
  const c = result.contract;
  for (const part of [c, c.vendor, c.purposes, c.purposes[0], c.streams[0]!.fields, c.streams[0]!.fields.voltage!.transform, c.hubBuffer, c.delivery, c.audit]) {
    t.true(Object.isFrozen(part));
  }
  t.throws(() => ((c.hubBuffer as { maxAgeSeconds: number }).maxAgeSeconds = 1), { instanceOf: TypeError });
  t.false(Object.isFrozen(json) || Object.isFrozen(json.streams[0].fields.voltage.transform.edges), 'the caller\'s JSON stays its own');
  t.is(c.hubBuffer.maxAgeSeconds, 86400);
});

test('every error is reported at once, each with its path', (t) => {
  const json = asJson(makeContract());
  json.streams[0].fields.power.transform = { kind: 'blur' };
  json.streams[0].fields.voltage.transform.edges = [240, 220];
  json.hubBuffer.maxAgeSeconds = -60;
  json.serviceLevels.p95DeliveryLatencySeconds = -1;
  delete json.exit;
  json.surprise = true;
  const errors = errorsOf(json);
  t.true(hasError(errors, 'streams[0].fields.power.transform.kind', /transform kind must be one of keep, round/), JSON.stringify(errors));
  t.true(hasError(errors, 'streams[0].fields.voltage.transform.edges', /strictly increasing/));
  t.true(hasError(errors, 'hubBuffer.maxAgeSeconds', /at least 1/));
  t.true(hasError(errors, 'serviceLevels.p95DeliveryLatencySeconds', /greater than 0/));
  t.true(hasError(errors, 'exit', /required/));
  t.true(hasError(errors, 'surprise', /unknown key/));
  t.is(errors.length, 6, JSON.stringify(errors));
});

test('a negative rounding step is refused at its path', (t) => {
  const json = asJson(makeContract());
  json.streams[0].fields.power.transform.step = -0.5;
  t.true(hasError(errorsOf(json), 'streams[0].fields.power.transform.step', /greater than 0/));
});

test('inline credentials are refused wherever they appear', (t) => {
  const json = asJson(makeContract());
  json.delivery.password = 'hunter2';
  json.delivery.credentials.token = 'eyJhbGciOi';
  json.delivery.endpoint = 'mqtts://bob:hunter2@ingest.wattwise.example:8883';
  const errors = errorsOf(json);
  t.true(hasError(errors, 'delivery.password', /inline credential/));
  t.true(hasError(errors, 'delivery.credentials.token', /inline credential/));
  t.true(hasError(errors, 'delivery.endpoint', /user name or password/));
  t.false(errors.some((e) => e.path === 'delivery.password' && /unknown key/.test(e.message)), 'one clear message per problem');
  const query = asJson(makeContract());
  query.delivery = { endpoint: 'https://api.example.com/ingest?api_key=abc123', maxRatePerMinute: 1, batchSize: 1 };
  t.true(hasError(errorsOf(query), 'delivery.endpoint', /looks like a secret/));
});

test('endpoints must be mqtt://, mqtts:// or https://, with topic or path to match', (t) => {
  for (const endpoint of ['http://api.example.com/x', 'ftp://files.example.com', 'ws://broker.example.com']) {
    const json = asJson(makeContract());
    json.delivery.endpoint = endpoint;
    t.true(hasError(errorsOf(json), 'delivery.endpoint', /scheme .* is not allowed; use mqtt:\/\/, mqtts:\/\/ or https:\/\//), endpoint);
  }
  const https = asJson(makeContract());
  https.delivery.endpoint = 'https://api.example.com';
  const errors = errorsOf(https);
  t.true(hasError(errors, 'delivery.path', /required for an https endpoint/));
  t.true(hasError(errors, 'delivery.topic', /for MQTT endpoints/));
  const mqtt = asJson(makeContract());
  delete mqtt.delivery.topic;
  t.true(hasError(errorsOf(mqtt), 'delivery.topic', /required for an MQTT endpoint/));
});

test('duplicates and undeclared purposes are refused', (t) => {
  const json = asJson(makeContract());
  json.streams.push(JSON.parse(JSON.stringify(json.streams[0])));
  json.purposes.push({ id: 'safety', description: 'again', requiresConsent: true });
  json.streams[0].fields.power.purpose = 'marketing';
  const errors = errorsOf(json);
  t.true(hasError(errors, 'streams[1].stream', /listed twice/));
  t.true(hasError(errors, 'purposes[2].id', /declared twice/));
  t.true(hasError(errors, 'streams[0].fields.power.purpose', /"marketing" is not declared/));
});

test('a field named twice in the text is refused (JSON.parse would keep only the last)', (t) => {
  const text = JSON.stringify(asJson(makeContract()), null, 2).replace(
    '"power": {',
    '"power": { "purpose": "energy-advice", "transform": { "kind": "keep" } },\n        "power": {',
  );
  const result = parseContractText(text);
  t.false(result.ok);
  if (!result.ok) t.true(hasError(result.errors, 'streams[0].fields.power', /appears more than once/), JSON.stringify(result.errors));
  const broken = parseContractText('{ "format": ');
  t.false(broken.ok);
  if (!broken.ok) t.regex(broken.errors[0]!.message, /not valid JSON/);
});

test('paths name array items by index and odd keys by quoting', (t) => {
  t.is(formatPath(['streams', 0, 'fields', 'temperature', 'transform', 'step']), 'streams[0].fields.temperature.transform.step');
  t.is(formatPath(['streams', 2, 'fields', 'ENERGY.Power']), 'streams[2].fields["ENERGY.Power"]');
});

test('parseContract never throws, whatever JSON it is given', (t) => {
  fc.assert(
    fc.property(jsonValue({ maxDepth: 4 }), (json) => {
      const result = parseContract(json);
      return result.ok === false && result.errors.length > 0 && result.errors.every((e) => typeof e.path === 'string' && e.message.length > 0);
    }),
    { numRuns: fuzzRuns(150) },
  );
  // Valid contracts with one section swapped for arbitrary JSON: still a clean refusal or acceptance.
  const sections = Object.keys(makeContract());
  fc.assert(
    fc.property(fc.constantFrom(...sections), jsonValue({ maxDepth: 3 }), (section, value) => {
      const json = asJson(makeContract());
      json[section] = value;
      const result = parseContract(json);
      return result.ok || result.errors.length > 0;
    }),
    { numRuns: fuzzRuns(150) },
  );
  t.pass();
});
