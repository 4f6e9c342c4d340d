/**
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), for framing on
 * flash: it catches torn and decayed writes, not tampering (the chain's
 * hashes and MACs do that). The table is built per call of `makeCrc32`, not
 * at module level, so a preloaded (frozen) module holds no typed array.
 */
export type Crc32 = (bytes: Uint8Array, seed?: number) => number;

export function makeCrc32(): Crc32 {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  /** `seed` continues a previous result, so a CRC can run over several parts. */
  return (bytes, seed = 0) => {
    let crc = (seed ^ 0xffffffff) >>> 0;
    for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  };
}
