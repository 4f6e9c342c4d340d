// A power cut while an integration is added from the page leaves the hub with the old
// configuration or the new one, never a mix: the contract goes to the flash archive (NOR
// power-cut simulation, cut at every stage of the append and of a compaction), the credential
// and the installed list to the store (cut before each write), and a restart runs exactly what
// the installed list names, with its contract. Removing drops the contract from the archive by
// a compaction that a cut leaves whole; a full archive refuses the addition. Node and XS.
import test from 'ava';
import { FaultyFlash, PowerCut } from '../../hosts/sim/faulty-flash.js';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import type { Contract } from '../../modules/contract/types.js';
import type { KeyValueStore, StoredValue } from '../../modules/host.js';
import { FlashContractArchive } from '../../modules/hub/flash-archive.js';
import { readInstalled } from '../../modules/hub/integration-installer.js';
import { SECRETS_DOMAIN, secretKey } from '../../modules/hub/secret-store.js';
import { makeContract } from '../support/contracts.js';
import { GOOD_TOKEN, makeLifecycleRig } from '../support/lifecycle-rig.js';
import { platformCrypto } from '../support/platform.js';

/** A store that loses power with the flash, or at its own n-th write. */
class CuttableStore implements KeyValueStore {
  writes = 0;
  cutAtWrite: number | undefined;
  readonly #inner: KeyValueStore;
  readonly #flash: FaultyFlash;
  constructor(inner: KeyValueStore, flash: FaultyFlash) {
    this.#inner = inner;
    this.#flash = flash;
  }
  get(domain: string, key: string): StoredValue | undefined {
    return this.#inner.get(domain, key);
  }
  keys(domain: string): string[] {
    return this.#inner.keys(domain);
  }
  set(domain: string, key: string, value: StoredValue): void {
    this.#write();
    this.#inner.set(domain, key, value);
  }
  delete(domain: string, key: string): void {
    this.#write();
    this.#inner.delete(domain, key);
  }
  #write(): void {
    if (this.#flash.poweredOff) throw new PowerCut('the power is off');
    this.writes++;
    if (this.cutAtWrite !== undefined && this.writes >= this.cutAtWrite) {
      this.#flash.cutAt(this.#flash.ticks); // the flash goes down with it
      throw new PowerCut(`power cut before store write ${this.writes}`);
    }
  }
}

function vendor(id: string, padding: number): Contract {
  const c = makeContract({
    integration: id,
    purposes: [{ id: 'energy-advice', description: `Advice on lowering electricity use. ${'Explained at length. '.repeat(padding)}`, requiresConsent: true }],
    streams: [{ stream: 'power', fields: { power: { purpose: 'energy-advice', transform: { kind: 'round', step: 10 } } } }],
  });
  c.delivery.credentials = { type: 'mqtt-password', secret: `${id}-token` };
  return c;
}

const A = vendor('alpha', 10);
const B = vendor('bravo', 10);
/** A narrowing of alpha (shorter retention at the vendor): applied at once, archived beside 1.0.0. */
const A2: Contract = { ...A, version: '1.0.1', vendorStorage: { ...A.vendorStorage, retentionDays: 100 } };

interface World {
  flash: FaultyFlash;
  store: CuttableStore | undefined;
  rig: ReturnType<typeof makeLifecycleRig>;
}

/** A hub with "alpha" added from the page and narrowed once, its archive nearly full, so adding "bravo" compacts. */
async function world(): Promise<World & { owner: import('../support/web-client.js').Browser }> {
  const flash = new FaultyFlash(new MemoryFlash(2 * 4096, 4096));
  const w = { flash, store: undefined as CuttableStore | undefined } as World;
  w.rig = makeLifecycleRig({
    archive: () => new FlashContractArchive(flash, { debug() {}, info() {}, warn() {}, error() {} }),
    store: (inner) => (w.store = new CuttableStore(inner, flash)),
  });
  const { owner } = await w.rig.setUpOwner();
  const added = await owner.post('/api/integrations/install', { contract: JSON.stringify(A), secrets: { 'alpha-token': GOOD_TOKEN } });
  if (added.status !== 201) throw new Error(added.text);
  const narrowed = await owner.post('/api/integrations/install', { contract: JSON.stringify(A2) });
  if (narrowed.json?.status !== 'applied') throw new Error(narrowed.text);
  return { ...w, owner };
}

async function addBravo(owner: import('../support/web-client.js').Browser): Promise<number> {
  return (await owner.post('/api/integrations/install', { contract: JSON.stringify(B), secrets: { 'bravo-token': GOOD_TOKEN } })).status;
}

/** After the power comes back: exactly what the installed list names runs, each with its archived contract. */
async function checkAfterReboot(t: import('ava').ExecutionContext, w: World, label: string): Promise<'old' | 'new'> {
  w.flash.reboot();
  w.store!.cutAtWrite = undefined;
  await w.rig.restart().catch(() => undefined);
  const running = w.rig.runtime.snapshot().integrations.map((i) => i.id).sort();
  const listed = readInstalled(w.rig.host.store).map((e) => e.id).sort();
  t.deepEqual(running, listed, `${label}: the hub runs what its installed list names`);
  t.true(['alpha', 'alpha,bravo'].includes(running.join(',')), `${label}: old or new, got ${running.join(',')}`);
  t.deepEqual(w.rig.archive.load('alpha', '1.0.1'), A2, `${label}: alpha's enforced contract is whole`);
  t.is(w.rig.runtime.snapshot().integrations.find((i) => i.id === 'alpha')?.received, 0);
  if (running.includes('bravo')) {
    t.deepEqual(w.rig.archive.load('bravo', '1.0.0'), B, `${label}: bravo's contract is whole`);
    t.is(w.rig.host.store.get(SECRETS_DOMAIN, secretKey('bravo-token', platformCrypto)), GOOD_TOKEN, `${label}: bravo has its credential`);
  }
  await w.rig.stop();
  return running.includes('bravo') ? 'new' : 'old';
}

test('a power cut at any point of adding an integration leaves the old configuration or the new one', async (t) => {
  // A clean run measures the flash ticks and store writes the addition takes.
  const clean = await world();
  const ticks0 = clean.flash.ticks;
  const writes0 = clean.store!.writes;
  t.is(await addBravo(clean.owner), 201);
  const ticks = clean.flash.ticks - ticks0;
  const writes = clean.store!.writes - writes0;
  t.true(clean.flash.inner.bytes[0] === 0x41 && clean.flash.inner.bytes[4096] === 0x41, 'both banks were written: the addition compacted the archive');
  await clean.rig.stop();

  const outcomes = new Set<string>();
  // Flash: the start and end of every stage are where tearing matters; sample the copy between.
  const cuts = new Set<number>();
  for (let k = 1; k <= 24; k++) cuts.add(k);
  for (let k = 0; k < 24; k++) cuts.add(ticks - k);
  for (let k = 1; k < 16; k++) cuts.add(Math.floor((ticks * k) / 16));
  for (const cut of [...cuts].filter((c) => c > 0 && c <= ticks).sort((a, b) => a - b)) {
    const w = await world();
    w.flash.cutAt(w.flash.ticks + cut);
    await addBravo(w.owner).catch(() => undefined);
    outcomes.add(await checkAfterReboot(t, w, `flash tick ${cut}/${ticks}`));
  }
  // Store: a cut before each of its writes.
  for (let n = 1; n <= writes; n++) {
    const w = await world();
    w.store!.cutAtWrite = w.store!.writes + n;
    await addBravo(w.owner).catch(() => undefined);
    outcomes.add(await checkAfterReboot(t, w, `store write ${n}/${writes}`));
  }
  t.deepEqual([...outcomes].sort(), ['new', 'old'], 'both outcomes occur: the cut points span the commit');
});

test('removing an integration drops its contract from the flash archive; a cut during that compaction keeps the archive whole', async (t) => {
  const w = await world();
  t.is(await addBravo(w.owner), 201);
  t.is((await w.owner.post('/api/exit/alpha/delete', { confirm: 'alpha' })).status, 200);
  t.is(w.rig.archive.load('alpha', '1.0.0'), undefined);
  t.is(w.rig.archive.load('alpha', '1.0.1'), undefined);
  t.deepEqual(w.rig.archive.load('bravo', '1.0.0'), B);
  await w.rig.restart();
  t.deepEqual(w.rig.runtime.snapshot().integrations.map((i) => i.id), ['bravo']);
  await w.rig.stop();

  // A cut in the middle of the removal's compaction: bravo's contract survives either way.
  const measure = await world();
  t.is(await addBravo(measure.owner), 201);
  const start = measure.flash.ticks;
  (measure.rig.archive as FlashContractArchive).remove('alpha');
  const span = measure.flash.ticks - start;
  await measure.rig.stop();
  for (const fraction of [0.01, 0.5, 0.99, 1]) {
    const u = await world();
    t.is(await addBravo(u.owner), 201);
    u.flash.cutAt(u.flash.ticks + Math.max(1, Math.floor(span * fraction)) - (fraction === 1 ? 1 : 0));
    (u.rig.archive as FlashContractArchive).remove('alpha'); // logs the failure, never throws
    t.true(u.flash.poweredOff);
    u.flash.reboot();
    const reopened = new FlashContractArchive(u.flash, { debug() {}, info() {}, warn() {}, error() {} });
    t.deepEqual(reopened.load('bravo', '1.0.0'), B, `cut at ${fraction} of the compaction`);
    await u.rig.stop().catch(() => undefined);
  }
});

test('when the flash archive cannot hold another contract, adding is refused with the reason and nothing is installed', async (t) => {
  const w = await world();
  t.is(await addBravo(w.owner), 201);
  const C = vendor('charlie', 10);
  const refused = await w.owner.post('/api/integrations/install', { contract: JSON.stringify(C), secrets: { 'charlie-token': GOOD_TOKEN } });
  t.is(refused.status, 507, refused.text);
  t.is(refused.json.error, 'archive-full');
  t.regex(refused.json.message, /contract archive has no room/);
  t.deepEqual(w.rig.runtime.snapshot().integrations.map((i) => i.id).sort(), ['alpha', 'bravo']);
  t.deepEqual(readInstalled(w.rig.host.store).map((e) => e.id).sort(), ['alpha', 'bravo']);
  t.is(w.rig.host.store.get(SECRETS_DOMAIN, secretKey('charlie-token', platformCrypto)), undefined, 'its credential was not kept');
  // The others' contracts are whole after the refused compaction.
  t.deepEqual(w.rig.archive.load('bravo', '1.0.0'), B);
  t.deepEqual(w.rig.archive.load('alpha', '1.0.1'), A2);
  await w.rig.stop();
});
