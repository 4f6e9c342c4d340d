/**
 * Two app partitions and a boot selector in memory, behaving like ESP-IDF's
 * OTA with the bootloader's app rollback enabled: a new image starts in
 * "pending verify"; if the hub restarts before confirming it, the
 * bootloader abandons it and starts the previous one. Portable, so the
 * update suites run on Node and inside XS.
 *
 * Test images begin with `AIRLOCK-IMAGE <version>\n`, standing in for the
 * app header ESP-IDF checks when an OTA write ends.
 */
import { fromUtf8, utf8 } from '../../modules/bytes.js';
import type { BootControl, UpdateSlot } from '../../modules/update/slot.js';

const MAGIC = 'AIRLOCK-IMAGE ';

export function testImage(version: string, size = 3000): Uint8Array {
  const image = new Uint8Array(size);
  for (let i = 0; i < size; i++) image[i] = (i * 7 + version.length) & 0xff;
  image.set(utf8(`${MAGIC}${version}\n`));
  return image;
}

function versionOf(image: Uint8Array | undefined): string | undefined {
  if (!image) return undefined;
  const text = fromUtf8(image.subarray(0, Math.min(image.length, 40)).filter((b) => b < 0x80));
  return text.startsWith(MAGIC) ? text.slice(MAGIC.length).split('\n')[0] : undefined;
}

type ImageState = 'valid' | 'new' | 'pending-verify' | 'aborted';

export class SimulatedOta implements UpdateSlot, BootControl {
  readonly capacity: number;
  readonly partitions: [Uint8Array | undefined, Uint8Array | undefined];
  readonly states: [ImageState, ImageState] = ['valid', 'valid'];
  readonly #bootloaderRollback: boolean;
  #running: 0 | 1 = 0;
  #boot: 0 | 1 = 0;
  #writing: Uint8Array | undefined;
  restarts = 0;
  reverts = 0;

  /**
   * `bootloaderRollback: false` models a platform whose bootloader keeps
   * starting an unconfirmed image, leaving the trial limit to the core.
   */
  constructor(options: { capacity: number; factoryImage: Uint8Array; bootloaderRollback?: boolean }) {
    this.capacity = options.capacity;
    this.partitions = [options.factoryImage.slice(), undefined];
    this.#bootloaderRollback = options.bootloaderRollback ?? true;
  }

  get runningVersion(): string {
    return versionOf(this.partitions[this.#running]) ?? 'unknown';
  }

  get #inactive(): 0 | 1 {
    return this.#running === 0 ? 1 : 0;
  }

  begin(size: number): void {
    if (size > this.capacity) throw new RangeError(`image of ${size} bytes exceeds the partition (${this.capacity})`);
    if (this.#boot === this.#inactive) this.#boot = this.#running; // erasing the image that was to start next
    this.partitions[this.#inactive] = undefined;
    this.#writing = new Uint8Array(size).fill(0xff);
  }

  write(offset: number, bytes: Uint8Array): void {
    if (!this.#writing) throw new Error('write without begin');
    if (offset + bytes.length > this.#writing.length) throw new RangeError('write past the declared size');
    this.#writing.set(bytes, offset);
  }

  finalize(): void {
    if (!this.#writing) throw new Error('finalize without begin');
    if (versionOf(this.#writing) === undefined) throw new Error('image header invalid');
    this.partitions[this.#inactive] = this.#writing;
    this.#writing = undefined;
  }

  markPending(): void {
    if (!this.partitions[this.#inactive]) throw new Error('no finalized image to boot');
    this.states[this.#inactive] = 'new';
    this.#boot = this.#inactive;
  }

  abort(): void {
    this.#writing = undefined;
  }

  confirm(): void {
    if (this.states[this.#running] === 'pending-verify') this.states[this.#running] = 'valid';
  }

  revert(): void {
    this.reverts++;
    this.states[this.#running] = 'aborted';
    this.#boot = this.#inactive;
    this.restart();
  }

  /** A reset: the bootloader picks the image, abandoning one that was started but never confirmed. */
  restart(): void {
    this.restarts++;
    if (this.#bootloaderRollback && this.#boot === this.#running && this.states[this.#running] === 'pending-verify') {
      this.states[this.#running] = 'aborted';
      this.#boot = this.#inactive;
    }
    this.#running = this.#boot;
    if (this.states[this.#running] === 'new') this.states[this.#running] = 'pending-verify';
  }
}
