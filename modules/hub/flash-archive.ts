/**
 * The hub's contract archive (earlier versions it enforced) on a small
 * flash partition of its own. Why not NVS (Preference): one NVS value holds
 * at most 4000 bytes, a contract is often bigger, and NVS is the small,
 * wear-sensitive home of the keys. Why not a LittleFS file: it would need a
 * file-system partition and the SDK's `file` module for a few documents;
 * this format is ~150 lines over the same Flash capability the logs use, so
 * it is tested on Node and inside XS like them (test/core/flash-archive.test.ts).
 *
 * Layout: the partition is two banks of equal size; one is active. A bank
 * starts with a header entry (its generation), then contract entries are
 * appended. Every entry is framed: "AC", kind, 0, u32 length, u32 CRC-32 of
 * the payload, payload; a contract's payload is its key length (u8), its key
 * (`integration@version`, UTF-8) and its JSON. When the active bank is full, the newest entry per
 * integration is copied into the other (erased) bank behind a blank header
 * slot, and the header is programmed last: a power cut during the copy
 * leaves the old bank in charge. Reading stops at the first blank or damaged
 * frame; a damaged one makes the next save compact.
 *
 * Removing an integration is a compaction that leaves it out.
 *
 * When it is full even after compaction, `save` returns false and logs why:
 * adding an integration on the page is then refused with that reason, and a
 * new version of an installed one is enforced from RAM until a restart.
 *
 * What is kept: the newest saved document per integration (the Hub saves
 * every version it starts enforcing, and loads the one its store names as
 * enforced), plus older ones until the bank fills; a compaction made for a
 * new version drops that integration's older ones. `save` never throws: a
 * document that cannot be kept is logged, and the hub keeps enforcing what
 * it has in memory.
 */
import { fromUtf8, utf8 } from '../bytes.js';
import { makeCrc32, type Crc32 } from '../audit/crc32.js';
import type { Contract } from '../contract/types.js';
import { parseContractText } from '../contract/validate.js';
import type { Flash, Logger } from '../host.js';
import type { ContractArchive } from './hub.js';

const FRAME = 12;
const KIND_HEADER = 1;
const KIND_CONTRACT = 3;

interface Located {
  offset: number;
  length: number;
}

export class FlashContractArchive implements ContractArchive {
  readonly #flash: Flash;
  readonly #log: Logger;
  readonly #crc: Crc32;
  readonly #bankBytes: number;
  readonly #sectorsPerBank: number;
  /** `integration@version` → payload location in the active bank. */
  readonly #index = new Map<string, Located>();
  /** Integration → its newest key, in save order. */
  readonly #newest = new Map<string, string>();
  #active = -1;
  #generation = 0;
  #end = 0;
  #dirty = false;

  constructor(flash: Flash, log: Logger) {
    this.#flash = flash;
    this.#log = log;
    this.#crc = makeCrc32();
    const sectors = Math.floor(flash.byteLength / flash.blockSize);
    if (sectors < 2 || sectors % 2 !== 0) {
      throw new RangeError(`contract archive: the partition has ${sectors} sector(s); it needs an even number, at least 2 (two banks)`);
    }
    this.#sectorsPerBank = sectors / 2;
    this.#bankBytes = this.#sectorsPerBank * flash.blockSize;
    this.#open();
  }

  /** Documents currently findable (for tests and the boot log). */
  get size(): number {
    return this.#index.size;
  }

  load(integration: string, version: string): Contract | undefined {
    const at = this.#index.get(`${integration}@${version}`);
    if (!at) return undefined;
    try {
      const payload = new Uint8Array(this.#flash.read(at.offset, at.length));
      const parsed = parseContractText(fromUtf8(payload.subarray(1 + payload[0]!)));
      if (parsed.ok) return parsed.contract;
      this.#log.warn(`contract archive: ${integration} ${version} no longer validates (${parsed.errors[0]?.message}); it is ignored`);
    } catch (error) {
      this.#log.warn(`contract archive: cannot read ${integration} ${version}: ${(error as Error).message}`);
    }
    return undefined;
  }

  save(contract: Contract): boolean {
    const key = `${contract.integration}@${contract.version}`;
    if (this.#index.has(key)) {
      this.#newest.set(contract.integration, key);
      return true; // a version's document does not change; the hub saves on every enforcement
    }
    try {
      const id = utf8(key);
      if (id.length > 255) throw new RangeError(`the key "${key.slice(0, 40)}…" is over 255 bytes`);
      const json = utf8(JSON.stringify(contract));
      const payload = new Uint8Array(1 + id.length + json.length);
      payload[0] = id.length;
      payload.set(id, 1);
      payload.set(json, 1 + id.length);
      if (FRAME * 3 + 4 + payload.length > this.#bankBytes) {
        throw new RangeError(`the document is ${payload.length} bytes and a bank holds ${this.#bankBytes}; grow the airlockctr partition`);
      }
      if (this.#active < 0 || this.#dirty || !this.#fits(payload.length)) this.#compact(contract.integration);
      if (!this.#fits(payload.length)) {
        throw new RangeError(`the archive is full even after compaction (${this.#newest.size} integrations); grow the airlockctr partition`);
      }
      const offset = this.#append(KIND_CONTRACT, payload);
      this.#index.set(key, { offset, length: payload.length });
      this.#newest.set(contract.integration, key);
      return true;
    } catch (error) {
      this.#log.error(`contract archive: ${key} not kept (${(error as Error).message}); after a restart the hub enforces the bundled version until the owner approves again`);
      return false;
    }
  }

  /**
   * Drops every version of a removed integration: the others are copied into
   * the other bank, whose header is programmed last, so a power cut leaves
   * either the archive with the integration or the archive without it.
   */
  remove(integration: string): void {
    if (!this.#newest.has(integration) && ![...this.#index.keys()].some((k) => k.startsWith(`${integration}@`))) return;
    try {
      this.#compact(integration);
      this.#newest.delete(integration);
    } catch (error) {
      this.#log.error(`contract archive: ${integration} could not be removed (${(error as Error).message})`);
    }
  }

  #fits(payloadLength: number): boolean {
    return this.#end + FRAME + payloadLength <= this.#bankStart(this.#active) + this.#bankBytes;
  }

  #bankStart(bank: number): number {
    return bank * this.#bankBytes;
  }

  #readFrame(at: number, limit: number): { kind: number; payloadAt: number; length: number; blank: boolean } | undefined {
    if (at + FRAME > limit) return undefined;
    const head = new Uint8Array(this.#flash.read(at, FRAME));
    if (head.every((b) => b === 0xff)) return { kind: 0, payloadAt: at + FRAME, length: 0, blank: true };
    if (head[0] !== 0x41 || head[1] !== 0x43) return undefined;
    const view = new DataView(head.buffer, head.byteOffset, FRAME);
    const length = view.getUint32(4);
    if (at + FRAME + length > limit) return undefined;
    const payload = new Uint8Array(length === 0 ? new ArrayBuffer(0) : this.#flash.read(at + FRAME, length));
    if (this.#crc(payload) !== view.getUint32(8)) return undefined;
    return { kind: head[2]!, payloadAt: at + FRAME, length, blank: false };
  }

  /** The generation of a bank whose header was programmed, or undefined. */
  #bankGeneration(bank: number): number | undefined {
    const start = this.#bankStart(bank);
    const header = this.#readFrame(start, start + this.#bankBytes);
    if (!header || header.kind !== KIND_HEADER || header.length !== 4) return undefined;
    return new DataView(this.#flash.read(header.payloadAt, 4)).getUint32(0);
  }

  #open(): void {
    const generations = [this.#bankGeneration(0), this.#bankGeneration(1)];
    const g0 = generations[0] ?? -1;
    const g1 = generations[1] ?? -1;
    if (g0 < 0 && g1 < 0) return; // blank or unreadable: the first save formats bank 0
    this.#active = g1 > g0 ? 1 : 0;
    this.#generation = Math.max(g0, g1);
    const start = this.#bankStart(this.#active);
    const limit = start + this.#bankBytes;
    let at = start + FRAME + 4; // past the header
    for (;;) {
      const frame = this.#readFrame(at, limit);
      if (!frame) {
        this.#dirty = at < limit; // damaged: compact before writing after it
        break;
      }
      if (frame.blank) break;
      if (frame.kind === KIND_CONTRACT) this.#indexEntry(frame.payloadAt, frame.length);
      at = frame.payloadAt + frame.length;
    }
    this.#end = at;
  }

  #indexEntry(offset: number, length: number): void {
    // Only the key is read now: the document is read again on load.
    const head = new Uint8Array(this.#flash.read(offset, Math.min(length, 256)));
    const keyLength = head[0]!;
    if (keyLength === 0 || 1 + keyLength > length) return;
    const key = fromUtf8(head.subarray(1, 1 + keyLength));
    this.#index.set(key, { offset, length });
    this.#newest.set(key.slice(0, key.lastIndexOf('@')), key);
  }

  #frame(kind: number, payload: Uint8Array): Uint8Array {
    const frame = new Uint8Array(FRAME + payload.length);
    frame[0] = 0x41;
    frame[1] = 0x43;
    frame[2] = kind;
    const view = new DataView(frame.buffer);
    view.setUint32(4, payload.length);
    view.setUint32(8, this.#crc(payload));
    frame.set(payload, FRAME);
    return frame;
  }

  #append(kind: number, payload: Uint8Array): number {
    const frame = this.#frame(kind, payload);
    const at = this.#end;
    this.#flash.write(at, frame.length, frame);
    this.#end = at + frame.length;
    return at + FRAME;
  }

  /**
   * Copies the newest document per integration into the other bank, then
   * programs its header: it is active from then on. The integration being
   * saved (`replacing`) is left out: its new version supersedes it.
   */
  #compact(replacing: string): void {
    const target = this.#active < 0 ? 0 : 1 - this.#active;
    const keep = [...this.#newest.entries()].flatMap(([integration, key]) => {
      if (integration === replacing) return [];
      const at = this.#index.get(key);
      return at ? [{ key, at }] : [];
    });
    for (let s = 0; s < this.#sectorsPerBank; s++) this.#flash.erase(target * this.#sectorsPerBank + s);
    const start = this.#bankStart(target);
    this.#end = start + FRAME + 4;
    const moved = new Map<string, Located>();
    for (const { key, at } of keep) {
      const offset = this.#append(KIND_CONTRACT, new Uint8Array(this.#flash.read(at.offset, at.length)));
      moved.set(key, { offset, length: at.length });
    }
    const generation = this.#generation + 1;
    const g = new Uint8Array(4);
    new DataView(g.buffer).setUint32(0, generation);
    const header = this.#frame(KIND_HEADER, g);
    this.#flash.write(start, header.length, header);
    this.#index.clear();
    for (const [key, at] of moved) this.#index.set(key, at);
    this.#active = target;
    this.#generation = generation;
    this.#dirty = false;
  }
}
