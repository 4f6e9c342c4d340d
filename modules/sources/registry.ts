/**
 * The devices the hub has heard of: id, name, model, vendor, source,
 * streams and availability. The data map and the page read it; sources
 * write it (zigbee2mqtt's bridge/devices, availability topics, readings).
 */
import type { DeviceInfo, DeviceSource } from '../reading.js';

export interface DevicePatch {
  name?: string | undefined;
  model?: string | undefined;
  vendor?: string | undefined;
  available?: boolean | undefined;
  /** Streams to add to what the device is known to produce. */
  streams?: readonly string[];
}

export class DeviceRegistry {
  readonly #maxDevices: number;
  readonly #devices = new Map<string, DeviceInfo>();
  #version = 0;

  constructor(options: { maxDevices: number }) {
    this.#maxDevices = options.maxDevices;
  }

  get size(): number {
    return this.#devices.size;
  }

  /** Grows on every change, so a page can tell whether to redraw. */
  get version(): number {
    return this.#version;
  }

  has(id: string): boolean {
    return this.#devices.has(id);
  }

  get(id: string): DeviceInfo | undefined {
    const device = this.#devices.get(id);
    return device && copy(device);
  }

  list(): DeviceInfo[] {
    return Array.from(this.#devices.values(), copy);
  }

  /**
   * Creates or updates a device. Returns false, changing nothing, when the
   * device is new and the registry is full.
   */
  upsert(id: string, source: DeviceSource, patch: DevicePatch = {}): boolean {
    let device = this.#devices.get(id);
    let changed = false;
    if (!device) {
      if (this.#devices.size >= this.#maxDevices) return false;
      device = { id, source, streams: [] };
      this.#devices.set(id, device);
      changed = true;
    }
    for (const key of ['name', 'model', 'vendor', 'available'] as const) {
      const value = patch[key];
      if (value !== undefined && device[key] !== value) {
        (device as unknown as Record<string, unknown>)[key] = value;
        changed = true;
      }
    }
    for (const stream of patch.streams ?? []) {
      if (!device.streams.includes(stream)) {
        device.streams.push(stream);
        changed = true;
      }
    }
    if (changed) this.#version++;
    return true;
  }

  /** Forgets a device (the household removed it). */
  remove(id: string): boolean {
    const removed = this.#devices.delete(id);
    if (removed) this.#version++;
    return removed;
  }
}

function copy(device: DeviceInfo): DeviceInfo {
  return { ...device, streams: [...device.streams] };
}
