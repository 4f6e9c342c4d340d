/**
 * What the portable core and its dependencies expect of a standard engine, installed
 * before any of them loads. main.ts imports this first, and manifest.json preloads it
 * first, so it runs before cbor-x at build time (preload) and at boot.
 *
 * - TextEncoder/TextDecoder: Moddable provides them as modules, not globals. Note that
 *   preloading runs modules on the build machine, where native constructors cannot be
 *   called, so cbor-x (preloaded) keeps its own UTF-8 code; the core's own modules look
 *   the globals up when they run.
 * - The `name` of the typed-array constructors: Moddable's XS omits `name` on built-in
 *   functions to save ROM, and cbor-x reads `Uint8Array.name` (etc.) when it loads
 *   (decode.js, registerTypedArray) to pick its DataView readers. Without the names it
 *   aborts XS at load. The spec gives every built-in function its name; this restores
 *   it for these eleven only, before the linker freezes the built-ins.
 */
import TextDecoder from 'text/decoder';
import TextEncoder from 'text/encoder';

const g = globalThis as Record<string, unknown>;
if (!g.TextEncoder) g.TextEncoder = TextEncoder;
if (!g.TextDecoder) g.TextDecoder = TextDecoder;

const typedArrays: Record<string, unknown> = {
  Uint8Array,
  Uint8ClampedArray,
  Uint16Array,
  Uint32Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};
for (const name of Object.keys(typedArrays)) {
  const constructor = typedArrays[name] as object | undefined;
  if (constructor && typeof (constructor as { name?: unknown }).name !== 'string') {
    Object.defineProperty(constructor, 'name', { value: name, configurable: true });
  }
}
