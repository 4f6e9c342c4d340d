/**
 * Service data in a raw BLE advertisement (AD structures: length, type,
 * data; Bluetooth Core Supplement part A 1.11). Used to find BTHome's
 * 0xFCD2 payloads on any host that hands over raw advertisements.
 */

const SERVICE_DATA_UUID16 = 0x16;

/**
 * The payloads (after the 16-bit UUID) of every service-data structure for
 * `uuid`, in order. Returns `undefined` when a structure runs past the end
 * (a malformed advertisement, to be counted and skipped).
 */
export function serviceData16(advertisement: Uint8Array, uuid: number): Uint8Array[] | undefined {
  const found: Uint8Array[] = [];
  let at = 0;
  while (at < advertisement.length) {
    const length = advertisement[at]!;
    if (length === 0) break; // zero length: the rest is padding
    const end = at + 1 + length;
    if (end > advertisement.length) return undefined;
    if (advertisement[at + 1] === SERVICE_DATA_UUID16 && length >= 3) {
      const found16 = advertisement[at + 2]! | (advertisement[at + 3]! << 8); // little-endian on air
      if (found16 === uuid) found.push(advertisement.slice(at + 4, end));
    }
    at = end;
  }
  return found;
}
