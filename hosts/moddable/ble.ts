/**
 * BLE scanning for BTHome v2 sensors with Moddable's BLE client
 * (`bleclient`): passive scanning, every advertisement reported
 * (`duplicates: true`, sensors re-advertise each reading). Service data for
 * UUID 0xFCD2 (BTHome) is cut out of the advertisement's AD structures and
 * handed to the BTHome source as `(mac, serviceData, rssi)`, where `mac` is
 * "aa:bb:cc:dd:ee:ff" (lowercase, as printed on the sensor) and
 * `serviceData` starts after the UUID (the BTHome device-info byte first).
 * Malformed advertisements are counted and skipped.
 */
import BLEClient from 'bleclient';
import GAP from 'gap';
import type { Client } from 'gatt';
import { serviceData16 } from '../../modules/ble-advertisement.js';
import type { Logger } from '../../modules/host.js';

export const BTHOME_UUID16 = 0xfcd2;

export type BthomeSink = (mac: string, serviceData: Uint8Array, rssi: number) => void;

export interface BleScanner {
  readonly counts: { advertisements: number; bthome: number; malformed: number };
  stop(): void;
}

export function startBthomeScan(sink: BthomeSink, log: Logger): BleScanner {
  const counts = { advertisements: 0, bthome: 0, malformed: 0 };
  class Scanner extends BLEClient {
    override onReady(): void {
      // Passive scanning: BTHome data is in the advertisement itself, no scan requests needed.
      this.startScanning({ active: false, duplicates: true, filterPolicy: GAP.ScanFilterPolicy.NONE, interval: 0x50, window: 0x30 });
      log.info('ble: scanning for BTHome advertisements');
    }
    override onDiscovered(device: Client): void {
      counts.advertisements++;
      const raw = device.scanResponse?.buffer;
      if (!raw) return;
      const payloads = serviceData16(new Uint8Array(raw), BTHOME_UUID16);
      if (!payloads) {
        counts.malformed++;
        return;
      }
      if (payloads.length === 0) return;
      const mac = device.address.toString().toLowerCase();
      for (const payload of payloads) {
        counts.bthome++;
        try {
          sink(mac, payload, device.rssi);
        } catch (error) {
          // The source counts bad readings itself; nothing it throws may stop the scan.
          counts.malformed++;
          log.debug('ble: BTHome source refused an advertisement', { mac, error: (error as Error)?.message });
        }
      }
    }
  }
  const scanner = new Scanner();
  return {
    counts,
    stop: () => {
      scanner.stopScanning();
      scanner.close();
    },
  };
}
