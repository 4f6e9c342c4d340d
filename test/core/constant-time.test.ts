// The one equality the core uses for MACs, tags, tokens, TOTP codes and password hashes
// (modules/constant-time.ts): right answers, and no early exit at the first difference.
import test from 'ava';
import { constantTimeEqual } from '../../modules/constant-time.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

test('equal bytes and strings are equal; any one difference, in any position, is not', (t) => {
  const mac = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  t.true(constantTimeEqual(mac, mac.slice()));
  t.true(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)));
  t.true(constantTimeEqual('3f1c00', '3f1c00'));
  t.true(constantTimeEqual('', ''));
  for (let i = 0; i < mac.length; i++) {
    for (const flip of [1, 0x80]) {
      const other = mac.slice();
      other[i] ^= flip;
      t.false(constantTimeEqual(mac, other), `byte ${i} flipped by ${flip}`);
    }
  }
  const hex = '0123456789abcdef';
  for (let i = 0; i < hex.length; i++) t.false(constantTimeEqual(hex, hex.slice(0, i) + 'x' + hex.slice(i + 1)), `character ${i}`);
});

test('a prefix, an extension or a zero-padded value is not equal', (t) => {
  t.false(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2)));
  t.false(constantTimeEqual(bytes(1, 2), bytes(1, 2, 3)));
  t.false(constantTimeEqual(bytes(1, 2, 0), bytes(1, 2)), 'a trailing zero byte is not the same as the end');
  t.false(constantTimeEqual(new Uint8Array(0), bytes(0)));
  t.false(constantTimeEqual('123456', '12345'));
  t.false(constantTimeEqual('12345', '123456'));
  t.false(constantTimeEqual('12345\u0000', '12345'));
});

test('bytes and a string are never equal, even with the same content', (t) => {
  t.false(constantTimeEqual(bytes(0x61) as unknown as string, 'a'));
  t.false(constantTimeEqual('a' as unknown as Uint8Array, bytes(0x61)));
});

test('every byte of both inputs is read even when the first byte already differs', (t) => {
  // A counting view: an early-exit comparison (bytesEqual, a loop with `return false`) reads 1.
  const counted = (source: Uint8Array) => {
    const reads = new Set<number>();
    const view = new Proxy(source, {
      get(target, key) {
        if (typeof key === 'string' && /^[0-9]+$/.test(key)) reads.add(Number(key));
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { view, reads };
  };
  const a = counted(Uint8Array.from({ length: 32 }, (_, i) => i));
  const b = counted(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xff : i)));
  t.false(constantTimeEqual(a.view, b.view));
  t.is(a.reads.size, 32, 'every byte of the expected value was read');
  t.is(b.reads.size, 32, 'every byte of the received value was read');

  // And when the lengths differ, the longer input is still read to its end.
  const short = counted(Uint8Array.from({ length: 16 }, (_, i) => i));
  const long = counted(Uint8Array.from({ length: 32 }, (_, i) => i));
  t.false(constantTimeEqual(short.view, long.view));
  t.is(long.reads.size, 32);
});
