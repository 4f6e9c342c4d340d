/**
 * NOR flash in memory: the same rules as the chip (erase to 0xFF, writes
 * only clear bits) with per-sector erase counts. In the core because the
 * firmware needs it too: it is the RAM stand-in when a partition is missing
 * (the hub keeps enforcing, but keeps nothing across a restart). Core suites
 * use it through hosts/sim/memory-flash.ts.
 */
import type { Flash } from './host.js';
import { checkNorProgram, checkRange, checkSector, writeBytes, FlashError } from './flash-rules.js';

export class MemoryFlash implements Flash {
  readonly byteLength: number;
  readonly blockSize: number;
  readonly bytes: Uint8Array;
  readonly eraseCounts: number[];
  bytesWritten = 0;

  constructor(byteLength: number, blockSize = 4096) {
    if (!Number.isInteger(blockSize) || blockSize <= 0 || byteLength % blockSize !== 0 || byteLength <= 0) {
      throw new FlashError(`flash: byteLength ${byteLength} must be a positive multiple of blockSize ${blockSize}`);
    }
    this.byteLength = byteLength;
    this.blockSize = blockSize;
    this.bytes = new Uint8Array(byteLength).fill(0xff);
    this.eraseCounts = new Array<number>(byteLength / blockSize).fill(0);
  }

  erase(sector: number): void {
    checkSector(this.byteLength, this.blockSize, sector);
    this.bytes.fill(0xff, sector * this.blockSize, (sector + 1) * this.blockSize);
    this.eraseCounts[sector]!++;
  }

  read(offset: number, length: number): ArrayBuffer {
    checkRange(this.byteLength, offset, length, 'read');
    return this.bytes.slice(offset, offset + length).buffer;
  }

  write(offset: number, length: number, buffer: ArrayBuffer | Uint8Array): void {
    checkRange(this.byteLength, offset, length, 'write');
    const next = writeBytes(length, buffer);
    checkNorProgram(this.bytes.subarray(offset, offset + length), next, offset);
    this.bytes.set(next, offset);
    this.bytesWritten += length;
  }
}
