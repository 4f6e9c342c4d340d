import test from 'ava';
import { MAX_NAME_LENGTH } from '../../modules/store-rules.js';
import { ConsentBook, type ConsentEvent } from '../../modules/pipeline/consent.js';
import { makeTestHost } from '../support/test-host.js';

test('consent is off until given, and survives a restart', (t) => {
  const host = makeTestHost();
  const book = new ConsentBook(host);
  t.false(book.isGiven('energy-saver', 'energy-advice'));
  book.give('energy-saver', 'energy-advice', 'homeowner:web');
  t.true(book.isGiven('energy-saver', 'energy-advice'));
  t.false(book.isGiven('energy-saver', 'tariff-optimisation'), 'per purpose');
  t.false(book.isGiven('leak-insurer', 'energy-advice'), 'per integration');
  t.true(new ConsentBook(host).isGiven('energy-saver', 'energy-advice'));
  book.withdraw('energy-saver', 'energy-advice', 'homeowner:web');
  t.false(new ConsentBook(host).isGiven('energy-saver', 'energy-advice'));
});

test('each change is recorded with time and actor and announced', (t) => {
  const host = makeTestHost();
  const book = new ConsentBook(host);
  const changes: ConsentEvent[] = [];
  const withdrawals: ConsentEvent[] = [];
  book.onChange((e) => changes.push(e));
  const stop = book.onWithdraw((e) => withdrawals.push(e));
  book.give('health-sensors', 'fall-risk', 'homeowner:web');
  host.clock.advance(5000);
  book.withdraw('health-sensors', 'fall-risk', 'carer:app');
  t.is(changes.length, 2);
  t.is(withdrawals.length, 1);
  t.like(withdrawals[0], { integration: 'health-sensors', purpose: 'fall-risk', given: false, actor: 'carer:app' });
  t.deepEqual(withdrawals[0]!.time, { wall: Date.UTC(2026, 0, 1) + 5000, boot: 1, mono: 5000 });
  t.deepEqual(book.history.map((e) => [e.given, e.actor]), [[true, 'homeowner:web'], [false, 'carer:app']]);
  stop();
  book.withdraw('health-sensors', 'fall-risk', 'carer:app');
  t.is(withdrawals.length, 1, 'unsubscribed');
});

test('without wall time the event is stamped with boot and monotonic time', (t) => {
  const host = makeTestHost({ wallTime: undefined });
  host.clock.setWallTime(undefined);
  const book = new ConsentBook(host);
  book.give('a', 'b', 'installer:cli');
  t.deepEqual(book.history[0]!.time, { boot: 1, mono: 0 });
});

test('a failing listener neither undoes the decision nor silences the others', (t) => {
  const host = makeTestHost();
  const book = new ConsentBook(host);
  let heard = 0;
  book.onChange(() => {
    throw new Error('listener bug');
  });
  book.onChange(() => heard++);
  t.notThrows(() => book.give('a', 'b', 'homeowner:web'));
  t.true(book.isGiven('a', 'b'));
  t.is(heard, 1);
  t.true(host.lines.some((l) => l.level === 'error' && /listener failed/.test(l.message)), 'the failure is logged');
});

test('store names fit NVS whatever the ids', (t) => {
  const host = makeTestHost();
  const book = new ConsentBook(host);
  book.give('a-very-long-integration-id.vendor.example.com', 'a-purpose-with-a-long-name', 'homeowner:web');
  const names = host.store.keys('consent');
  t.is(names.length, 1);
  for (const name of names) t.true(name.length <= MAX_NAME_LENGTH, name);
});
