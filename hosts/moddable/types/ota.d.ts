// The ESP32 OTA module of the Moddable SDK (build/devices/esp32/modules/ota/ota.js and ota.c),
// not in @moddable/typings. The constructor opens the next OTA partition
// (esp_ota_get_next_update_partition) with sequential writes, so it erases as it goes;
// complete() ends the image (esp_ota_end validates it) and makes it the boot partition.
declare module 'ota' {
  export default class OTA {
    constructor(options?: { byteLength?: number });
    write(data: ArrayBuffer | ArrayBufferView): void;
    cancel(): void;
    complete(): void;
  }
}
