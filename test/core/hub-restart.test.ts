// State that must survive a reboot, tested by composing the hub again over the same simulated
// store and flash (as the ESP32 does after a power cut): open incidents and their deadline
// clocks, the outbound volume baselines, and the BTHome encryption counters. Also the vendor's
// command channel as the hub wires it: signed commands act, forged and replayed ones are
// refused and counted.
import test from 'ava';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { HOUR_MS } from '../../modules/audit/time.js';
import { fromHex, toHex, utf8 } from '../../modules/bytes.js';
import type { Contract } from '../../modules/contract/types.js';
import { Hub, type ContractArchive, type HubPowers } from '../../modules/hub/hub.js';
import { makeContract } from '../support/contracts.js';
import { FakeTransport, settle } from '../support/fake-transport.js';
import { makeTestHost, type TestHost } from '../support/test-host.js';
import { BTHOME_KEY, BTHOME_MAC, encryptedVectors as enc } from '../vectors/bthome.js';
import { buildBthomeFrame } from '../../hosts/sim/bthome-frames.js';
import { JUMP, PERSIST_EVERY_MS } from '../../modules/sources/bthome-counters.js';
import { platformCrypto } from '../support/platform.js';
import { MAX_KEPT_INCIDENTS } from '../../modules/audit/incidents.js';

const ID = 'energy-saver';

function memoryArchive(): ContractArchive {
  const saved = new Map<string, Contract>();
  return { load: (id, version) => saved.get(`${id}@${version}`), save: (c) => void saved.set(`${c.integration}@${c.version}`, c) };
}

interface Rig {
  host: TestHost;
  hub: Hub;
  transport(): FakeTransport;
  powers: HubPowers;
}

/** A hub over `host`; pass the previous rig's host and powers to compose it again after a reboot. */
function compose(previous?: { host: TestHost; powers: HubPowers }): Rig {
  const host = previous?.host ?? makeTestHost({ flashBytes: 32 * 4096 });
  const transports = new Map<string, FakeTransport>();
  const powers: HubPowers = previous?.powers ?? { host, auditFlash: new MemoryFlash(8 * 4096, 4096), archive: memoryArchive(), transport: () => undefined as never };
  powers.transport = (id, endpoint) => {
    const t = new FakeTransport(endpoint, () => host.clock.monotonic());
    transports.set(id, t);
    return t;
  };
  const hub = new Hub(
    {
      hubId: 'home-1',
      version: '0.1.0',
      model: 'test',
      integrations: [{ contract: makeContract() }],
      sources: { zigbee2mqtt: {}, bthome: { keys: { [BTHOME_MAC]: BTHOME_KEY } } },
    },
    powers,
  );
  return { host, hub, powers, transport: () => transports.get(ID)! };
}

/** Power cut and boot: the hub object is dropped without a clean stop, monotonic time restarts. */
function reboot(rig: Rig, wallTime?: number): Rig {
  rig.host.clock.reboot({ wallTime });
  return compose(rig);
}

function signer(hub: Hub) {
  const key = hub.keyring.hubKey(`cmd:${ID}`);
  return (body: object, withKey = key) => {
    const text = JSON.stringify(body);
    return utf8(JSON.stringify({ body: text, mac: toHex(platformCrypto.hmacSha256(withKey, utf8(text))) }));
  };
}

async function run(rig: Rig, ms: number, step = 1000): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    rig.host.timers.advance(step);
    await settle();
  }
}

test('an open incident keeps its wall-clock deadline across a reboot and goes overdue on time', (t) => {
  const a = compose();
  a.hub.start();
  const incident = a.hub.reportIncident({ integration: ID, reportedBy: 'owner', title: 'Vendor bucket exposed' });
  const deadline = a.hub.incidents.deadline(incident.id);
  t.is(deadline, Date.UTC(2026, 0, 1) + 72 * HOUR_MS);
  a.host.clock.advance(30 * HOUR_MS);

  // Off for 40 hours: 70 of the 72 hours are gone when it comes back.
  const b = reboot(a, Date.UTC(2026, 0, 1) + 70 * HOUR_MS);
  const [restored] = b.hub.incidents.list(ID);
  t.like(restored, { id: incident.id, state: 'open', title: 'Vendor bucket exposed', overdue: false });
  t.is(b.hub.incidents.deadline(incident.id), deadline);
  t.is(b.hub.incidents.counters().restored, 1);
  b.host.clock.advance(2 * HOUR_MS);
  t.deepEqual(b.hub.incidents.check(), [], 'exactly at the deadline it is not late yet');
  b.host.clock.advance(60_000);
  t.is(b.hub.incidents.check().length, 1, 'a minute later it is overdue: the clock did not restart at boot');
  t.is(b.hub.audit.entries((e) => e.action === 'incident.overdue').length, 1);

  // The next incident does not reuse the restored one's id.
  t.not(b.hub.reportIncident({ integration: ID, reportedBy: 'owner', title: 'Second' }).id, incident.id);
  // The overdue mark is kept too: a further reboot does not alarm again.
  const c = reboot(b, Date.UTC(2026, 0, 5));
  t.deepEqual(c.hub.incidents.check(), []);
  t.true(c.hub.incidents.get(incident.id)!.overdue);
  // Resolved incidents leave the store.
  c.hub.incidents.resolve(incident.id, 'owner', 'keys rotated');
  const d = reboot(c, Date.UTC(2026, 0, 6));
  t.is(d.hub.incidents.get(incident.id), undefined);
});

test('after a boot without wall time the deadline still holds: a lower bound, then the exact time', (t) => {
  const a = compose();
  const incident = a.hub.reportIncident({ integration: ID, reportedBy: 'owner', title: 'Lost laptop' });
  a.host.clock.advance(10 * HOUR_MS);
  a.hub.incidents.check(); // housekeeping, every minute on a running hub: moves the saved anchor forward
  // Reboot offline: no SNTP. The last known wall time plus uptime bounds "now" from below.
  const b = reboot(a, undefined);
  b.host.clock.advance(62 * HOUR_MS);
  t.deepEqual(b.hub.incidents.check(), [], 'a lower bound of 62 h uptime + the time before the cut is not past 72 h yet');
  b.host.clock.advance(1 * HOUR_MS);
  t.is(b.hub.incidents.check().length, 1, '10 h before + 63 h uptime > 72 h: overdue without knowing the date');

  // An incident whose clock never knew the wall time counts uptime, saved on a cadence.
  const c = compose();
  c.host.clock.setWallTime(undefined);
  const offline = c.hub.reportIncident({ integration: ID, reportedBy: 'owner', title: 'Offline boot' });
  t.is(c.hub.incidents.deadline(offline.id), undefined);
  c.host.clock.advance(50 * HOUR_MS);
  c.hub.incidents.check(); // saves the spent time (every 15 minutes at most)
  const d = reboot(c, undefined);
  d.host.clock.advance(22 * HOUR_MS);
  t.deepEqual(d.hub.incidents.check(), [], '50 h + 22 h = 72 h: not late yet');
  d.host.clock.advance(60_000);
  t.is(d.hub.incidents.check().length, 1, 'the 50 hours before the reboot were not forgotten');

  // Learning the time turns the uptime clock into a wall-clock deadline that later boots keep.
  const e = compose();
  e.host.clock.setWallTime(undefined);
  const late = e.hub.reportIncident({ integration: ID, reportedBy: 'owner', title: 'Learns the time' });
  e.host.clock.advance(2 * HOUR_MS);
  e.host.clock.setWallTime(Date.UTC(2026, 2, 1));
  e.hub.incidents.check();
  t.is(e.hub.incidents.deadline(late.id), Date.UTC(2026, 2, 1) + 70 * HOUR_MS);
  const f = reboot(e, Date.UTC(2026, 2, 1) + 71 * HOUR_MS);
  t.is(f.hub.incidents.deadline(late.id), Date.UTC(2026, 2, 1) + 70 * HOUR_MS);
  t.is(f.hub.incidents.check().length, 1);
});

test('volume baselines survive a reboot: a burst right after boot is still flagged', async (t) => {
  const a = compose();
  a.hub.start();
  // Six quiet hours of 2 records each teach the baseline.
  for (let hour = 0; hour < 6; hour++) {
    a.hub.volume.observe(ID, 2, 200);
    a.hub.volume.rollHour();
  }
  const before = a.hub.volume.counters().integrations[ID]!;
  const b = reboot(a, Date.UTC(2026, 0, 2));
  t.deepEqual(b.hub.volume.counters().integrations[ID], { ...before, recordsThisHour: 0, bytesThisHour: 0 });
  b.hub.start();
  b.hub.giveConsent(ID, 'energy-advice', 'owner');
  // Delivery feeds the monitor: 30 records delivered in the first hour after boot are a rise.
  for (let i = 0; i < 30; i++) {
    b.hub.acceptMqtt('zigbee2mqtt/plug', utf8(JSON.stringify({ power: 100 + i, voltage: 230 })));
    await run(b, 2000);
  }
  await run(b, 30_000);
  t.true(b.transport().received.length > 0, 'records were delivered');
  t.is(b.hub.volume.counters().flagged, 1);
  t.is(b.hub.audit.entries((e) => e.action === 'anomaly.volume').length, 1);
  t.true(b.hub.recentAlerts().some((a) => a.kind === 'anomaly.volume'));
});

test('BTHome encryption counters survive a reboot: a recorded frame is not accepted again', (t) => {
  const a = compose();
  a.hub.start();
  a.hub.acceptBle(BTHOME_MAC, fromHex(enc.counter112234));
  t.is(a.hub.sources.counters.droppedFor('bthome', 'replayed'), 0);
  t.is(a.hub.sources.counters.droppedFor('bthome', 'bad-mic'), 0, 'the frame was accepted');
  // A new device is written at once, so even a power cut right now keeps it.
  const b = reboot(a, Date.UTC(2026, 0, 2));
  b.hub.start();
  b.hub.acceptBle(BTHOME_MAC, fromHex(enc.counter112234));
  b.hub.acceptBle(BTHOME_MAC, fromHex(enc.counter112233));
  t.is(b.hub.sources.counters.droppedFor('bthome', 'replayed'), 2, 'the same and an older counter are replays after the reboot');
});

test('BTHome counters are written on a cadence or a jump, not on every frame; the window is bounded', async (t) => {
  const a = compose();
  a.hub.start();
  const key = fromHex(BTHOME_KEY);
  const frame = (counter: number) =>
    buildBthomeFrame({ objects: [[0x02, 21.5]], encrypt: { crypto: platformCrypto, key, mac: BTHOME_MAC, counter } });
  let stored = () => a.host.store.get('bthome', 'ctr');
  a.hub.acceptBle(BTHOME_MAC, frame(1000));
  t.regex(String(stored()), /5448e68f80a5:1000/, 'a new device is written at once');
  for (let c = 1001; c < 1010; c++) a.hub.acceptBle(BTHOME_MAC, frame(c));
  t.regex(String(stored()), /:1000$/, 'small steps wait for the cadence');
  // A power cut now would leave frames 1001..1009 replayable once: the documented window.
  const b = reboot(a, Date.UTC(2026, 0, 2));
  b.hub.start();
  b.hub.acceptBle(BTHOME_MAC, frame(1005));
  t.is(b.hub.sources.counters.droppedFor('bthome', 'replayed'), 0, 'inside the window: accepted once');
  b.hub.acceptBle(BTHOME_MAC, frame(1005));
  t.is(b.hub.sources.counters.droppedFor('bthome', 'replayed'), 1, '...and only once');
  stored = () => b.host.store.get('bthome', 'ctr');
  b.hub.acceptBle(BTHOME_MAC, frame(1005 + JUMP));
  t.regex(String(stored()), new RegExp(`:${1005 + JUMP}$`), 'a jump is written at once');
  b.hub.acceptBle(BTHOME_MAC, frame(1006 + JUMP));
  await run(b, PERSIST_EVERY_MS + 60_000, 60_000);
  t.regex(String(stored()), new RegExp(`:${1006 + JUMP}$`), 'the cadence writes what moved');
  await b.hub.stop();
});

test('vendor commands on the integration\'s channel: signed ones act once; forged and replayed are refused and counted', (t) => {
  const a = compose();
  a.hub.start();
  const sign = signer(a.hub);
  const channel = a.transport();
  channel.command(sign({ id: 'm1', type: 'incident.report', title: 'Credential leak at the vendor' }));
  const [incident] = a.hub.incidents.list(ID);
  t.like(incident, { reportedBy: 'vendor', title: 'Credential leak at the vendor', state: 'open' });
  t.is(a.hub.audit.entries((e) => e.action === 'incident.opened' && e.actor === `vendor:${ID}`).length, 1);

  channel.command(sign({ id: 'm1', type: 'incident.report', title: 'Credential leak at the vendor' }));
  channel.command(sign({ id: 'm2', type: 'incident.report', title: 'Forged' }, new Uint8Array(32).fill(7)));
  t.is(a.hub.incidents.list(ID).length, 1, 'neither the replay nor the forgery opened an incident');
  t.like(a.hub.commands.counters(), { accepted: 1, 'refused.replayed': 1, 'refused.forged': 1 });
  const state = a.hub.snapshot().integrations.find((i) => i.id === ID)!;
  t.like(state, { commandsAccepted: 1, commandsRefused: 2 });
  t.is(a.hub.audit.entries((e) => e.action === 'anomaly.forged-command').length, 1);
  t.true(a.hub.recentAlerts().some((x) => x.kind === 'anomaly.forged-command'));

  // HTTPS integrations get commands in a delivery answer; an ordinary answer carries none.
  channel.command(utf8('{"ok":true}'), 'answer');
  t.like(a.hub.snapshot().integrations[0], { commandsAccepted: 1, commandsRefused: 2 });
  channel.command(utf8(JSON.stringify({ commands: [JSON.parse(new TextDecoder().decode(sign({ id: 'm3', type: 'incident.notified', incident: incident!.id, note: 'DPA told' })))] })), 'answer');
  t.is(a.hub.incidents.get(incident!.id)!.state, 'notified');
  t.like(a.hub.snapshot().integrations[0], { commandsAccepted: 2, commandsRefused: 2 });

  // After a reboot the replay memory is still there: the first report again is refused.
  const b = reboot(a, Date.UTC(2026, 0, 2));
  b.hub.start();
  b.transport().command(sign({ id: 'm1', type: 'incident.report', title: 'Credential leak at the vendor' }));
  t.like(b.hub.snapshot().integrations[0], { commandsAccepted: 0, commandsRefused: 1 });
  t.is(b.hub.incidents.list(ID).length, 1, 'still the one incident, restored');
});

test('at most MAX_KEPT_INCIDENTS unresolved incidents are kept; more are handled but counted', (t) => {
  const a = compose();
  for (let n = 0; n < MAX_KEPT_INCIDENTS + 2; n++) a.hub.reportIncident({ integration: ID, reportedBy: 'owner', title: `Incident ${n}`, description: 'x'.repeat(5000) });
  t.is(a.hub.incidents.counters().notKept, 2);
  t.true(a.host.lines.some((l) => l.level === 'warn' && /will not survive a reboot/.test(l.message)));
  const b = reboot(a, Date.UTC(2026, 0, 2));
  t.is(b.hub.incidents.list(ID).length, MAX_KEPT_INCIDENTS, 'the kept ones come back (their long descriptions cut to fit NVS)');
  t.true(b.hub.incidents.list(ID)[0]!.description.length < 200);
});
