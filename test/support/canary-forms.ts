/**
 * The byte forms a leaked value would take on the wire or on flash, for the
 * leak-canary suite: as itself, lower- and upper-cased, hex, base64 and
 * base64url at each of the three alignments it could start at inside a longer
 * encoded string, URL-encoded (path and form style), and for hardware
 * addresses and numbers their raw encodings.
 */
export interface Canary {
  name: string;
  forms: { form: string; bytes: Uint8Array }[];
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * The base64 characters that depend only on `value` when it sits at byte
 * offset 0, 1 or 2 of a 3-byte group inside a longer encoded message: a value
 * embedded in a base64 blob shows up as one of these three strings.
 */
export function base64Alignments(value: Uint8Array, alphabet: 'base64' | 'base64url' = 'base64'): string[] {
  return [0, 1, 2].map((shift) => {
    const text = Buffer.concat([Buffer.alloc(shift), Buffer.from(value)]).toString(alphabet).replace(/=+$/, '');
    const skip = Math.ceil((shift * 8) / 6); // characters that still carry bits of the padding
    const keep = Math.floor(((shift + value.length) * 8) / 6); // characters complete before the value ends
    return text.slice(skip, keep);
  });
}

function spellings(value: string): { form: string; text: string }[] {
  const out = [
    { form: 'as is', text: value },
    { form: 'lower-cased', text: value.toLowerCase() },
    { form: 'upper-cased', text: value.toUpperCase() },
    { form: 'URL-encoded', text: encodeURIComponent(value) },
    { form: 'form-encoded', text: new URLSearchParams({ v: value }).toString().slice(2) },
  ];
  // Forms that coincide for this value are searched once.
  return out.filter((s, i) => out.findIndex((o) => o.text === s.text) === i);
}

export function textCanary(name: string, value: string): Canary {
  const utf8 = Buffer.from(value, 'utf8');
  const forms = spellings(value).map((s) => ({ form: s.form, bytes: Buffer.from(s.text) as Uint8Array }));
  forms.push({ form: 'hex', bytes: Buffer.from(hex(utf8)) }, { form: 'HEX', bytes: Buffer.from(hex(utf8).toUpperCase()) });
  base64Alignments(utf8).forEach((text, shift) => forms.push({ form: `base64 (offset ${shift})`, bytes: Buffer.from(text) }));
  base64Alignments(utf8, 'base64url').forEach((text, shift) => forms.push({ form: `base64url (offset ${shift})`, bytes: Buffer.from(text) }));
  return { name, forms: forms.filter((f, i) => forms.findIndex((o) => Buffer.compare(o.bytes, f.bytes) === 0) === i) };
}

/** A hardware address: as text in any usual spelling, its base64, and as raw bytes in both orders. */
export function addressCanary(name: string, bytes: Uint8Array): Canary {
  const h = hex(bytes);
  const colon = h.match(/../g)!.join(':');
  const texts = [h, h.toUpperCase(), colon, colon.toUpperCase(), `0x${h}`, encodeURIComponent(colon)];
  return {
    name,
    forms: [
      ...[...new Set(texts)].map((t) => ({ form: `text ${t}`, bytes: Buffer.from(t) as Uint8Array })),
      ...base64Alignments(bytes).map((text, shift) => ({ form: `raw bytes in base64 (offset ${shift})`, bytes: Buffer.from(text) as Uint8Array })),
      { form: 'raw bytes', bytes },
      { form: 'raw bytes reversed', bytes: Uint8Array.from(bytes).reverse() },
    ],
  };
}

/** A number: as decimal text and as the IEEE 754 double CBOR would carry. */
export function numberCanary(name: string, value: number): Canary {
  const double = new Uint8Array(8);
  new DataView(double.buffer).setFloat64(0, value);
  return { name, forms: [{ form: 'decimal', bytes: Buffer.from(String(value)) }, { form: 'float64', bytes: double }] };
}

export function occurrences(haystack: Uint8Array, needle: Uint8Array): number {
  const h = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength);
  let n = 0;
  for (let at = h.indexOf(needle); at >= 0; at = h.indexOf(needle, at + 1)) n++;
  return n;
}

/**
 * The haystack with `value` embedded the way a leak would carry it (`how`),
 * surrounded by other bytes, inserted at `at`: the search's positive control.
 */
export function plant(haystack: Uint8Array, at: number, embedded: Uint8Array): Uint8Array {
  const k = Math.min(at, haystack.length);
  return Buffer.concat([haystack.subarray(0, k), embedded, haystack.subarray(k)]);
}

/** How each kind of leak is carried, surrounded by other data, for planting. */
export function leakCarriers(value: string): { how: string; bytes: Uint8Array }[] {
  const context = (s: string) => Buffer.from(`{"x":"${s}","y":1}`);
  return [
    { how: 'JSON text', bytes: context(value) },
    { how: 'JSON text, lower-cased', bytes: context(value.toLowerCase()) },
    { how: 'URL query', bytes: Buffer.from(`GET /x?a=1&v=${encodeURIComponent(value)}&b=2 HTTP/1.1`) },
    { how: 'hex dump', bytes: Buffer.from(`..${Buffer.from(`ab${value}cd`).toString('hex')}..`) },
    ...[0, 1, 2].map((shift) => ({ how: `inside base64 at offset ${shift}`, bytes: Buffer.from(Buffer.concat([Buffer.from('xyz'.slice(0, shift)), Buffer.from(value), Buffer.from('!?')]).toString('base64')) })),
    ...[0, 1, 2].map((shift) => ({ how: `inside base64url at offset ${shift}`, bytes: Buffer.from(Buffer.concat([Buffer.from('xyz'.slice(0, shift)), Buffer.from(value), Buffer.from('!?')]).toString('base64url')) })),
  ];
}
