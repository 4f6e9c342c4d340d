/**
 * BLE frames on the desktop: a replay file of BTHome advertisements, one
 * JSON object per line: {"mac": "A4:C1:38:8D:18:B2", "data": "<hex>", "rssi": -60}
 * where `data` is the service data of UUID 0xFCD2 after the UUID (what
 * the ESP32's BLE scanner hands the BTHome decoder). Lines that are not
 * such objects are counted and skipped, with their line numbers.
 */
import { readFileSync } from 'node:fs';
import { fromHex } from '../../modules/bytes.js';
import type { Reading } from '../../modules/reading.js';
import type { BthomeDecoder } from '../../modules/sources/bthome.js';

export interface ReplayFrame {
  mac: string;
  data: Uint8Array;
  rssi?: number;
}

export interface ReplayFile {
  frames: ReplayFrame[];
  /** 1-based line numbers of lines that are neither blank nor a valid frame. */
  badLines: number[];
}

export function parseReplay(text: string): ReplayFile {
  const frames: ReplayFrame[] = [];
  const badLines: number[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const value = JSON.parse(line) as { mac?: unknown; data?: unknown; rssi?: unknown };
      if (typeof value.mac !== 'string' || typeof value.data !== 'string') throw new Error('mac and data must be strings');
      const frame: ReplayFrame = { mac: value.mac, data: fromHex(value.data) };
      if (typeof value.rssi === 'number' && Number.isFinite(value.rssi)) frame.rssi = value.rssi;
      frames.push(frame);
    } catch {
      badLines.push(index + 1);
    }
  });
  return { frames, badLines };
}

export function readReplayFile(path: string): ReplayFile {
  return parseReplay(readFileSync(path, 'utf8'));
}

/** Feeds frames to the decoder in order; returns every reading produced. */
export function replayFrames(frames: readonly ReplayFrame[], decoder: BthomeDecoder, onReadings?: (readings: Reading[]) => void): Reading[] {
  const all: Reading[] = [];
  for (const frame of frames) {
    const readings = decoder.handleAdvertisement(frame.mac, frame.data, frame.rssi);
    if (readings.length > 0) {
      all.push(...readings);
      onReadings?.(readings);
    }
  }
  return all;
}

/** One replay line for a frame (the simulator writes demo files with it). */
export function replayLine(mac: string, data: Uint8Array, rssi?: number): string {
  return JSON.stringify(rssi === undefined ? { mac, data: Buffer.from(data).toString('hex') } : { mac, data: Buffer.from(data).toString('hex'), rssi });
}
