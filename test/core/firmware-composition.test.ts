// The portable pieces main.ts composes the ESP32 hub with: configuration problems in the
// boot report, the board's own settings, the flash-backed contract archive, endpoint parsing
// for the socket-level transports, and the "keys lost" check against the composed hub's own log scan. Node and XS.
import test from 'ava';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { BootSupervisor, checkKeyStore, listKeysAtBoot, logHeldRecords } from '../../modules/boot.js';
import { fromUtf8, toBase64, utf8 } from '../../modules/bytes.js';
import type { Contract } from '../../modules/contract/types.js';
import { parseEndpoint } from '../../modules/forward/endpoint-url.js';
import { checkProfile } from '../../modules/hub/board-profile.js';
import { BOARD_DEFAULTS, boardSettings } from '../../modules/hub/board-settings.js';
import { bootProblem, checkConfigContents } from '../../modules/hub/runtime-check.js';
import { parseRuntimeConfig } from '../../modules/hub/runtime-config.js';
import { FlashContractArchive } from '../../modules/hub/flash-archive.js';
import { Hub, type HubPowers } from '../../modules/hub/hub.js';
import { KEYRING_DOMAIN } from '../../modules/keyring.js';
import { makeContract } from '../support/contracts.js';
import { FakeTransport, settle } from '../support/fake-transport.js';
import { makeTestHost, type TestHost } from '../support/test-host.js';

function supervisorFor(host: TestHost): BootSupervisor {
  const supervisor = new BootSupervisor({ store: host.store, log: host.log });
  supervisor.begin();
  return supervisor;
}

function withVersion(version: string, integration = 'energy-saver'): Contract {
  return { ...makeContract({ integration }), version };
}

test('configuration problems become boot problems, one per path, and a wrong shape stops the hub (so a trial image with it reverts)', (t) => {
  const supervisor = supervisorFor(makeTestHost());
  const contracts: Record<string, string> = { 'energy-saver.json': JSON.stringify(makeContract()), 'broken.json': '{"format": "airlock-contract/1", ' };
  const checked = checkConfigContents(
    { hubId: 'h', integrations: [{ contract: 'energy-saver.json' }, { contract: 'broken.json' }, { contract: 'gone.json' }, { contract: 'energy-saver.json' }] },
    { readContract: (name) => (name in contracts ? { text: contracts[name]! } : { error: `${name} is not in the image` }), hasSecret: () => false, secretsWhere: 'NVS' },
  );
  for (const problem of checked.problems) supervisor.problem(bootProblem(problem));
  const problems = supervisor.report().problems;
  t.deepEqual(
    problems.map((p) => [p.path, p.component, p.code]).sort(),
    [
      ['integrations[0]', 'config', 'secret-missing'],
      ['integrations[1].contract', 'contracts', 'contract-invalid'],
      ['integrations[2].contract', 'contracts', 'contract-missing'],
      ['integrations[3]', 'contracts', 'contract-duplicate'],
    ],
  );
  t.true(problems.every((p) => p.message.startsWith(`${p.path}: `) && p.action.length > 0));
  t.deepEqual(checked.integrations.map((i) => i.contract.integration), ['energy-saver'], 'the valid integration runs');
  t.true(supervisor.report().capabilities.sealing, 'a bad contract file does not stop the hub');

  const shape = parseRuntimeConfig({ hubId: 'bad id!', web: { port: -1 } });
  for (const problem of shape.problems) supervisor.problem(bootProblem(problem));
  t.deepEqual(supervisor.report().problems.filter((p) => p.code === 'config-invalid').map((p) => p.path), ['hubId', 'web.port']);
  t.false(supervisor.report().capabilities.sealing, 'without a valid configuration there is no hub');
});

test('a configuration beyond the board profile is refused at boot, one problem per limit, and no hub is composed', (t) => {
  const profile = { name: 'esp32', maxIntegrations: 2, ramWindow: { records: 16, bytes: 1024 }, maxSessions: 2, maxBthomeKeys: 1, maxDevices: 64 };
  const raw = {
    hubId: 'h',
    profile,
    integrations: [{ contract: 'a.json' }, { contract: 'b.json' }, { contract: 'c.json' }],
    sources: { bthome: { keys: { 'a4:c1:38:00:00:01': { secret: 'k1' }, 'a4:c1:38:00:00:02': { secret: 'k2' } } } },
  };
  const parsed = parseRuntimeConfig(raw);
  t.deepEqual(parsed.problems, [], 'the profile is part of the configuration model');
  t.deepEqual(boardSettings(raw).profile, profile, 'and a board key, read even when the rest is wrong');
  const beyond = checkProfile(profile, parsed.config!);
  t.deepEqual(beyond.map((p) => [p.path, p.code]), [['integrations', 'profile-exceeded'], ['sources.bthome.keys', 'profile-exceeded']]);
  t.regex(beyond[0]!.message, /3 integrations; the esp32 profile holds at most 2/);

  const supervisor = supervisorFor(makeTestHost());
  for (const problem of beyond) supervisor.problem(bootProblem(problem));
  const report = supervisor.report();
  t.is(report.mode, 'degraded');
  t.true(report.problems.every((p) => p.component === 'config' && /esp32s3|fewer/.test(p.action)), 'the action says what to do');
  t.false(report.capabilities.sealing, 'refused whole: nothing is composed that could run into "memory full" later');

  t.deepEqual(checkProfile(profile, { hubId: 'h', integrations: [{ contract: 'a.json' }, { contract: 'b.json' }] }), [], 'at the limit is fine');
  t.deepEqual(checkProfile(profile, { hubId: 'h', sessions: { maxSessions: 3 } }).map((p) => [p.path, p.code]), [['sessions.maxSessions', 'profile-exceeded']], 'more sessions than the profile has RAM for');
  t.deepEqual(checkProfile(profile, { hubId: 'h', sessions: { maxSessions: 1 } }), [], 'fewer is fine');
  t.is(boardSettings({ hubId: 'h' }).profile, undefined, 'no profile (the desktop, an old lab build): nothing is checked');
});

test('the board keys are read with their defaults even when the rest of the configuration is wrong', (t) => {
  t.deepEqual(boardSettings({ hubId: 'bad id!', version: '1.4.0', updateKey: '', integrations: 'nonsense' }), { ...BOARD_DEFAULTS, version: '1.4.0' });
  t.deepEqual(boardSettings(undefined), BOARD_DEFAULTS);
  t.is(boardSettings({ partition: 'mylog', logMinBytes: 'big' }).partition, 'airlock', 'a wrong board key: all defaults (the model reports it)');
});

test('the flash archive returns what was saved, survives a reopen, and skips documents it already holds', (t) => {
  const host = makeTestHost();
  const flash = new MemoryFlash(4 * 4096, 4096);
  const archive = new FlashContractArchive(flash, host.log);
  t.is(archive.load('energy-saver', '1.0.0'), undefined);
  archive.save(withVersion('1.0.0'));
  archive.save(withVersion('1.1.0'));
  const written = flash.bytesWritten;
  archive.save(withVersion('1.0.0'));
  t.is(flash.bytesWritten, written, 'a version already kept is not written again');
  const reopened = new FlashContractArchive(flash, host.log);
  t.is(reopened.size, 2);
  t.deepEqual(reopened.load('energy-saver', '1.0.0'), withVersion('1.0.0'));
  t.deepEqual(reopened.load('energy-saver', '1.1.0'), withVersion('1.1.0'));
  t.is(reopened.load('energy-saver', '9.9.9'), undefined);
});

test('a full bank is compacted into the other one, keeping the newest version per integration', (t) => {
  const host = makeTestHost();
  const flash = new MemoryFlash(2 * 4096, 4096); // two banks of one sector: a few documents each
  const archive = new FlashContractArchive(flash, host.log);
  archive.save(withVersion('1.0.0', 'alarm'));
  for (let minor = 0; minor < 12; minor++) archive.save(withVersion(`1.${minor}.0`));
  t.true(flash.eraseCounts.every((n) => n >= 1), 'both banks were used');
  const reopened = new FlashContractArchive(flash, host.log);
  t.deepEqual(reopened.load('energy-saver', '1.11.0'), withVersion('1.11.0'));
  t.deepEqual(reopened.load('alarm', '1.0.0'), withVersion('1.0.0', 'alarm'), 'an integration that did not change is carried over');
  t.is(reopened.load('energy-saver', '1.0.0'), undefined, 'older versions make room');
  t.false(host.lines.some((l) => l.level === 'error'), JSON.stringify(host.lines.filter((l) => l.level === 'error')));
});

test('a power cut during compaction leaves the old bank in charge', (t) => {
  const host = makeTestHost();
  const flash = new MemoryFlash(2 * 4096, 4096);
  const archive = new FlashContractArchive(flash, host.log);
  archive.save(withVersion('1.0.0'));
  const before = flash.bytes.slice();
  // Simulate the copy into bank 1 without its header (the last write of a compaction).
  flash.erase(1);
  const copy = before.subarray(16, 16 + 200);
  flash.write(4096 + 16, copy.length, copy);
  const reopened = new FlashContractArchive(flash, host.log);
  t.deepEqual(reopened.load('energy-saver', '1.0.0'), withVersion('1.0.0'));
});

test('damaged bytes after the last entry do not lose the archive, and the next save compacts past them', (t) => {
  const host = makeTestHost();
  const flash = new MemoryFlash(4 * 4096, 4096);
  new FlashContractArchive(flash, host.log).save(withVersion('1.0.0'));
  const end = flash.bytes.indexOf(0xff, 100); // first blank byte after the entry (JSON has no 0xff)
  flash.write(end, 4, new Uint8Array([0x41, 0x43, 3, 0])); // a torn frame header
  const reopened = new FlashContractArchive(flash, host.log);
  t.deepEqual(reopened.load('energy-saver', '1.0.0'), withVersion('1.0.0'));
  reopened.save(withVersion('1.1.0'));
  const third = new FlashContractArchive(flash, host.log);
  t.deepEqual(third.load('energy-saver', '1.1.0'), withVersion('1.1.0'));
  t.deepEqual(third.load('energy-saver', '1.0.0'), undefined, 'compaction kept the newest only');
});

test('a document larger than a bank is logged, not thrown, and the archive refuses odd geometry clearly', (t) => {
  const host = makeTestHost();
  const archive = new FlashContractArchive(new MemoryFlash(2 * 256, 256), host.log);
  t.notThrows(() => archive.save(withVersion('1.0.0')));
  t.true(host.lines.some((l) => l.level === 'error' && /grow the airlockctr partition/.test(l.message)));
  t.throws(() => new FlashContractArchive(new MemoryFlash(3 * 4096, 4096), host.log), { message: /even number, at least 2/ });
});

test('endpoint URLs split into scheme, host, port and topic or path', (t) => {
  t.deepEqual(parseEndpoint('mqtts://ingest.wattwise.example:8883/homes/readings'), { scheme: 'mqtts', host: 'ingest.wattwise.example', port: 8883, path: 'homes/readings', tls: true });
  t.deepEqual(parseEndpoint('mqtt://192.168.1.5/a%20b'), { scheme: 'mqtt', host: '192.168.1.5', port: 1883, path: 'a b', tls: false });
  t.deepEqual(parseEndpoint('https://api.example/v1/in?x=1'), { scheme: 'https', host: 'api.example', port: 443, path: '/v1/in?x=1', tls: true });
  t.deepEqual(parseEndpoint('http://[fd00::1]:8080'), { scheme: 'http', host: 'fd00::1', port: 8080, path: '/', tls: false });
  t.throws(() => parseEndpoint('mqtts://broker:8883'), { message: /not a topic to publish to/ });
  t.throws(() => parseEndpoint('mqtts://broker/a/+'), { message: /not a topic/ });
  t.throws(() => parseEndpoint('ftp://host/x'), { message: /scheme "ftp"/ });
  t.throws(() => parseEndpoint('https://host:70000/x'), { message: /port 70000/ });
  t.throws(() => parseEndpoint('host/x'), { message: /not a URL/ });
});

test('base64 matches RFC 4648 test vectors', (t) => {
  const vectors: [string, string][] = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']];
  for (const [plain, encoded] of vectors) t.is(toBase64(utf8(plain)), encoded, plain);
  t.is(fromUtf8(utf8('hub:pässword')), 'hub:pässword');
  t.is(toBase64(utf8('hub:pässword')), 'aHViOnDDpHNzd29yZA==');
});

function composedHub(host: TestHost, audit: MemoryFlash, archive: FlashContractArchive): Hub {
  const powers: HubPowers = { host, auditFlash: audit, archive, transport: (_, endpoint) => Object.assign(new FakeTransport(endpoint), { fallback: 'unreachable' as const }) };
  const contract = makeContract();
  delete contract.streams[0]!.fields.overload;
  contract.streams[0]!.fields.energy = { purpose: 'safety', transform: { kind: 'keep' } };
  return new Hub({ hubId: 'h', version: '0.1.0', model: 'test', integrations: [{ contract }], sources: { zigbee2mqtt: {} } }, powers);
}

test('an erased key store with sealed records on flash is reported as keys-lost, judged by the composed hub\'s own log scan', async (t) => {
  const host = makeTestHost({ flashBytes: 32 * 4096 });
  const audit = new MemoryFlash(8 * 4096, 4096);
  const archive = new FlashContractArchive(new MemoryFlash(2 * 4096, 4096), host.log);
  const first = composedHub(host, audit, archive);
  first.start();
  first.acceptMqtt('zigbee2mqtt/bridge/devices', utf8(JSON.stringify([{ ieee_address: '0x00158d0001d4e5f6', friendly_name: 'plug', definition: { model: 'X', vendor: 'Y' } }])));
  for (let i = 0; i < 3; i++) first.acceptMqtt('zigbee2mqtt/plug', utf8(JSON.stringify({ power: 100 + i, energy: 1.5 + i })));
  host.timers.advance(6000);
  await settle();
  await first.stop();
  const held = first.log.stats('energy-saver').records;
  t.true(held > 0, 'the vendor was unreachable, so records wait on flash');

  // Healthy restart: keys are there, so records are not "lost" even though the log holds some.
  const healthy = supervisorFor(host);
  const keysBefore = listKeysAtBoot(healthy, host.store, KEYRING_DOMAIN);
  const again = composedHub(host, audit, archive);
  checkKeyStore(healthy, host.store, KEYRING_DOMAIN, { logHasRecords: logHeldRecords(again.recovery), keysAtBoot: keysBefore, probe: () => again.keyring.hubKey('boot-check') });
  t.deepEqual(healthy.report().problems, []);
  t.is(again.recovery.records, held);

  // NVS erased: the keyring domain is empty before the hub makes new keys.
  for (const key of host.store.keys(KEYRING_DOMAIN)) host.store.delete(KEYRING_DOMAIN, key);
  const erased = supervisorFor(host);
  const emptyBefore = listKeysAtBoot(erased, host.store, KEYRING_DOMAIN);
  const fresh = composedHub(host, audit, archive);
  t.true(host.store.keys(KEYRING_DOMAIN).length > 0, 'the composed hub created new keys');
  checkKeyStore(erased, host.store, KEYRING_DOMAIN, { logHasRecords: logHeldRecords(fresh.recovery), keysAtBoot: emptyBefore, probe: () => fresh.keyring.hubKey('boot-check') });
  t.deepEqual(erased.report().problems.map((p) => p.code), ['keys-lost']);
  t.is(fresh.recovery.records, 0, 'the old records cannot be opened');
});
