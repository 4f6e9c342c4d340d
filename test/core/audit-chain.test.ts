import test from 'ava';
import { canonicalJson, CanonicalError } from '../../modules/audit/canonical.js';
import { GENESIS, makeCheckpoint, sealEntry, verifyChain, type SealedEntry } from '../../modules/audit/chain.js';
import { AuditError } from '../../modules/audit/log.js';
import { utf8, toHex } from '../../modules/bytes.js';
import { platformCrypto as crypto } from '../support/platform.js';
import { auditFixture } from '../support/audit-fixture.js';

test('canonical JSON sorts keys, drops undefined and refuses what JSON cannot carry', (t) => {
  t.is(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: { z: 0.5, y: -2 } }), '{"a":[true,null,"x"],"b":1,"d":{"y":-2,"z":0.5}}');
  t.is(canonicalJson({ é: 1, e: 2, E: 3 }), '{"E":3,"e":2,"é":1}');
  t.throws(() => canonicalJson({ x: NaN }), { instanceOf: CanonicalError, message: /\$\.x: NaN is not a finite number/ });
  t.throws(() => canonicalJson({ raw: new Uint8Array(2) }), { message: /\$\.raw: a Uint8Array object/ });
});

test('the entry hash is SHA-256 of the canonical entry and the MAC is HMAC over the hash', (t) => {
  const key = new Uint8Array(32).fill(9);
  const entry = { seq: 1, time: { boot: 1, mono: 5 }, actor: 'owner', action: 'consent.given' as const, subject: 'energy', details: { purpose: 'billing' }, prev: GENESIS };
  const sealed = sealEntry(crypto, key, entry);
  const text = `{"action":"consent.given","actor":"owner","details":{"purpose":"billing"},"prev":"${GENESIS}","seq":1,"subject":"energy","time":{"boot":1,"mono":5}}`;
  t.is(sealed.hash, toHex(crypto.sha256(utf8(text))));
  t.is(sealed.mac, toHex(crypto.hmacSha256(key, crypto.sha256(utf8(text)))));
});

test('appended entries chain, survive a reopen, and verify with the hub key', (t) => {
  const f = auditFixture();
  f.log.record('owner', 'consent.given', 'energy', { purpose: 'billing' });
  f.host.clock.advance(1000);
  f.log.record('hub', 'retention.expired', 'energy', { records: 12, bytes: 900 });
  const third = f.log.record('owner', 'consent.withdrawn', 'energy', { purpose: 'billing' });
  t.is(third.seq, 3);
  t.is(third.prev, f.appended[1]!.hash);
  t.deepEqual(f.log.head(), { seq: 3, hash: third.hash });
  const reopened = f.reopen();
  t.deepEqual(reopened.head(), { seq: 3, hash: third.hash });
  const report = reopened.verify();
  t.true(report.ok);
  t.is(report.checked, 3);
  t.true(report.macsChecked);
  t.is(reopened.record('hub', 'config.changed', 'hub', {}).seq, 4);
});

test('details that are not JSON are refused with the path and nothing is written', (t) => {
  const f = auditFixture();
  f.log.record('owner', 'consent.given', 'energy', {});
  t.throws(() => f.log.record('hub', 'data.purged', 'energy', { key: new Uint8Array(3) }), { instanceOf: AuditError, message: /details\.key/ });
  t.is(f.log.head().seq, 1);
  t.is(f.log.counters().refused, 1);
});

function chainOf(n: number): { entries: SealedEntry[]; key: Uint8Array } {
  const f = auditFixture();
  for (let i = 0; i < n; i++) f.log.record('hub', 'config.changed', 'hub', { setting: `s${i}`, value: i });
  return { entries: f.log.entries(), key: f.key };
}

const clone = (entries: SealedEntry[]): SealedEntry[] => JSON.parse(JSON.stringify(entries)) as SealedEntry[];

test('a changed field is caught at that entry, by the hash without a key and by the MAC with one', (t) => {
  const { entries, key } = chainOf(5);
  const tampered = clone(entries);
  tampered[2]!.details = { setting: 's2', value: 99 };
  const report = verifyChain(crypto, tampered, null);
  t.false(report.ok);
  t.is(report.fault?.seq, 3);
  t.regex(report.fault!.reason, /does not match its hash/);
  // A forger without the key who also rewrites the hashes is caught only by the MAC.
  const rehashed = clone(entries).slice(0, 3);
  rehashed[2]!.details = { setting: 's2', value: 99 };
  const resealed = sealEntry(crypto, new Uint8Array(32), rehashed[2]!);
  rehashed[2] = resealed;
  t.true(verifyChain(crypto, rehashed, null).ok);
  const withKey = verifyChain(crypto, rehashed, null, key);
  t.is(withKey.fault?.seq, 3);
  t.regex(withKey.fault!.reason, /MAC does not match/);
});

test('a removed entry and two swapped entries are named', (t) => {
  const { entries, key } = chainOf(5);
  const removed = clone(entries);
  removed.splice(1, 1);
  const r1 = verifyChain(crypto, removed, null, key);
  t.is(r1.fault?.seq, 3);
  t.regex(r1.fault!.reason, /entry 2 is missing/);
  const swapped = clone(entries);
  [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
  const r2 = verifyChain(crypto, swapped, null, key);
  t.is(r2.fault?.index, 3);
  t.is(r2.fault?.seq, 5);
  t.regex(r2.fault!.reason, /reordered/);
  t.is(r2.checked, 3);
});

test('entries cut from the front cannot pass with a checkpoint forged from an entry MAC', (t) => {
  const { entries, key } = chainOf(4);
  const rest = entries.slice(2);
  const cut = entries[1]!;
  const forged = { seq: cut.seq, hash: cut.hash, mac: cut.mac };
  const report = verifyChain(crypto, rest, forged, key);
  t.false(report.ok);
  t.regex(report.fault!.reason, /checkpoint MAC/);
  t.true(verifyChain(crypto, rest, makeCheckpoint(crypto, key, { seq: cut.seq, hash: cut.hash }), key).ok);
  t.false(verifyChain(crypto, rest, null, key).ok);
});
