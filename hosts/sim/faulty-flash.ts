/**
 * NOR flash that loses power on cue, for crash-consistency tests. Portable
 * (core suites run it on Node and inside XS).
 *
 * Every programmed byte and every erase advance a global tick counter: a write
 * of n bytes takes n ticks, an erase takes 2. `cutAt(n)` makes the tick n
 * fail: a write stops after programming the bytes before it (a prefix), an
 * erase cut on its first tick leaves the sector unchanged and on its second
 * leaves the first half erased and the rest as it was. From then on every
 * operation throws `PowerCut` until `reboot()`. `flipBit` simulates bit rot.
 */
import type { Flash } from '../../modules/host.js';
import { writeBytes } from '../../modules/flash-rules.js';
import { MemoryFlash } from './memory-flash.js';

export class PowerCut extends Error {
  override name = 'PowerCut';
}

const ERASE_TICKS = 2;

export class FaultyFlash implements Flash {
  readonly inner: MemoryFlash;
  /** Ticks used so far (bytes programmed + 2 per erase). */
  ticks = 0;
  #cutAt: number | undefined;
  #off = false;

  constructor(inner: MemoryFlash) {
    this.inner = inner;
  }

  get byteLength(): number {
    return this.inner.byteLength;
  }

  get blockSize(): number {
    return this.inner.blockSize;
  }

  /** Whether the power is currently off (a cut happened and no reboot since). */
  get poweredOff(): boolean {
    return this.#off;
  }

  /** Cuts power when the global tick counter reaches `tick` (undefined: never). */
  cutAt(tick: number | undefined): void {
    this.#cutAt = tick;
  }

  /** Power comes back: operations work again; the bytes are whatever the cut left. */
  reboot(): void {
    this.#off = false;
    this.#cutAt = undefined;
  }

  /** Toggles one bit at `offset` (bit rot, or a disturbed cell). */
  flipBit(offset: number, bit: number): void {
    this.inner.bytes[offset]! ^= 1 << (bit & 7);
  }

  read(offset: number, length: number): ArrayBuffer {
    this.#checkPower();
    return this.inner.read(offset, length);
  }

  write(offset: number, length: number, buffer: ArrayBuffer | Uint8Array): void {
    this.#checkPower();
    const bytes = writeBytes(length, buffer);
    const room = this.#ticksBeforeCut();
    if (room >= length) {
      this.inner.write(offset, length, bytes);
      this.ticks += length;
      return;
    }
    if (room > 0) this.inner.write(offset, room, bytes.subarray(0, room));
    this.ticks += room;
    this.#cut();
  }

  erase(sector: number): void {
    this.#checkPower();
    const room = this.#ticksBeforeCut();
    if (room >= ERASE_TICKS) {
      this.inner.erase(sector);
      this.ticks += ERASE_TICKS;
      return;
    }
    if (room === 1) {
      const start = sector * this.inner.blockSize;
      this.inner.bytes.fill(0xff, start, start + this.inner.blockSize / 2);
    }
    this.ticks += room;
    this.#cut();
  }

  #ticksBeforeCut(): number {
    return this.#cutAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.#cutAt - this.ticks);
  }

  #cut(): never {
    this.#off = true;
    throw new PowerCut(`power cut at tick ${this.ticks}`);
  }

  #checkPower(): void {
    if (this.#off) throw new PowerCut('the power is off: reboot() the flash first');
  }
}
