/**
 * BTHome v2 BLE advertisements (service data of UUID 0xFCD2), plain and
 * AES-CCM encrypted (https://bthome.io/format/, /encryption/).
 *
 * Service data (the bytes after the UUID):
 *   device info (1) | [MAC, reversed (6), when bit 1 is set] | objects...
 *   encrypted: device info | [MAC] | ciphertext | counter (4, LE) | MIC (4)
 * Device info: bit 0 encrypted, bit 1 MAC included, bit 2 trigger-based
 * (the device sends on events, not on a schedule), bits 5-7 version (= 2).
 * Nonce: MAC (6, as written) | D2 FC | device info | counter (4 bytes as sent).
 *
 * Rules: a device with a key must encrypt (a plain frame from it is a
 * "downgrade"); its counter must grow ("replayed" otherwise; the counter is
 * remembered only after the MIC verifies); a repeated packet id (object 0x00)
 * within `packetIdWindowMs` is a "duplicate" (bthome-ble's rule: a new id is
 * 1..63 ahead of the last, modulo 256). An unknown object id or a truncated
 * object ends the frame: the objects before it are kept, the cause counted.
 */
import { concat, fromHex, fromUtf8, toHex } from '../bytes.js';
import type { Crypto } from '../host.js';
import type { FieldValue, Reading } from '../reading.js';
import { BUTTON_EVENTS, buildObjectTable, DIMMER_EVENTS, scaleValue, type ObjectSpec } from './bthome-objects.js';
import type { SourceContext } from './context.js';
import type { DropReason } from './counters.js';
import { emitReadings } from './decoder.js';
import type { FieldList } from './fields.js';

export const BTHOME_UUID = 0xfcd2;
const SOURCE = 'bthome';
const COUNTER_BYTES = 4;
const MIC_BYTES = 4;

export interface BthomeConfig {
  /** Per-device AES-128 keys ("bindkeys"): MAC -> 32 hex digits or 16 bytes. A device with a key must encrypt. */
  keys?: Readonly<Record<string, string | Uint8Array>>;
  /** Last accepted encryption counter per MAC, as the composition root persisted them. */
  encryptionCounters?: Readonly<Record<string, number>>;
  /** Called with each newly accepted encryption counter (after the MIC verified), for the composition root to persist. */
  onCounter?: (address: string, counter: number) => void;
  /** A packet id seen again within this many ms is a duplicate; default 4000 (bthome-ble's rule). */
  packetIdWindowMs?: number;
  /** Add the advertisement's RSSI as a "signal" reading; default false. */
  includeRssi?: boolean;
}

export interface BthomeFlags {
  encrypted: boolean;
  macIncluded: boolean;
  triggerBased: boolean;
  version: number;
}

export interface BthomeDecoder {
  readonly source: 'bthome';
  /**
   * Turns one advertisement into readings. `mac` is the advertiser's address
   * ("A4:C1:38:8D:18:B2", any case, ":" or "-" or no separators);
   * `serviceData` is the service data of UUID 0xFCD2 after the UUID.
   * Never throws: what it cannot use is counted by reason.
   */
  handleAdvertisement(mac: string, serviceData: Uint8Array, rssi?: number): Reading[];
  /** Sets or removes a device's key (pairing in the page). Throws on a malformed key or MAC. */
  setKey(mac: string, key: string | Uint8Array | undefined): void;
  /** The last accepted encryption counter of a device, for the composition root to persist. */
  encryptionCounter(mac: string): number | undefined;
  /** Forgets a device's counter (after a battery change restarted it, by the household's decision). */
  resetEncryptionCounter(mac: string): void;
  /** Devices held per table; each at most the context's `maxDevices` (docs/esp32.md, "Bounded state"). */
  held(): { keys: number; counters: number; packets: number };
}

interface PacketState {
  id: number;
  at: number;
}

interface Item {
  name: string;
  value?: FieldValue;
  steps?: number;
}

export function parseFlags(info: number): BthomeFlags {
  return { encrypted: (info & 1) !== 0, macIncluded: (info & 2) !== 0, triggerBased: (info & 4) !== 0, version: info >> 5 };
}

/** "a4:c1:38:8d:18:b2" from any common spelling, or undefined. */
export function normalizeMac(mac: string): string | undefined {
  if (typeof mac !== 'string') return undefined;
  const hex = mac.replace(/[:-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) return undefined;
  return hex.replace(/(..)(?!$)/g, '$1:');
}

export function createBthome(config: BthomeConfig, context: SourceContext, crypto: Crypto): BthomeDecoder {
  const table = buildObjectTable();
  const packetWindow = config.packetIdWindowMs ?? 4000;
  const keys = new Map<string, Uint8Array>();
  const lastCounters = new Map<string, number>();
  /** Last packet id per device, least recently heard first; at most `limits.maxDevices` (see rememberPacket). */
  const packets = new Map<string, PacketState>();
  const { counters, gate, clock, limits } = context;

  const requireMac = (mac: string) => {
    const address = normalizeMac(mac);
    if (!address) throw new RangeError(`bthome: "${mac}" is not a MAC address (12 hex digits, ":" or "-" separated or not)`);
    return address;
  };
  const setKey = (mac: string, key: string | Uint8Array | undefined) => {
    const address = requireMac(mac);
    if (key === undefined) return void keys.delete(address);
    const bytes = typeof key === 'string' ? fromHex(key) : key;
    if (bytes.length !== 16) throw new RangeError(`bthome: the key of ${address} must be 16 bytes (32 hex digits), got ${bytes.length}`);
    if (!keys.has(address) && keys.size >= limits.maxDevices) {
      throw new RangeError(`bthome: ${limits.maxDevices} devices already have a key (the hub's device limit); remove the key of a device you no longer use before adding ${address}`);
    }
    keys.set(address, bytes.slice());
  };
  for (const [mac, key] of Object.entries(config.keys ?? {})) setKey(mac, key);
  for (const [mac, counter] of Object.entries(config.encryptionCounters ?? {})) {
    if (!Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) {
      throw new RangeError(`bthome: encryption counter of ${mac} must be an unsigned 32-bit integer, got ${counter}`);
    }
    lastCounters.set(requireMac(mac), counter);
  }
  if (lastCounters.size > limits.maxDevices) {
    throw new RangeError(`bthome: ${lastCounters.size} encryption counters given, more than the hub's ${limits.maxDevices} devices`);
  }

  function drop(reason: DropReason): Reading[] {
    counters.dropped(SOURCE, reason);
    return [];
  }

  /**
   * Remembers a device's packet id. The table holds at most `maxDevices`: a
   * new device finds room by forgetting the least recently heard one if its
   * id is older than the duplicate window (no check is lost), else it is
   * refused ("too-many-devices"), as the registry refuses it.
   */
  function rememberPacket(address: string, id: number): boolean {
    const now = clock.monotonic();
    if (!packets.delete(address) && packets.size >= limits.maxDevices) {
      const [oldest, state] = packets.entries().next().value as [string, PacketState];
      if (now - state.at <= packetWindow && now >= state.at) return false;
      packets.delete(oldest);
    }
    packets.set(address, { id, at: now });
    return true;
  }

  /** Keeps `address`'s counter; at `maxDevices`, forgets one of a device whose key was removed (it protects nothing). */
  function rememberCounter(address: string, counter: number): void {
    if (!lastCounters.has(address) && lastCounters.size >= limits.maxDevices) {
      for (const known of lastCounters.keys()) {
        if (keys.has(known)) continue;
        lastCounters.delete(known);
        break;
      }
    }
    lastCounters.set(address, counter);
  }

  function isDuplicate(address: string, id: number): boolean {
    const last = packets.get(address);
    if (!last || clock.monotonic() - last.at > packetWindow || clock.monotonic() < last.at) return false;
    const ahead = (id - last.id + 256) % 256;
    return ahead === 0 || ahead >= 64;
  }

  function decrypt(address: string, info: number, body: Uint8Array, key: Uint8Array): Uint8Array | DropReason {
    if (body.length < 2 + COUNTER_BYTES + MIC_BYTES) return 'truncated';
    const counterAt = body.length - COUNTER_BYTES - MIC_BYTES;
    const counterBytes = body.subarray(counterAt, counterAt + COUNTER_BYTES);
    const counter = (counterBytes[0]! | (counterBytes[1]! << 8) | (counterBytes[2]! << 16)) + counterBytes[3]! * 0x1000000;
    const last = lastCounters.get(address);
    if (last !== undefined && counter <= last) return 'replayed';
    // The UUID 0xFCD2 enters the nonce little-endian, as it is sent.
    const nonce = concat(fromHex(address.replace(/:/g, '')), new Uint8Array([0xd2, 0xfc, info]), counterBytes);
    const sealed = concat(body.subarray(0, counterAt), body.subarray(counterAt + COUNTER_BYTES));
    const opened = crypto.aesCcmOpen(key, nonce, sealed, new Uint8Array(0), MIC_BYTES);
    if (!opened) return 'bad-mic';
    rememberCounter(address, counter);
    config.onCounter?.(address, counter);
    return opened;
  }

  return {
    source: SOURCE,
    setKey,
    encryptionCounter: (mac) => lastCounters.get(requireMac(mac)),
    resetEncryptionCounter: (mac) => void lastCounters.delete(requireMac(mac)),
    held: () => ({ keys: keys.size, counters: lastCounters.size, packets: packets.size }),
    handleAdvertisement(mac: string, serviceData: Uint8Array, rssi?: number): Reading[] {
      counters.received(SOURCE);
      let address = normalizeMac(mac);
      if (!address) return drop('bad-mac');
      if (!(serviceData instanceof Uint8Array) || serviceData.length < 1) return drop('truncated');
      const info = serviceData[0]!;
      const flags = parseFlags(info);
      if (flags.version !== 2) return drop('bad-version');
      let at = 1;
      if (flags.macIncluded) {
        if (serviceData.length < 7) return drop('truncated');
        // Devices with random BLE addresses name themselves here; the nonce uses this MAC.
        address = normalizeMac(toHex(serviceData.slice(1, 7).reverse()))!;
        at = 7;
      }
      const device = `bthome:${address}`;
      if (!gate.admit(device)) return drop('rate-limited');
      const key = keys.get(address);
      let payload: Uint8Array;
      if (flags.encrypted) {
        if (!key) return drop('no-key');
        const opened = decrypt(address, info, serviceData.subarray(at), key);
        if (typeof opened === 'string') return drop(opened);
        payload = opened;
      } else {
        if (key) return drop('downgrade');
        payload = serviceData.subarray(at);
      }

      const items: Item[] = [];
      let packetId: number | undefined;
      let problem: DropReason | undefined;
      for (let i = 0; i < payload.length; ) {
        const spec: ObjectSpec | undefined = table[payload[i]!];
        if (!spec) {
          problem = 'unknown-object-id';
          break;
        }
        let start = i + 1;
        let length = spec.bytes;
        if (spec.kind === 'text' || spec.kind === 'raw') {
          if (start >= payload.length) {
            problem = 'truncated';
            break;
          }
          length = payload[start]!;
          start++;
        }
        if (start + length > payload.length) {
          problem = 'truncated';
          break;
        }
        const bytes = payload.subarray(start, start + length);
        i = start + length;
        switch (spec.kind) {
          case 'packet':
            packetId = bytes[0]!;
            break;
          case 'number':
          case 'timestamp':
            items.push({ name: spec.name, value: scaleValue(spec, readInteger(bytes, spec.signed)) });
            break;
          case 'binary':
            items.push({ name: spec.name, value: bytes[0] !== 0 });
            break;
          case 'button': {
            const event = BUTTON_EVENTS[bytes[0]!];
            if (event === undefined && bytes[0] !== 0) counters.dropped(SOURCE, 'bad-value');
            items.push(event === undefined ? { name: spec.name } : { name: spec.name, value: event });
            break;
          }
          case 'dimmer': {
            const event = DIMMER_EVENTS[bytes[0]!];
            if (event === undefined && bytes[0] !== 0) counters.dropped(SOURCE, 'bad-value');
            items.push(event === undefined ? { name: spec.name } : { name: spec.name, value: event, steps: readInteger(bytes.subarray(1), true) });
            break;
          }
          case 'text':
            if (length === 0) break;
            try {
              items.push({ name: spec.name, value: fromUtf8(bytes) });
            } catch {
              counters.dropped(SOURCE, 'invalid-utf8');
              items.push({ name: spec.name });
            }
            break;
          case 'raw':
            if (length > 0) items.push({ name: spec.name, value: toHex(bytes) });
            break;
          case 'info':
            break;
        }
      }
      if (problem) counters.dropped(SOURCE, problem);
      if (packetId !== undefined) {
        if (isDuplicate(address, packetId)) return drop('duplicate');
        if (!rememberPacket(address, packetId)) return drop('too-many-devices');
      }

      const fields: FieldList = [];
      const total = new Map<string, number>();
      for (const item of items) total.set(item.name, (total.get(item.name) ?? 0) + 1);
      const seen = new Map<string, number>();
      for (const item of items) {
        const nth = (seen.get(item.name) ?? 0) + 1;
        seen.set(item.name, nth);
        const name = total.get(item.name)! > 1 ? `${item.name}_${nth}` : item.name;
        if (item.value === undefined) continue;
        fields.push([name, item.value]);
        if (item.steps !== undefined) fields.push([`${name}_steps`, item.steps]);
      }
      if (config.includeRssi && typeof rssi === 'number' && Number.isFinite(rssi)) fields.push(['rssi', rssi]);
      return emitReadings(context, SOURCE, device, fields);
    },
  };
}

/** Little-endian integer of 1..4 bytes. */
function readInteger(bytes: Uint8Array, signed: boolean): number {
  let value = 0;
  for (let k = bytes.length - 1; k >= 0; k--) value = value * 256 + bytes[k]!;
  if (signed && bytes.length > 0 && value >= 2 ** (8 * bytes.length - 1)) value -= 2 ** (8 * bytes.length);
  return value;
}

