import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig, ConfigError } from '../../hosts/node/config.js';
import { hubSources } from '../../modules/hub/runtime-check.js';
import { repoRoot } from '../../hosts/xs/engine.js';
import { deliveryUrl } from '../../modules/contract/terms.js';

const example = () => JSON.parse(readFileSync(join(repoRoot, 'docs/examples/config/airlock.json'), 'utf8')) as Record<string, any>;
const secrets = () => JSON.parse(readFileSync(join(repoRoot, 'docs/examples/config/secrets.example.json'), 'utf8')) as Record<string, string>;
const at = join(repoRoot, 'docs/examples/config/airlock.json');

test('the documented example configuration loads, with its contracts and secrets resolved', (t) => {
  const json = { ...example(), dataDir: mkdtempSync(join(tmpdir(), 'airlock-config-')), secretsFile: undefined };
  const config = checkConfig(json, at, { secrets: secrets() });
  t.deepEqual(config.integrations.map((i) => i.contract.integration), ['energy-saver', 'leak-insurer']);
  t.deepEqual(config.integrations[1]!.consent, { 'leak-alerts': true });
  t.is(config.secret('energy-saver-token'), 'replace-me');
  t.deepEqual(Object.keys((hubSources(config.file, config.secret).bthome as { keys: Record<string, string> }).keys), ['A4:C1:38:8D:18:B2']);
});

test('every problem is reported at once with where it is', (t) => {
  const json = {
    ...example(),
    dataDir: mkdtempSync(join(tmpdir(), 'airlock-config-')),
    secretsFile: undefined,
    integrations: [{ contract: '../energy-saver.json', consent: { 'no-such-purpose': true } }, { contract: 'nowhere.json' }],
  };
  const error = t.throws(() => checkConfig(json, at, { secrets: {} }), { instanceOf: ConfigError }) as ConfigError;
  t.true(error.problems.some((p) => /integrations\[0\]\.consent\.no-such-purpose: the contract has no such purpose/.test(p)));
  t.true(error.problems.some((p) => /integrations\[1\]\.contract: .*nowhere\.json does not exist/.test(p)));
  t.true(error.problems.some((p) => /localBroker\.password: secret "home-broker-password"/.test(p)));
  t.true(error.problems.some((p) => /energy-saver-token/.test(p)));
});

test('shape errors name the field and the rule', (t) => {
  const error = t.throws(() => checkConfig({ format: 'airlock-config/1', hubId: 'bad id!', localBroker: { url: 'http://x' }, integrations: [] }, at)) as ConfigError;
  t.true(error.problems.some((p) => p.startsWith('hubId: hubId must be 1-32')));
  t.true(error.problems.some((p) => p.startsWith('localBroker')));
});

test('secrets may also be written in the configuration itself (the demo, lab boards)', (t) => {
  const json = { ...example(), dataDir: mkdtempSync(join(tmpdir(), 'airlock-config-')), secretsFile: undefined, secrets: secrets() };
  t.is(checkConfig(json, at).secret('energy-saver-token'), 'replace-me');
});

const withEndpoint = (endpoint: string) => ({
  ...example(),
  dataDir: mkdtempSync(join(tmpdir(), 'airlock-config-')),
  secretsFile: undefined,
  integrations: [{ contract: '../energy-saver.json', endpoint }],
});

test('an endpoint override without a path is accepted: the contract\'s delivery.topic is where records go', (t) => {
  const config = checkConfig(withEndpoint('mqtt://127.0.0.1:1884'), at, { secrets: secrets() });
  t.is(config.integrations[0]!.endpoint, 'mqtt://127.0.0.1:1884');
  t.is(deliveryUrl(config.integrations[0]!.contract, config.integrations[0]!.endpoint), 'mqtt://127.0.0.1:1884/homes/readings');
});

test('an endpoint override that names no usable topic is refused at start, with the other problems and its path', (t) => {
  const json = withEndpoint('mqtt://127.0.0.1:1884/homes/#');
  json.integrations.push({ contract: 'nowhere.json', endpoint: 'mqtt://127.0.0.1:1884' });
  const error = t.throws(() => checkConfig(json, at, { secrets: secrets() }), { instanceOf: ConfigError }) as ConfigError;
  t.true(error.problems.some((p) => /^integrations\[0\]\.endpoint: endpoint "mqtt:\/\/127\.0\.0\.1:1884\/homes\/#": .*MQTT wildcard.*delivery\.topic/.test(p)), error.message);
  t.true(error.problems.some((p) => /^integrations\[1\]\.contract: .*nowhere\.json does not exist/.test(p)), 'reported together');
});
