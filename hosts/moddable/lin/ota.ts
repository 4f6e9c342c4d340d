/** Stands in for the ESP32-only `ota` module in simulator builds (manifest.json maps it for sim/lin). */
export default class OTA {
  constructor(_options?: { byteLength?: number }) {
    throw new Error('ota: firmware updates need an ESP32; the simulator cannot install images');
  }
  write(_data: ArrayBuffer | ArrayBufferView): void {}
  cancel(): void {}
  complete(): void {}
}
