/**
 * The `flash` module for Moddable's Linux simulator, which has none
 * (the SDK's modules/files/flash supports esp, esp32 and nrf52 only).
 * manifest.json maps `flash` here for `lin`, so hosts/moddable/flash.ts
 * runs unchanged. Each partition is a file under the simulator's file
 * root, sized as in hosts/moddable/partitions.csv (manifest
 * `config.airlock.simPartitions`), and behaves like NOR flash: an erase
 * sets a 4 KB sector to 0xFF, and a write may only clear bits (the same
 * rule, from modules/flash-rules.ts, that every host enforces).
 */
import config from 'mc/config';
import { File } from 'file';
import { checkNorProgram, checkRange, checkSector, writeBytes } from '../../../modules/flash-rules.js';

const SECTOR = 4096;

interface SimConfig {
  file: { root: string };
  airlock: { simPartitions?: Record<string, number> };
}

export default class Flash {
  readonly byteLength: number;
  readonly blockSize = SECTOR;
  readonly #path: string;

  constructor(partition: string) {
    const settings = config as unknown as SimConfig;
    const size = settings.airlock.simPartitions?.[partition];
    if (typeof size !== 'number') throw new Error(`flash: no partition "${partition}" in config.airlock.simPartitions`);
    this.byteLength = size;
    this.#path = `${settings.file.root}airlock-${partition}.flash`;
    if (!File.exists(this.#path) || new File(this.#path).length !== size) this.#format();
  }

  erase(sector: number): void {
    checkSector(this.byteLength, SECTOR, sector);
    const file = new File(this.#path, true);
    file.position = sector * SECTOR;
    file.write(new Uint8Array(SECTOR).fill(0xff).buffer);
    file.close();
  }

  read(offset: number, length: number): ArrayBuffer {
    checkRange(this.byteLength, offset, length, 'read');
    const file = new File(this.#path);
    file.position = offset;
    const bytes = file.read(ArrayBuffer, length);
    file.close();
    return bytes;
  }

  write(offset: number, length: number, buffer: ArrayBuffer | Uint8Array): void {
    checkRange(this.byteLength, offset, length, 'write');
    const next = writeBytes(length, buffer);
    checkNorProgram(new Uint8Array(this.read(offset, length)), next, offset);
    const file = new File(this.#path, true);
    file.position = offset;
    file.write(next.slice().buffer);
    file.close();
  }

  /** A fresh (or resized) partition reads as erased, as a new chip does. */
  #format(): void {
    File.delete(this.#path);
    const file = new File(this.#path, true);
    const sector = new Uint8Array(SECTOR).fill(0xff).buffer;
    for (let at = 0; at < this.byteLength; at += SECTOR) file.write(sector);
    file.close();
  }
}
