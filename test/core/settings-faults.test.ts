// Power cuts swept across a settings save (modules/hub/settings-store.ts): the store loses
// power at every step a save takes (NVS writes each entry atomically, so a step is one entry
// set or deleted), the hub starts again over what the cut left, and it runs with the old
// settings or the new ones, never a mix: the broker and the password it names belong together,
// the password is the one saved with it, and no secret is left that nothing names. Node and XS.
import test from 'ava';
import { FaultyStore } from '../../hosts/sim/faulty-store.js';
import { SECRETS_DOMAIN, secretKey, secretStore } from '../../modules/hub/secret-store.js';
import { SettingsStore } from '../../modules/hub/settings-store.js';
import { platformCrypto } from '../support/platform.js';
import { setUpOwner, startSettingsRig, type SettingsRig } from '../support/settings-rig.js';

const OLD = { url: 'mqtt://broker-1.lan', username: 'hub', password: 'first password' };
const NEW = { url: 'mqtt://broker-2.lan:1884', username: 'hub2', password: 'second password' };
const MAC = 'a4:c1:38:8d:18:b2';
const BINDKEY = '231d39c1d7cc1ab1aee224cd096db932';

type Save = (rig: SettingsRig, owner: Awaited<ReturnType<typeof setUpOwner>>['owner']) => Promise<number>;

/** A hub whose page saved OLD and a bindkey; returns it with the owner's browser. */
async function baseline() {
  const store = new FaultyStore();
  const rig = startSettingsRig({ store });
  const { owner } = await setUpOwner(rig);
  if ((await rig.change(owner, { localBroker: OLD })).status !== 200) throw new Error('baseline broker not saved');
  if ((await owner.post('/api/settings/bthome-key', { mac: MAC, key: BINDKEY })).status !== 200) throw new Error('baseline bindkey not saved');
  return { store, rig, owner };
}

/** What a hub started over the cut's leftovers runs with, checked for consistency. */
function judge(t: import('ava').ExecutionContext, store: FaultyStore): { broker: 'old' | 'new'; bindkey: boolean } {
  const rig = startSettingsRig({ store }); // its start finishes or undoes the interrupted save
  const broker = rig.current('home').request.broker as { url: string; username?: string; password?: { secret: string } };
  const secrets = secretStore(store, platformCrypto);
  const which = broker.url === OLD.url ? OLD : broker.url === NEW.url ? NEW : undefined;
  t.truthy(which, `the broker is one of the two: ${broker.url}`);
  t.is(broker.username, which!.username, 'the user name belongs to that broker');
  t.is(secrets.get(broker.password!.secret), which!.password, 'the password it names is the one saved with it');
  const saved = new SettingsStore(store, platformCrypto, rig.host.log).load();
  const bthome = saved.values.sources ? saved.values.sources.bthome : undefined;
  const key = bthome ? bthome.keys?.[MAC] : undefined;
  if (key) t.is(secrets.get(key.secret), BINDKEY, 'the bindkey it names is the one saved');
  const names = [broker.password!.secret, ...(key ? [key.secret] : [])];
  t.deepEqual(store.keys(SECRETS_DOMAIN).sort(), names.map((n) => secretKey(n, platformCrypto)).sort(), 'no secret is left that nothing names');
  void rig.stop();
  return { broker: which === OLD ? 'old' : 'new', bindkey: key !== undefined };
}

/** Cuts the power at every step `save` takes, from a fresh baseline each time; the outcomes seen. */
async function sweep(t: import('ava').ExecutionContext, save: Save): Promise<{ broker: 'old' | 'new'; bindkey: boolean }[]> {
  const clean = await baseline();
  const from = clean.store.steps;
  t.is(await save(clean.rig, clean.owner), 200);
  const steps = clean.store.steps - from;
  t.true(steps >= 4, `a save takes ${steps} steps`);
  const outcomes = [];
  for (let cut = 1; cut <= steps; cut++) {
    const { store, rig, owner } = await baseline();
    store.cutAt(store.steps + cut);
    const status = await save(rig, owner);
    t.true(store.poweredOff, `the power went at step ${cut}`);
    t.not(status, 200, 'a save the power cut does not report success');
    store.reboot();
    outcomes.push(judge(t, store));
  }
  return outcomes;
}

test('a power cut at any step of a broker change leaves the old broker and password or the new ones', async (t) => {
  const outcomes = await sweep(t, async (rig, owner) => (await rig.change(owner, { localBroker: NEW })).status);
  t.is(outcomes[0]!.broker, 'old', 'a cut at the first step leaves the old settings');
  t.true(outcomes.some((o) => o.broker === 'new'), 'a cut after the switch leaves the new settings (the rest is tidied at start)');
  t.true(outcomes.every((o) => o.bindkey), 'the bindkey stays either way');
});

test('a power cut at any step of a bindkey removal leaves the key and its secret, or neither', async (t) => {
  const outcomes = await sweep(t, async (_rig, owner) => (await owner.post('/api/settings/bthome-key', { mac: MAC, key: null })).status);
  t.true(outcomes[0]!.bindkey, 'a cut at the first step leaves the key');
  t.true(outcomes.some((o) => !o.bindkey), 'a cut after the switch leaves it removed');
  t.true(outcomes.every((o) => o.broker === 'old'), 'the broker is untouched');
});
