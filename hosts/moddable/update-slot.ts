/**
 * The firmware UpdateSlot and BootControl over ESP-IDF OTA: Moddable's `ota`
 * module writes the inactive app partition (ota_0/ota_1 in partitions.csv);
 * Airlock's native `airlock/bootcontrol` confirms or abandons the new image
 * (the SDK has no binding for ESP-IDF's app rollback).
 *
 * ESP-IDF detail: `OTA.complete()` both ends the write (esp_ota_end checks the
 * image) and selects it for the next boot, so `finalize()` does both and
 * `markPending()` only checks that it happened. With
 * CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE the new image starts in
 * PENDING_VERIFY: if the hub resets before `confirm()`, the bootloader itself
 * goes back, even if JavaScript never ran.
 */
import BootControlNative from 'airlock/bootcontrol';
import OTA from 'ota';
import type { BootControl, UpdateSlot } from '../../modules/update/slot.js';

export function otaFirmwareSlot(): UpdateSlot & BootControl & { runningState(): string; restart(): void } {
  let ota: OTA | undefined;
  let written = 0;
  let completed = false;
  return {
    get capacity() {
      return BootControlNative.nextPartitionSize();
    },
    begin(size: number) {
      if (ota) ota.cancel();
      ota = new OTA({ byteLength: size });
      written = 0;
      completed = false;
    },
    write(offset: number, bytes: Uint8Array) {
      if (!ota) throw new Error('ota: write before begin');
      if (offset !== written) throw new RangeError(`ota: writes must be sequential; expected offset ${written}, got ${offset}`);
      ota.write(bytes);
      written += bytes.length;
    },
    finalize() {
      if (!ota) throw new Error('ota: finalize before begin');
      ota.complete();
      ota = undefined;
      completed = true;
    },
    markPending() {
      if (!completed) throw new Error('ota: no completed image to start');
    },
    abort() {
      ota?.cancel();
      ota = undefined;
    },
    confirm: () => BootControlNative.markValid(),
    revert: () => BootControlNative.rollback(),
    runningState: () => BootControlNative.runningState(),
    restart: () => BootControlNative.restart(),
  };
}
