/**
 * The `bleclient` module for Moddable's Linux simulator: there is no BLE
 * radio to scan, so starting a scan fails with the reason, and the boot
 * report shows BLE as unavailable (BTHome sensors then reach the hub only
 * on a board). hosts/moddable/ble.ts is unchanged.
 */
export default class BLEClient {
  constructor() {
    throw new Error('ble: the simulator has no BLE radio; BTHome sensors need a board');
  }
  startScanning(_options?: object): void {}
  onReady(): void {}
  onDiscovered(_device: unknown): void {}
}
