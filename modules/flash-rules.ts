/**
 * The rules every Flash capability enforces, shared by all hosts so a
 * desktop run refuses exactly what the ESP32's NOR flash would corrupt.
 */

export class FlashError extends Error {
  override name = 'FlashError';
}

function isWhole(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

export function checkRange(byteLength: number, offset: number, length: number, what: string): void {
  if (!isWhole(offset) || !isWhole(length)) {
    throw new FlashError(`flash ${what}: offset ${offset} and length ${length} must be whole numbers >= 0`);
  }
  if (offset + length > byteLength) {
    throw new FlashError(
      `flash ${what}: offset ${offset} + length ${length} runs past the partition end (${byteLength} bytes)`,
    );
  }
}

export function checkSector(byteLength: number, blockSize: number, sector: number): void {
  const sectors = byteLength / blockSize;
  if (!isWhole(sector) || sector >= sectors) {
    throw new FlashError(`flash erase: sector ${sector} is outside 0..${sectors - 1} (blockSize ${blockSize})`);
  }
}

/**
 * NOR flash can only clear bits: programming a byte that needs a 0 -> 1
 * change is refused, naming the first offending offset. Erase the sector first.
 */
export function checkNorProgram(current: Uint8Array, next: Uint8Array, offset: number): void {
  for (let i = 0; i < next.length; i++) {
    const want = next[i]!;
    if ((current[i]! & want) !== want) {
      throw new FlashError(
        `flash write: byte at offset ${offset + i} is 0x${current[i]!.toString(16).padStart(2, '0')} and cannot become ` +
          `0x${want.toString(16).padStart(2, '0')} (NOR writes only clear bits; erase the sector first)`,
      );
    }
  }
}

/** Returns the bytes to write, refusing a buffer shorter than `length` instead of reading past it. */
export function writeBytes(length: number, buffer: ArrayBuffer | Uint8Array): Uint8Array {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (bytes.length < length) {
    throw new FlashError(`flash write: length ${length} but the buffer holds only ${bytes.length} bytes`);
  }
  return bytes.length === length ? bytes : bytes.subarray(0, length);
}
