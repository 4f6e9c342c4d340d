/** The Flash capability over Moddable's `flash` module, with the same range checks as every host. */
import Flash from 'flash';
import type { Flash as FlashCapability } from '../../modules/host.js';
import { checkRange, checkSector, FlashError, writeBytes } from '../../modules/flash-rules.js';

export function openFlashPartition(partition: string): FlashCapability {
  let flash: Flash;
  try {
    flash = new Flash(partition);
  } catch {
    throw new FlashError(`flash: partition "${partition}" is missing; add it to the target's partitions.csv (see README)`);
  }
  const { byteLength, blockSize } = flash;
  return Object.freeze({
    byteLength,
    blockSize,
    erase(sector: number) {
      checkSector(byteLength, blockSize, sector);
      flash.erase(sector);
    },
    read(offset: number, length: number): ArrayBuffer {
      checkRange(byteLength, offset, length, 'read');
      return flash.read(offset, length) as ArrayBuffer;
    },
    write(offset: number, length: number, buffer: ArrayBuffer | Uint8Array) {
      checkRange(byteLength, offset, length, 'write');
      // The chip itself ANDs new bits into old ones; the log never relies on that, and
      // the desktop host refuses it, so tests catch any code that would.
      flash.write(offset, length, writeBytes(length, buffer));
    },
  });
}

/**
 * Stands in for a missing or unusable log partition so the hub still boots
 * (degraded, without buffering; the boot report says why). Every use fails
 * with the reason instead of touching flash.
 */
export function unavailableFlash(reason: string): FlashCapability {
  const refuse = (): never => {
    throw new FlashError(`flash: the record log is unavailable (${reason})`);
  };
  return Object.freeze({ byteLength: 0, blockSize: 4096, erase: refuse, read: refuse, write: refuse });
}
