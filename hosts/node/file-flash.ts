/**
 * A file that behaves like NOR flash: erase sets a sector to 0xFF, a write can
 * only clear bits, out-of-range access throws, and erase counts per sector are
 * kept (in a sidecar `<file>.erases.json`, written on close) so wear can be
 * measured across runs.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import type { Flash } from '../../modules/host.js';
import { checkNorProgram, checkRange, checkSector, FlashError, writeBytes } from '../../modules/flash-rules.js';

export interface FileFlashOptions {
  path: string;
  byteLength: number;
  blockSize?: number;
}

export class FileFlash implements Flash {
  readonly byteLength: number;
  readonly blockSize: number;
  readonly path: string;
  readonly eraseCounts: number[];
  #fd: number;

  constructor({ path, byteLength, blockSize = 4096 }: FileFlashOptions) {
    if (!Number.isInteger(blockSize) || blockSize <= 0 || byteLength <= 0 || byteLength % blockSize !== 0) {
      throw new FlashError(`flash file ${path}: byteLength ${byteLength} must be a positive multiple of blockSize ${blockSize}`);
    }
    this.path = path;
    this.byteLength = byteLength;
    this.blockSize = blockSize;
    if (!existsSync(path) || statSync(path).size === 0) {
      // A new chip arrives erased. The image is built aside and renamed into place, so a crash
      // while creating it leaves no file (or the old empty one), never a short one the next start refuses.
      const building = `${path}.new`;
      const fd = openSync(building, 'w');
      const ff = Buffer.alloc(blockSize, 0xff);
      for (let at = 0; at < byteLength; at += blockSize) writeSync(fd, ff, 0, blockSize, at);
      closeSync(fd);
      renameSync(building, path);
    }
    this.#fd = openSync(path, 'r+');
    const size = fstatSync(this.#fd).size;
    if (size !== byteLength) {
      closeSync(this.#fd);
      throw new FlashError(
        `flash file ${path} is ${size} bytes but the configuration says ${byteLength}; ` +
          `move the file away or set the matching size`,
      );
    }
    const sectors = byteLength / blockSize;
    this.eraseCounts = new Array<number>(sectors).fill(0);
    const sidecar = `${path}.erases.json`;
    if (existsSync(sidecar)) {
      try {
        const saved = JSON.parse(readFileSync(sidecar, 'utf8')) as unknown;
        if (Array.isArray(saved) && saved.length === sectors) saved.forEach((n, i) => (this.eraseCounts[i] = Number(n) || 0));
      } catch {
        // Counts are diagnostics; a damaged sidecar restarts them at zero.
      }
    }
  }

  erase(sector: number): void {
    checkSector(this.byteLength, this.blockSize, sector);
    writeSync(this.#fd, Buffer.alloc(this.blockSize, 0xff), 0, this.blockSize, sector * this.blockSize);
    this.eraseCounts[sector]!++;
  }

  read(offset: number, length: number): ArrayBuffer {
    checkRange(this.byteLength, offset, length, 'read');
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) done += readSync(this.#fd, out, done, length - done, offset + done);
    return out.buffer;
  }

  write(offset: number, length: number, buffer: ArrayBuffer | Uint8Array): void {
    checkRange(this.byteLength, offset, length, 'write');
    const next = writeBytes(length, buffer);
    checkNorProgram(new Uint8Array(this.read(offset, length)), next, offset);
    writeSync(this.#fd, next, 0, length, offset);
  }

  close(): void {
    if (this.#fd < 0) return;
    writeFileSync(`${this.path}.erases.json`, JSON.stringify(this.eraseCounts));
    ftruncateSync(this.#fd, this.byteLength);
    closeSync(this.#fd);
    this.#fd = -1;
  }
}
