// Adding, replacing and removing an integration from the page, over the runtime both roots call:
// lint with paths, a preview naming this home's devices, the credential into the secret store,
// nothing flowing before consent, a wrong token as the integration's error, a restart that brings
// it back, change management for a new version, and removal that leaves no contract, keys or
// credential behind (a re-add gets new pseudonyms). Node and XS.
import test from 'ava';
import type { Contract } from '../../modules/contract/types.js';
import { CONTRACT_MAX_BYTES } from '../../modules/hub/contract-fetch.js';
import { readInstalled } from '../../modules/hub/integration-installer.js';
import { KEYRING_DOMAIN } from '../../modules/keyring.js';
import { SECRETS_DOMAIN } from '../../modules/hub/secret-store.js';
import { asJson, makeContract } from '../support/contracts.js';
import { GOOD_TOKEN, makeLifecycleRig, PLUG } from '../support/lifecycle-rig.js';
import { OWNER_PASSWORD } from '../support/web-client.js';

const ID = 'gridwise';

/** Only purposes that need consent: nothing may flow before the owner gives it. */
function gridwise(version = '1.0.0'): Contract {
  const c = makeContract({
    integration: ID,
    purposes: [{ id: 'energy-advice', description: 'Advice on lowering electricity use.', requiresConsent: true }],
    streams: [{ stream: 'power', fields: { power: { purpose: 'energy-advice', transform: { kind: 'round', step: 10 } } } }],
  });
  c.version = version;
  c.vendor.name = 'Gridwise';
  c.delivery.credentials = { type: 'bearer', secret: 'gridwise-token' };
  c.delivery.endpoint = 'https://ingest.gridwise.example';
  delete (c.delivery as { topic?: string }).topic;
  delete (c.delivery as { qos?: number }).qos;
  (c.delivery as { path?: string }).path = '/v1/records';
  c.vendorStorage.onwardSharing = [{ name: 'Cloudhost', relation: 'processor', purpose: 'hosting' }] as never;
  return c;
}

const text = (c: Contract) => JSON.stringify(c, null, 2);
const keyringSecretsOf = (keys: string[]) => keys.filter((k) => k.startsWith('s'));

test('an integration is previewed, installed with its token, given consent, delivered, restarted and removed without a trace', async (t) => {
  const rig = makeLifecycleRig();
  const { owner, secret } = await rig.setUpOwner();
  rig.plug(1200);

  // Lint: every error with its path, nothing installed.
  const broken = asJson(gridwise());
  broken.streams[0].fields.power.transform.step = 0;
  delete broken.vendor;
  const linted = await owner.post('/api/integrations/preview', { contract: JSON.stringify(broken) });
  t.is(linted.status, 200);
  t.false(linted.json.valid);
  const paths = linted.json.errors.map((e: { path: string }) => e.path);
  t.true(paths.includes('streams[0].fields.power.transform.step'), paths.join(', '));
  t.true(paths.includes('vendor'), paths.join(', '));
  const duplicate = (await owner.post('/api/integrations/preview', { contract: '{"format": "airlock-contract/1", "format": "x"}' })).json;
  t.true(duplicate.errors.some((e: { message: string }) => /more than once/.test(e.message)));
  const huge = (await owner.post('/api/integrations/preview', { contract: text(gridwise()).replace('"Gridwise"', `"${'G'.repeat(CONTRACT_MAX_BYTES)}"`) }));
  t.true([200, 413].includes(huge.status));
  if (huge.status === 200) t.regex(huge.json.errors[0].message, /over the size limit/);

  // Preview: this home's plug, purposes, retention, sharing, service levels, endpoint, the credential.
  const preview = (await owner.post('/api/integrations/preview', { contract: text(gridwise()) })).json;
  t.true(preview.valid);
  t.deepEqual(preview.devices.map((d: { title: string }) => d.title), [PLUG]);
  t.true(preview.kinds.some((k: { devices: string[]; field: string; transform: string }) => k.devices.includes(PLUG) && k.field === 'power' && k.transform === 'rounded to the nearest 10'));
  t.is(preview.endpoint, 'https://ingest.gridwise.example/v1/records');
  t.deepEqual(preview.purposes.map((p: { id: string }) => p.id), ['energy-advice']);
  t.regex(preview.vendorStorage, /365 days in EU/);
  t.regex(preview.onwardSharing[0], /Cloudhost/);
  t.is(preview.serviceLevels.length, 4);
  t.deepEqual(preview.credential, { name: 'gridwise-token', type: 'bearer', stored: false });
  t.is(preview.replaces, null);

  // Without the token it is refused, and nothing is left behind.
  const refused = await owner.post('/api/integrations/install', { contract: text(gridwise()) });
  t.is(refused.status, 400);
  t.is(refused.json.error, 'credential-missing');
  t.deepEqual(rig.runtime.snapshot().integrations, []);
  t.deepEqual(readInstalled(rig.host.store), []);
  t.is(rig.archive.load(ID, '1.0.0'), undefined);

  // Installed with a wrong token: nothing flows before consent, then the vendor's refusal is its error.
  const added = await owner.post('/api/integrations/install', { contract: text(gridwise()), secrets: { 'gridwise-token': 'wrong-token' } });
  t.is(added.status, 201, added.text);
  t.deepEqual(added.json.awaitingConsent, ['energy-advice']);
  rig.plug(1300);
  await rig.run(2_000);
  t.is(rig.transports.get(ID)!.calls.length, 0, 'no consent: nothing is sent');
  t.is((await owner.post('/api/consent/give', { integration: ID, purpose: 'energy-advice' })).status, 200);
  rig.plug(1400);
  await rig.run(3_000);
  const failing = (await owner.get('/api/overview')).json.integrations.find((i: { id: string }) => i.id === ID);
  t.truthy(failing.lastError, 'the refused token is the integration\'s error');
  t.is(rig.transports.get(ID)!.received.length, 0);

  // The right token replaces it (never shown), and records arrive.
  const replaced = await owner.post(`/api/integrations/${ID}/secret`, { name: 'gridwise-token', value: GOOD_TOKEN });
  t.is(replaced.status, 200, replaced.text);
  rig.plug(1500);
  await rig.run(40_000);
  t.true(rig.transports.get(ID)!.received.length > 0, 'records reach the cloud with the right token');
  for (const path of ['/api/overview', '/api/contracts', `/api/contracts/${ID}`, '/api/audit?limit=200', '/api/datamap']) {
    t.false((await owner.get(path)).text.includes(GOOD_TOKEN), `${path} never shows the token`);
  }
  const audit = (await owner.get('/api/audit?limit=200')).json.entries.map((e: { text: string }) => e.text).join('\n');
  t.regex(audit, /Gridwise \(gridwise\) 1\.0\.0 added/);
  t.regex(audit, /credential "gridwise-token" of gridwise was replaced/);
  // Each record names its device by the integration's pseudonym ("d").
  const pseudonyms = () => rig.transports.get(ID)!.received.flatMap((e) => e.records.map((r) => (r.data as { d?: string }).d));
  const before = pseudonyms()[0]!;
  t.regex(before, /^[0-9a-f]{32}$/);

  // A restart brings it back from the store and the archive, with its consent and token.
  await rig.restart();
  t.deepEqual(rig.runtime.snapshot().integrations.map((i) => i.id), [ID]);
  const again = await (async () => {
    const b = rig.browser();
    const r = await b.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: rig.code(secret) });
    t.is(r.status, 200, r.text);
    return b;
  })();
  rig.plug(1600);
  await rig.run(40_000);
  t.true(rig.transports.get(ID)!.received.length > 0, 'delivering after the restart');

  // Removal is the exit: export, delete, receipt; then no contract, keys or credential remain.
  const tag = rig.host.store.keys(KEYRING_DOMAIN);
  t.true(keyringSecretsOf(tag).length > 0);
  t.is((await again.post(`/api/exit/${ID}/export`)).status, 200);
  const receipt = await again.post(`/api/exit/${ID}/delete`, { confirm: ID });
  t.is(receipt.status, 200, receipt.text);
  t.true(receipt.json.keyEpochsDestroyed >= 1);
  t.true(receipt.json.statements.some((line: string) => /contract \(version 1\.0\.0\).*credential "gridwise-token"/.test(line)), receipt.json.statements.join('\n'));
  t.deepEqual(rig.runtime.snapshot().integrations, []);
  t.deepEqual(keyringSecretsOf(rig.host.store.keys(KEYRING_DOMAIN)), [], 'no epoch secret left');
  t.deepEqual(rig.host.store.keys(SECRETS_DOMAIN), [], 'the token is gone');
  t.deepEqual(readInstalled(rig.host.store), []);
  t.is(rig.archive.load(ID, '1.0.0'), undefined, 'the contract is gone from the archive');
  t.deepEqual((await again.get('/api/consent')).json.entries, []);

  // Re-added: fresh, no consent carried over, new pseudonym keys.
  const readded = await again.post('/api/integrations/install', { contract: text(gridwise()), secrets: { 'gridwise-token': GOOD_TOKEN } });
  t.is(readded.status, 201, readded.text);
  t.deepEqual(readded.json.awaitingConsent, ['energy-advice']);
  t.is((await again.post('/api/consent/give', { integration: ID, purpose: 'energy-advice' })).status, 200);
  rig.plug(1200);
  await rig.run(40_000);
  const after = pseudonyms()[0]!;
  t.regex(after, /^[0-9a-f]{32}$/);
  t.not(after, before, 'the same plug has a different pseudonym after the re-add');
  await rig.stop();
});

test('a new version of an installed contract goes through change management', async (t) => {
  const rig = makeLifecycleRig();
  const { owner } = await rig.setUpOwner();
  t.is((await owner.post('/api/integrations/install', { contract: text(gridwise()), secrets: { 'gridwise-token': GOOD_TOKEN } })).status, 201);
  const wider = gridwise('1.1.0');
  wider.streams[0]!.fields.energy = { purpose: 'energy-advice', transform: { kind: 'keep' } };
  const preview = (await owner.post('/api/integrations/preview', { contract: text(wider) })).json;
  t.is(preview.replaces, '1.0.0');
  const held = await owner.post('/api/integrations/install', { contract: text(wider) });
  t.is(held.status, 200, held.text);
  t.is(held.json.status, 'pending');
  t.true(held.json.diff.some((d: string) => d.startsWith('widening')));
  t.is((await owner.get(`/api/contracts/${ID}`)).json.version, '1.0.0', 'the widening waits for the owner');
  t.is((await owner.post(`/api/contracts/${ID}/approve`, { version: '1.1.0' })).status, 200);
  t.is((await owner.get(`/api/contracts/${ID}`)).json.version, '1.1.0');
  // Approved versions are archived, and a restart enforces the approved one.
  t.truthy(rig.archive.load(ID, '1.1.0'));
  await rig.restart();
  t.is(rig.runtime.snapshot().integrations[0]?.id, ID);
  await rig.stop();
});

test('an installer adds integrations but cannot give consent or remove; a member only sees', async (t) => {
  const rig = makeLifecycleRig();
  const { owner } = await rig.setUpOwner();
  const installer = await rig.enrol(owner, 'fitter', 'installer', 4);
  const member = await rig.enrol(owner, 'alex', 'member');
  t.is((await member.post('/api/integrations/preview', { contract: text(gridwise()) })).status, 403);
  t.is((await member.post('/api/integrations/install', { contract: text(gridwise()), secrets: { 'gridwise-token': GOOD_TOKEN } })).status, 403);
  t.is((await installer.post('/api/integrations/preview', { contract: text(gridwise()) })).status, 200);
  const added = await installer.post('/api/integrations/install', { contract: text(gridwise()), secrets: { 'gridwise-token': GOOD_TOKEN } });
  t.is(added.status, 201, added.text);
  t.is((await installer.post('/api/consent/give', { integration: ID, purpose: 'energy-advice' })).status, 403);
  t.is((await installer.post(`/api/exit/${ID}/delete`, { confirm: ID })).status, 403);
  t.is((await member.post(`/api/integrations/${ID}/secret`, { name: 'gridwise-token', value: 'x' })).status, 403);
  t.is((await member.get('/api/contracts')).status, 200, 'a member sees the new integration');
  t.true((await member.get('/api/contracts')).json.contracts.some((c: { integration: string }) => c.integration === ID));
  const entry = rig.runtime.snapshot().integrations.find((i) => i.id === ID);
  t.truthy(entry);
  // The installer's account runs out: then it cannot add anything.
  rig.host.clock.advance(5 * 3_600_000);
  t.is((await installer.post('/api/integrations/preview', { contract: text(gridwise()) })).status, 401);
  await rig.stop();
});

test('bad requests are refused with the reason and change nothing', async (t) => {
  const rig = makeLifecycleRig();
  const { owner } = await rig.setUpOwner();
  const unknown = await owner.post('/api/integrations/install', { contract: text(gridwise()), secrets: { 'other-token': 'x' } });
  t.is(unknown.status, 400);
  t.is(unknown.json.error, 'unknown-secret');
  const badEndpoint = await owner.post('/api/integrations/install', { contract: text(gridwise()), secrets: { 'gridwise-token': 'x' }, endpoint: 'ftp://x' });
  t.is(badEndpoint.status, 400);
  const invalid = await owner.post('/api/integrations/install', { contract: '{"not": "a contract"}' });
  t.is(invalid.status, 400);
  t.is(invalid.json.error, 'contract-invalid');
  t.regex(invalid.json.message, /format/);
  t.deepEqual(rig.runtime.snapshot().integrations, []);
  t.deepEqual(rig.host.store.keys(SECRETS_DOMAIN), []);
  t.deepEqual(readInstalled(rig.host.store), []);
  // Without a fetch power the address form says why.
  const fetched = await owner.post('/api/integrations/fetch', { url: 'https://vendor.example/c.json' });
  t.is(fetched.json.state, 'failed');
  t.regex(fetched.json.error, /upload or paste/);
  await rig.stop();
});

test('a contract fetched by address is refused for a redirect, a time-out, non-JSON or its size', async (t) => {
  const answers: Record<string, () => Promise<import('../../modules/hub/contract-fetch.js').FetchAnswer>> = {
    'https://v.example/ok.json': () => Promise.resolve({ status: 200, contentType: 'application/json', body: new TextEncoder().encode(text(gridwise())) }),
    'https://v.example/moved': () => Promise.resolve({ status: 302, location: 'https://elsewhere.example/c.json', body: new Uint8Array(0) }),
    'https://v.example/slow': () => Promise.reject(new Error('no answer within 10 s')),
    'https://v.example/page': () => Promise.resolve({ status: 200, contentType: 'text/html', body: new TextEncoder().encode('<html></html>') }),
    'https://v.example/big': () => Promise.resolve({ status: 200, body: new Uint8Array(0), overLimit: true }),
  };
  const rig = makeLifecycleRig({ fetch: (url) => answers[url]!() });
  const { owner } = await rig.setUpOwner();
  const fetchOf = async (url: string) => {
    t.is((await owner.post('/api/integrations/fetch', { url })).status, 202);
    await rig.run(100);
    return (await owner.get('/api/integrations/fetch')).json;
  };
  t.regex((await fetchOf('http://v.example/c.json')).error, /only over https/);
  t.regex((await fetchOf('https://v.example/moved')).error, /redirects \(302\) to https:\/\/elsewhere/);
  t.regex((await fetchOf('https://v.example/slow')).error, /no answer within/);
  t.regex((await fetchOf('https://v.example/page')).error, /not JSON \(text\/html\)/);
  t.regex((await fetchOf('https://v.example/big')).error, /over the size limit/);
  const ok = await fetchOf('https://v.example/ok.json');
  t.is(ok.state, 'done');
  t.true((await owner.post('/api/integrations/preview', { contract: ok.contract })).json.valid);
  t.deepEqual(rig.runtime.snapshot().integrations, [], 'fetching installs nothing');
  await rig.stop();
});

test('the configuration file seeds the first start; for an integration the page added or replaced, the page wins', async (t) => {
  const filed = (version: string, retentionDays = 365) => {
    const c = gridwise(version);
    c.vendorStorage.retentionDays = retentionDays;
    return text(c);
  };
  const other = (version: string, retentionDays: number) => {
    const c = gridwise(version);
    (c as { integration: string }).integration = 'other';
    c.delivery.credentials = { type: 'bearer', secret: 'other-token' };
    c.vendorStorage.retentionDays = retentionDays;
    return text(c);
  };
  const rig = makeLifecycleRig({
    config: {
      format: 'airlock-config/1',
      hubId: 'home-1',
      sources: { zigbee2mqtt: {} },
      integrations: [{ contract: 'gridwise.json', consent: { 'energy-advice': true } }, { contract: 'other.json' }],
    },
    contracts: { 'gridwise.json': filed('1.0.0'), 'other.json': other('1.0.0', 365) },
  });
  const versions = async (b: import('../support/web-client.js').Browser) =>
    Object.fromEntries(((await b.get('/api/contracts')).json.contracts as { integration: string; version: string }[]).map((c) => [c.integration, c.version]));
  const { owner, secret } = await rig.setUpOwner();
  t.deepEqual(await versions(owner), { gridwise: '1.0.0', other: '1.0.0' }, 'the file seeds the first start');
  // The page narrows gridwise: from now on the page governs it.
  t.is((await owner.post('/api/integrations/install', { contract: filed('1.0.1', 100) })).json.status, 'applied');
  // Both change: the file now names gridwise 2.0.0 and a narrower other 1.1.0.
  rig.files['gridwise.json'] = filed('2.0.0', 30);
  rig.files['other.json'] = other('1.1.0', 200);
  await rig.restart();
  const login = async () => {
    const b = rig.browser();
    t.is((await b.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: rig.code(secret) })).status, 200);
    return b;
  };
  let again = await login();
  t.deepEqual(await versions(again), { gridwise: '1.0.1', other: '1.1.0' }, 'the page wins for gridwise; the file still governs other');
  // Removed on the page: the file naming it does not bring it back.
  t.is((await again.post(`/api/exit/${ID}/delete`, { confirm: ID })).status, 200);
  await rig.restart();
  rig.host.clock.advance(30_000);
  again = await login();
  t.deepEqual(await versions(again), { other: '1.1.0' });
  await rig.stop();
});

test("adding an integration beyond the board profile's maxIntegrations is refused with the reason and keeps nothing", async (t) => {
  const named = (id: string, version = '1.0.0') => {
    const c = gridwise(version);
    (c as { integration: string }).integration = id;
    c.delivery.credentials = { type: 'bearer', secret: `${id}-token` };
    return text(c);
  };
  // One integration from the configuration file counts towards the limit like those the page adds.
  const rig = makeLifecycleRig({
    maxIntegrations: 2,
    config: { format: 'airlock-config/1', hubId: 'home-1', sources: { zigbee2mqtt: {} }, integrations: [{ contract: 'filed.json' }] },
    contracts: { 'filed.json': named('filed') },
  });
  const { owner } = await rig.setUpOwner();
  t.is((await owner.post('/api/integrations/install', { contract: named(ID), secrets: { [`${ID}-token`]: GOOD_TOKEN } })).status, 201);
  const secretsBefore = rig.host.store.keys(SECRETS_DOMAIN);

  const refused = await owner.post('/api/integrations/install', { contract: named('third'), secrets: { 'third-token': GOOD_TOKEN } });
  t.is(refused.status, 409, refused.text);
  t.is(refused.json.error, 'integration-limit');
  t.regex(refused.json.message, /at most 2 integrations .*board profile.* 2 are on it; remove one first/);
  t.deepEqual(rig.runtime.snapshot().integrations.map((i) => i.id).sort(), ['filed', ID].sort());
  t.deepEqual(rig.host.store.keys(SECRETS_DOMAIN), secretsBefore, 'its credential is not kept');
  t.false(readInstalled(rig.host.store).some((e) => e.id === 'third'));
  t.is(rig.archive.load('third', '1.0.0'), undefined);

  // A new version of one already on the hub is no new integration: it goes through.
  const narrower = JSON.parse(named(ID, '1.0.1')) as Contract;
  narrower.vendorStorage.retentionDays = 30;
  t.is((await owner.post('/api/integrations/install', { contract: text(narrower) })).json.status, 'applied');

  // Once one is removed there is room again.
  t.is((await owner.post(`/api/exit/${ID}/delete`, { confirm: ID })).status, 200);
  t.is((await owner.post('/api/integrations/install', { contract: named('third'), secrets: { 'third-token': GOOD_TOKEN } })).status, 201);
  await rig.stop();
});
