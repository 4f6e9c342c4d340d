/**
 * The drain bound (modules/hub/delivery-budget.ts): the forwarders of all
 * integrations hold at most the budget of records decoded at once (plus one
 * per other lane, so none mistakes the budget for an empty queue), and every
 * record still leaves, in order.
 */
import test from 'ava';
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { utf8 } from '../../modules/bytes.js';
import type { Contract } from '../../modules/contract/types.js';
import { DeliveryBudget } from '../../modules/hub/delivery-budget.js';
import { Hub } from '../../modules/hub/hub.js';
import { WriteBehind } from '../../modules/log/write-behind.js';
import { makeContract } from '../support/contracts.js';
import { FakeTransport, settle } from '../support/fake-transport.js';
import { openLog, payload, stampNow } from '../support/log-fixture.js';
import { makeTestHost } from '../support/test-host.js';

test('lanes share the budget: a read gets what is left (at least one), an acknowledgement or the next read gives it back', (t) => {
  const host = makeTestHost({ seed: 5, flashBytes: 32 * 4096 });
  const buffer = new WriteBehind(openLog(host).log, host.clock, { spillDelayMs: 0 });
  for (const who of ['a', 'b', 'c']) for (let n = 1; n <= 30; n++) t.true(buffer.append(who, payload(who, n), stampNow(host)).ok);
  const budget = new DeliveryBudget(buffer, 32);
  t.is(budget.pending('a', 20).length, 20);
  t.is(budget.pending('b', 20).length, 12, 'what the budget has left');
  t.is(budget.pending('c', 20).length, 1, 'one record even with nothing left: an empty batch would mean an empty queue');
  t.is(budget.held, 33);
  const retried = budget.pending('b', 20); // b's batch failed; it reads again
  t.deepEqual(retried.map((r) => r.seq), Array.from({ length: 11 }, (_, k) => k + 1), 'its own grant counts again, in order from the start');
  budget.acknowledge('a', 20);
  t.is(budget.held, 12);
  t.is(budget.pending('a', 20, 20).map((r) => r.seq)[0], 21);
  budget.release('c');
  t.is(budget.held, 11 + 10);
  t.true(budget.trimmed >= 3);
  t.throws(() => new DeliveryBudget(buffer, 0), { message: /whole number >= 1/ });
});

function laneContract(integration: string): Contract {
  const c = makeContract({ integration, streams: [{ stream: 'power', fields: { power: { purpose: 'safety', transform: { kind: 'keep' } } } }] });
  c.delivery.endpoint = `mqtts://ingest.${integration}.example:8883`;
  c.delivery.batchSize = 20;
  c.delivery.maxRatePerMinute = 600;
  return c;
}

test('the hub drains three vendors coming back at once within its budget, every record in order', async (t) => {
  const host = makeTestHost({ flashBytes: 32 * 4096 });
  const ids = ['north', 'south', 'west'];
  const transports = new Map<string, FakeTransport>();
  const hub = new Hub(
    { hubId: 'home-1', version: '0.1.0', model: 'test', integrations: ids.map((id) => ({ contract: laneContract(id) })), sources: { zigbee2mqtt: {} }, deliveryRecords: 8 },
    {
      host,
      auditFlash: new MemoryFlash(8 * 4096, 4096),
      archive: { load: () => undefined, save: () => undefined },
      transport: (id, endpoint) => {
        const wire = new FakeTransport(endpoint, () => host.clock.monotonic());
        wire.fallback = 'unreachable';
        transports.set(id, wire);
        return wire;
      },
    },
  );
  const run = async (ms: number) => {
    for (let waited = 0; waited < ms; waited += 100) {
      host.timers.advance(100);
      await settle();
    }
  };
  hub.start();
  for (let i = 0; i < 25; i++) {
    hub.acceptMqtt('zigbee2mqtt/plug', utf8(JSON.stringify({ power: 100 + i })));
    await run(200);
  }
  await run(10_000);
  for (const id of ids) t.is(hub.snapshot().integrations.find((s) => s.id === id)!.bufferedRecords, 25);
  // They come back; each first send hangs, so every lane holds its first batch at once.
  const before = new Map([...transports].map(([id, wire]) => [id, wire.calls.length]));
  for (const wire of transports.values()) {
    wire.fallback = 'ack';
    wire.script.push('hang');
  }
  await run(2_000);
  const firstBatches = [...transports].map(([id, wire]) => wire.calls[before.get(id)!]!);
  t.true(firstBatches.every((c) => c !== undefined), 'every lane sent again');
  const held = firstBatches.reduce((n, c) => n + c.lastSeq - c.firstSeq + 1, 0);
  t.true(held <= 8 + ids.length - 1, `lanes held ${held} records at once (budget 8)`);
  t.true(firstBatches.some((c) => c.lastSeq - c.firstSeq + 1 > 1), 'a lane still sends a batch');
  await run(120_000);
  for (const [id, wire] of transports) {
    const seqs = wire.seqs();
    t.deepEqual([...new Set(seqs)], Array.from({ length: 25 }, (_, k) => k + 1), `${id}: every record, in order`);
    t.is(hub.snapshot().integrations.find((s) => s.id === id)!.bufferedRecords, 0);
  }
  await hub.stop();
});
