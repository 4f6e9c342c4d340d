/**
 * What the platform lends the updater: the inactive partition (or contract
 * slot) and the boot control. On the ESP32 these are the ESP-IDF OTA
 * partitions (hosts/moddable/update-slot.ts); in tests, hosts/sim.
 */

export interface UpdateSlot {
  /** Bytes the inactive partition can hold. */
  readonly capacity: number;
  /** Starts a fresh image in the inactive partition (erasing what was there). */
  begin(size: number): void;
  /** Writes the next bytes of the image; offsets arrive in order, without gaps. */
  write(offset: number, bytes: Uint8Array): void;
  /** Ends the write; throws if the platform finds the image unusable (e.g. ESP-IDF's app header check). */
  finalize(): void;
  /** Makes the next start use the new image, on trial until confirmed. */
  markPending(): void;
  /** Gives up the image being written; the running one is untouched. */
  abort(): void;
}

export interface BootControl {
  /** The running image proved healthy: keep it (ESP-IDF: cancel the bootloader's rollback). */
  confirm(): void;
  /** Go back to the previous image now (ESP-IDF: mark invalid and restart into the other partition). */
  revert(): void;
}
