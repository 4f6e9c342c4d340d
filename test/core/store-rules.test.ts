import test from 'ava';
import { MemoryStore } from '../../hosts/sim/memory-store.js';

test('values round-trip by type, and bytes are copied, not shared', (t) => {
  const store = new MemoryStore();
  const bytes = Uint8Array.of(1, 2, 3);
  store.set('hub', 'name', 'kitchen');
  store.set('hub', 'count', 42);
  store.set('hub', 'armed', true);
  store.set('hub', 'secret', bytes);
  bytes[0] = 9;
  t.is(store.get('hub', 'name'), 'kitchen');
  t.is(store.get('hub', 'count'), 42);
  t.is(store.get('hub', 'armed'), true);
  t.deepEqual(store.get('hub', 'secret'), Uint8Array.of(1, 2, 3));
  t.deepEqual(store.keys('hub').sort(), ['armed', 'count', 'name', 'secret']);
  store.delete('hub', 'name');
  t.is(store.get('hub', 'name'), undefined);
});

test('the ESP32 NVS limits are enforced with messages that say which limit', (t) => {
  const store = new MemoryStore();
  t.throws(() => store.set('hub', 'a-key-of-16-char', 1), { message: /1\.\.15 printable ASCII/ });
  t.throws(() => store.set('', 'k', 1), { message: /domain/ });
  t.throws(() => store.set('hub', 'big', new Uint8Array(4001)), { message: /at most 4000 bytes/ });
  t.throws(() => store.set('hub', 'pi', 3.14), { message: /32-bit integer/ });
  t.is(store.get('hub', 'big'), undefined, 'a refused value is not stored');
});
