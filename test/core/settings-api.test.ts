// Hub settings through the page's API over the runtime both roots call: a new home broker is
// tested before it is saved and then replaces the running connection; a broker that refuses
// the hub, a bindkey of the wrong length and a malformed form are refused with the reason and
// change nothing; passwords go to the secret store and are never shown; settings survive a
// restart; the configuration file wins where it changed after the page; roles. Node and XS.
import test from 'ava';
import { checkProfile, type BoardProfile } from '../../modules/hub/board-profile.js';
import { SECRETS_DOMAIN } from '../../modules/hub/secret-store.js';
import { fingerprint } from '../../modules/hub/settings.js';
import { SettingsStore } from '../../modules/hub/settings-store.js';
import { buildBthomeFrame } from '../../hosts/sim/bthome-frames.js';
import { fromHex } from '../../modules/bytes.js';
import { settle } from '../support/fake-transport.js';
import { platformCrypto } from '../support/platform.js';
import { BASE_CONFIG, logIn, setUpOwner, startSettingsRig } from '../support/settings-rig.js';
import { enrol } from '../support/web-fixture.js';

const NEW_BROKER = { url: 'mqtt://broker-2.lan:1884', username: 'hub', password: 'broker password 2' };
const BTHOME_MAC = 'a4:c1:38:8d:18:b2';
const BINDKEY = '231d39c1d7cc1ab1aee224cd096db932';

test('a new home broker is tested, saved, and replaces the running connection; its password is never shown', async (t) => {
  const rig = startSettingsRig();
  const { owner } = await setUpOwner(rig);
  const first = rig.current('home');
  first.connect();

  const r = await rig.change(owner, { localBroker: NEW_BROKER });
  t.is(r.status, 200, r.text);
  t.deepEqual(r.json.changed, ['localBroker']);
  t.deepEqual(r.json.applied, ['localBroker']);
  const probe = rig.probes()[0]!;
  t.is(probe.request.broker && 'url' in probe.request.broker ? probe.request.broker.url : '', NEW_BROKER.url, 'the test connection went to the new broker');
  t.true(probe.closed, 'the test connection is closed after its answer');

  await settle(); // the replacement closes the old connection first
  t.true(first.closed, 'the old home connection is closed');
  const second = rig.current('home');
  t.like(second.request, { clientId: 'airlock-home-1-sources', persistentSession: true });
  t.like(second.request.broker, { url: NEW_BROKER.url, username: 'hub' });
  t.like(rig.current('monitor').request.broker, { url: NEW_BROKER.url }, 'monitoring follows the home broker when it has none of its own');

  // Readings on the new broker reach the hub.
  second.connect();
  const before = rig.runtime.snapshot().hub.readingsReceived;
  second.deliver('zigbee2mqtt/kitchen', JSON.stringify({ power: 12 }));
  t.true(rig.runtime.snapshot().hub.readingsReceived >= before, 'a message on the new broker is taken');

  // The password: in the secret store under the page's name, never in any answer or the audit log.
  const shown = await owner.get('/api/settings');
  t.like(shown.json.localBroker, { url: NEW_BROKER.url, username: 'hub', passwordSet: true });
  t.false(shown.text.includes(NEW_BROKER.password));
  t.false(r.text.includes(NEW_BROKER.password));
  const audit = await owner.get('/api/audit?limit=5');
  t.false(audit.text.includes(NEW_BROKER.password));
  t.true(audit.json.entries.some((e: { text: string; actor: string }) => e.actor === 'owner:owner' && e.text.includes(`localBroker: ${NEW_BROKER.url} as hub with a password`)), audit.text);
  t.is(rig.host.store.keys(SECRETS_DOMAIN).length, 1, 'one secret: the new password');
  await rig.stop();
});

test('a broker that refuses the hub is refused with its reason, and nothing changes', async (t) => {
  const rig = startSettingsRig();
  const { owner } = await setUpOwner(rig);
  const first = rig.current('home');
  const r = await rig.change(owner, { localBroker: { ...NEW_BROKER, password: 'wrong' } }, { refuse: 'Connection refused: Not authorized' });
  t.is(r.status, 422);
  t.is(r.json.error, 'broker-refused');
  t.regex(r.json.message, /mqtt:\/\/broker-2\.lan:1884 did not accept the hub: Connection refused: Not authorized\. .*Nothing was saved/);
  t.false(first.closed, 'the running connection stays');
  t.deepEqual(rig.host.store.keys(SECRETS_DOMAIN), [], 'the staged password is gone again');
  t.deepEqual(rig.host.store.keys('settings'), [], 'no settings written');
  t.is((await owner.get('/api/settings')).json.localBroker.url, BASE_CONFIG.localBroker.url);
  await rig.stop();
});

test('a malformed form is refused whole, every problem with its path', async (t) => {
  const rig = startSettingsRig();
  const { owner } = await setUpOwner(rig);
  const r = await rig.change(owner, { localBroker: { url: 'http://x' }, timeZone: 'Mars time', sources: { zigbee2mqtt: { baseTopic: 3 }, lora: {} }, wifi: {} });
  t.is(r.status, 400);
  for (const path of ['localBroker.url', 'timeZone', 'sources.zigbee2mqtt.baseTopic', 'sources.lora', 'wifi']) t.true(r.json.message.includes(`${path}:`), `${path} in ${r.json.message}`);
  t.is(rig.probes().length, 0, 'no test connection for a form that cannot work');
  t.deepEqual(rig.host.store.keys('settings'), []);
  await rig.stop();
});

test('a bindkey of the wrong length is refused; a right one decrypts at once and is kept as a secret', async (t) => {
  const rig = startSettingsRig();
  const { owner } = await setUpOwner(rig);
  const short = await owner.post('/api/settings/bthome-key', { mac: BTHOME_MAC, key: BINDKEY.slice(2) });
  t.is(short.status, 400);
  t.regex(short.json.message, /must be 32 hex digits \(16 bytes, AES-128\); this one has 30/);
  t.is((await owner.post('/api/settings/bthome-key', { mac: 'kitchen', key: BINDKEY })).json.error, 'bad-mac');

  const frame = (counter: number) => buildBthomeFrame({ objects: [[0x02, 21.5]], encrypt: { crypto: platformCrypto, key: fromHex(BINDKEY), mac: BTHOME_MAC, counter } });
  const before = rig.runtime.snapshot().hub.readingsReceived;
  rig.runtime.acceptBle(BTHOME_MAC, frame(1));
  t.is(rig.runtime.snapshot().hub.readingsReceived, before, 'without its key an encrypted advertisement is not read');

  const set = await owner.post('/api/settings/bthome-key', { mac: BTHOME_MAC.toUpperCase(), key: BINDKEY });
  t.is(set.status, 200, set.text);
  t.deepEqual(set.json.applied, ['sources']);
  t.deepEqual(set.json.settings.sources.bthome.keys, [BTHOME_MAC]);
  t.false(set.text.includes(BINDKEY));
  rig.runtime.acceptBle(BTHOME_MAC, frame(2));
  t.is(rig.runtime.snapshot().hub.readingsReceived, before + 1, 'with it, the next one is');
  t.is(rig.host.store.keys(SECRETS_DOMAIN).length, 1);

  const removed = await owner.post('/api/settings/bthome-key', { mac: BTHOME_MAC, key: null });
  t.deepEqual(removed.json.settings.sources.bthome.keys, []);
  t.deepEqual(rig.host.store.keys(SECRETS_DOMAIN), [], 'the removed bindkey is deleted from the store');
  await rig.stop();
});

test("a bindkey beyond the board profile's room is refused, as the next boot would refuse it", async (t) => {
  const tiny: BoardProfile = { name: 'tiny', maxIntegrations: 4, ramWindow: { records: 8, bytes: 1024 }, maxSessions: 2, maxBthomeKeys: 1, maxDevices: 64 };
  const rig = startSettingsRig({ checkSettings: (config) => checkProfile(tiny, config) });
  const { owner } = await setUpOwner(rig);
  t.is((await owner.post('/api/settings/bthome-key', { mac: BTHOME_MAC, key: BINDKEY })).status, 200);
  const second = await owner.post('/api/settings/bthome-key', { mac: 'a4:c1:38:00:00:01', key: BINDKEY });
  t.is(second.status, 400);
  t.regex(second.json.message, /sources\.bthome\.keys: 2 BTHome bindkeys; the tiny profile holds at most 1/);
  t.is((await owner.get('/api/settings')).json.sources.bthome.keys.length, 1, 'nothing changed');
  await rig.stop();
});

test('settings survive a restart; the hub id and the sources say they need one', async (t) => {
  const first = startSettingsRig();
  const { owner, secret } = await setUpOwner(first);
  const r = await first.change(owner, { localBroker: NEW_BROKER, hubId: 'home-2', timeZone: 'Europe/Berlin', sources: { tasmota: false, esphome: { nodes: ['garage'] } } });
  t.is(r.status, 200, r.text);
  t.deepEqual(r.json.restartNeeded.sort(), ['hubId', 'sources']);
  t.deepEqual(r.json.applied.sort(), ['localBroker', 'timeZone']);
  t.deepEqual(r.json.settings.restartNeeded.sort(), ['hubId', 'sources']);
  await first.stop();

  const second = startSettingsRig({ store: first.host.store });
  t.is(second.runtime.snapshot().hub.hubId, 'home-2', 'the new hub id after the restart');
  t.like(second.current('home').request, { clientId: 'airlock-home-2-sources' });
  t.like(second.current('home').request.broker, { url: NEW_BROKER.url, username: 'hub', password: { secret: 'page.localBroker.1' } });
  const b = await logIn(second, secret);
  const shown = (await b.get('/api/settings')).json;
  t.like(shown, { hubId: 'home-2', timeZone: 'Europe/Berlin', restartNeeded: [] });
  t.false(shown.sources.tasmota.on);
  t.deepEqual(shown.sources.esphome.nodes, ['garage']);
  t.deepEqual(shown.fromPage.sort(), ['hubId', 'localBroker', 'sources', 'timeZone']);
  await second.stop();
});

test('what wins: the page, until the configuration file changes that key after it', async (t) => {
  const first = startSettingsRig();
  const { owner, secret } = await setUpOwner(first);
  t.is((await first.change(owner, { timeZone: 'Europe/Berlin', hubId: 'home-9' })).status, 200);
  await first.stop();

  // The same file: the page's values stand.
  const same = startSettingsRig({ store: first.host.store });
  t.is(same.runtime.snapshot().hub.hubId, 'home-9');
  await same.stop();

  // The installer edits the file's time zone (not its hub id): the file wins there, once, audited.
  const edited = startSettingsRig({ store: first.host.store, config: { ...BASE_CONFIG, timeZone: 'America/New_York' } });
  t.is(edited.runtime.snapshot().hub.hubId, 'home-9', 'the page still wins where the file did not change');
  const b = await logIn(edited, secret);
  const shown = (await b.get('/api/settings')).json;
  t.is(shown.timeZone, 'America/New_York');
  t.deepEqual(shown.fromPage, ['hubId']);
  const audit = (await b.get('/api/audit?limit=20')).json.entries as { text: string }[];
  t.true(audit.some((e) => e.text.includes('The configuration file changed timeZone after they were set on the page')));
  await edited.stop();
});

test('saved settings the model no longer accepts are dropped at start, audited, and the file stands', async (t) => {
  const first = startSettingsRig();
  const { secret } = await setUpOwner(first);
  await first.stop();
  // As an older or newer firmware might have left them: a value this model refuses.
  const store = new SettingsStore(first.host.store, platformCrypto, first.host.log);
  store.commit({ generation: store.nextGeneration(), values: { timeZone: 'Mars/Olympus Mons' }, file: { timeZone: fingerprint(undefined, platformCrypto) } });
  const second = startSettingsRig({ store: first.host.store });
  const b = await logIn(second, secret);
  t.is((await b.get('/api/settings')).json.timeZone, null);
  const audit = (await b.get('/api/audit?limit=20')).json.entries as { text: string }[];
  t.true(audit.some((e) => e.text.startsWith('The settings saved on the page no longer fit the configuration (timeZone:')));
  t.deepEqual(new SettingsStore(first.host.store, platformCrypto, first.host.log).load().values, {}, 'dropped from the store too');
  await second.stop();
});

test('roles: owner and installer change settings, a member only sees them', async (t) => {
  const rig = startSettingsRig();
  const { owner } = await setUpOwner(rig);
  const member = await enrol(rig.fixture, owner, 'mia', 'member');
  const installer = await enrol(rig.fixture, owner, 'ivan', 'installer', 4);
  t.is((await member.browser.get('/api/settings')).status, 200);
  const refused = await member.browser.post('/api/settings', { timeZone: 'UTC' });
  t.is(refused.status, 403);
  t.regex(refused.json.message, /member account cannot do this \(change the hub settings\)/);
  t.is((await member.browser.post('/api/settings/bthome-key', { mac: BTHOME_MAC, key: BINDKEY })).status, 403);
  const changed = await rig.change(installer.browser, { timeZone: 'UTC' });
  t.is(changed.status, 200, changed.text);
  const audit = (await owner.get('/api/audit?limit=5')).json.entries as { actor: string; text: string }[];
  t.true(audit.some((e) => e.actor === 'installer:ivan' && e.text.includes('timeZone: UTC')));
  await rig.stop();
});

test('Wi-Fi: a computer has none to set; the board saves a valid network and refuses a short password', async (t) => {
  const desktop = startSettingsRig();
  const { owner } = await setUpOwner(desktop);
  t.is((await owner.post('/api/settings/wifi', { ssid: 'home', password: 'long enough' })).status, 409);
  await desktop.stop();

  const saved: { ssid: string; password?: string }[] = [];
  const board = startSettingsRig({ wifi: { network: () => saved.at(-1)?.ssid, save: (c) => void saved.push(c) } });
  const b = (await setUpOwner(board)).owner;
  const short = await b.post('/api/settings/wifi', { ssid: 'home', password: 'short' });
  t.is(short.status, 400);
  t.regex(short.json.message, /wifi\.password: WPA2 passwords are 8 to 63 characters/);
  const ok = await b.post('/api/settings/wifi', { ssid: 'home', password: 'long enough' });
  t.is(ok.status, 200, ok.text);
  t.deepEqual(saved, [{ ssid: 'home', password: 'long enough' }]);
  t.like(ok.json.settings.wifi, { available: true, ssid: 'home' });
  t.false(ok.text.includes('long enough'));
  await board.stop();
});
