import test from 'ava';
import { verifyExport } from '../../modules/audit/verify-export.js';
import { platformCrypto as crypto } from '../support/platform.js';
import { auditFixture } from '../support/audit-fixture.js';

function exported(n = 6, options: { sectors?: number; blockSize?: number } = {}) {
  const f = auditFixture(options);
  for (let i = 1; i <= n; i++) {
    f.host.clock.advance(60_000);
    f.log.record(i % 2 ? 'owner' : 'hub', i % 2 ? 'consent.given' : 'retention.expired', `integration-${i % 3}`, { n: i, note: `entry ${i}` });
  }
  return { f, doc: f.log.exportChain(), text: JSON.stringify(f.log.exportChain()) };
}

test('an untouched export verifies, with and without the key', (t) => {
  const { f, text } = exported();
  t.like(verifyExport(crypto, text, f.key), { status: 'valid', mode: 'chain', entries: 6, firstSeq: 1, lastSeq: 6, checkpointSeq: null, macsChecked: true });
  t.like(verifyExport(crypto, text), { status: 'valid', macsChecked: false });
});

test('every single-byte change inside an entry fails at that entry (or makes the file unreadable)', (t) => {
  const { f, doc, text } = exported();
  const target = doc.entries[3]!;
  const span = JSON.stringify(target);
  const start = text.indexOf(span);
  t.true(start > 0);
  let invalid = 0;
  for (let i = start; i < start + span.length; i++) {
    const changed = text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ 0x01) + text.slice(i + 1);
    const verdict = verifyExport(crypto, changed, f.key);
    if (verdict.status === 'unreadable') continue;
    t.is(verdict.status, 'invalid', `byte ${i - start} of entry 4`);
    t.is(verdict.fault?.index, 3, `byte ${i - start} (${span[i - start]}): ${verdict.fault?.reason}`);
    invalid++;
  }
  t.true(invalid > span.length / 2);
});

test('a removed, a reordered and a cut-off entry are each named', (t) => {
  const { f, doc } = exported();
  const removed = { ...doc, entries: doc.entries.filter((e) => e.seq !== 3) };
  t.like(verifyExport(crypto, JSON.stringify(removed), f.key).fault, { seq: 4, index: 2 });
  const reordered = { ...doc, entries: [...doc.entries] };
  [reordered.entries[1], reordered.entries[2]] = [reordered.entries[2]!, reordered.entries[1]!];
  const r = verifyExport(crypto, JSON.stringify(reordered), f.key);
  t.is(r.status, 'invalid');
  t.like(r.fault, { seq: 3, index: 1 });
  t.regex(r.fault!.reason, /reordered/);
  const cut = { ...doc, entries: doc.entries.slice(0, 5) };
  const c = verifyExport(crypto, JSON.stringify(cut), f.key);
  t.is(c.status, 'invalid');
  t.regex(c.fault!.reason, /cut off the end/);
  // Moving the head back to match does not help without the key's MAC.
  const moved = { ...cut, head: { seq: 5, hash: doc.entries[4]!.hash, mac: doc.head.mac } };
  t.regex(verifyExport(crypto, JSON.stringify(moved), f.key).fault!.reason, /head MAC/);
});

test('a rotated log exports from its checkpoint and still verifies; a wrong key fails at the first entry', (t) => {
  const { f, text } = exported(80, { sectors: 3, blockSize: 512 });
  const verdict = verifyExport(crypto, text, f.key);
  t.is(verdict.status, 'valid');
  t.true((verdict.checkpointSeq ?? 0) > 0);
  t.is(verdict.firstSeq, verdict.checkpointSeq! + 1);
  const wrong = verifyExport(crypto, text, new Uint8Array(32).fill(1));
  t.is(wrong.status, 'invalid');
  t.is(wrong.fault?.index, -1);
  t.regex(wrong.fault!.reason, /checkpoint MAC/);
});

test('an integration selection checks each entry alone and still catches alteration', (t) => {
  const { f } = exported(9);
  const selection = f.log.exportChain({ name: 'integration:integration-1', filter: (e) => e.subject === 'integration-1' });
  t.is(selection.entries.length, 3);
  t.like(verifyExport(crypto, JSON.stringify(selection), f.key), { status: 'valid', mode: 'selection' });
  selection.entries[1]!.actor = 'vendor';
  t.like(verifyExport(crypto, JSON.stringify(selection), f.key).fault, { index: 1, seq: selection.entries[1]!.seq });
});

test('what is not an audit export is unreadable, with the reason', (t) => {
  t.like(verifyExport(crypto, '{"entries": ['), { status: 'unreadable' });
  t.regex(verifyExport(crypto, '{"format":"other","entries":[]}').problem!, /format/);
  t.regex(verifyExport(crypto, '[1,2]').problem!, /not a JSON object/);
});
