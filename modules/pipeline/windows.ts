/**
 * Aggregation windows for the `aggregate` transform. One window per
 * integration, stream, device and window length, aligned to multiples of the
 * length (so 15-minute windows start on the quarter hour). A window lives in
 * one time domain: wall time when the reading had it, otherwise the boot it
 * happened in (monotonic time restarts at boot, so such a window cannot
 * outlive its boot). It closes when a reading for it arrives past its end, when
 * `closeDue` finds it over, or when its purpose's consent is withdrawn
 * (discarded, not emitted).
 */
import type { Stamp } from '../reading.js';
import { floorTo } from './transforms.js';

export type AggregateFunction = 'mean' | 'min' | 'max' | 'sum' | 'count';

interface Accumulator {
  fn: AggregateFunction;
  purpose: string;
  n: number;
  sum: number;
  min: number;
  max: number;
}

export interface Window<Owner> {
  owner: Owner;
  integration: string;
  device: string;
  windowMs: number;
  /** "wall", or the boot number for monotonic windows. */
  domain: 'wall' | number;
  start: number;
  end: number;
  fields: Map<string, Accumulator>;
}

export interface ClosedField {
  name: string;
  purpose: string;
  value: number;
}

/**
 * Open windows are bounded: past this many, the oldest is closed early (its
 * aggregate leaves, over a shorter span) rather than memory growing. The hub's
 * device limit (256) with one aggregated stream each.
 */
export const MAX_OPEN_WINDOWS = 256;

export interface WindowsOptions {
  maxOpen?: number;
  /** Called for each window closed early to make room (the pipeline counts it). */
  onClosedEarly?: () => void;
}

export class Windows<Owner> {
  readonly #open = new Map<string, Window<Owner>>();
  readonly #emit: (window: Window<Owner>, fields: ClosedField[]) => void;
  readonly #maxOpen: number;
  readonly #onClosedEarly: (() => void) | undefined;

  constructor(emit: (window: Window<Owner>, fields: ClosedField[]) => void, options: WindowsOptions = {}) {
    this.#emit = emit;
    this.#maxOpen = options.maxOpen ?? MAX_OPEN_WINDOWS;
    this.#onClosedEarly = options.onClosedEarly;
  }

  get size(): number {
    return this.#open.size;
  }

  add(
    owner: Owner,
    key: string,
    at: { integration: string; device: string; time: Stamp },
    field: { name: string; purpose: string; fn: AggregateFunction; windowMs: number },
    value: number,
  ): void {
    const domain = at.time.wall !== undefined ? 'wall' : at.time.boot;
    const now = at.time.wall ?? at.time.mono;
    const id = `${key}\u0000${at.device}\u0000${field.windowMs}`;
    let window = this.#open.get(id);
    if (window && (window.domain !== domain || now >= window.end || now < window.start)) {
      this.#close(id, window);
      window = undefined;
    }
    if (!window) {
      if (this.#open.size >= this.#maxOpen) {
        const [oldestId, oldest] = this.#open.entries().next().value as [string, Window<Owner>];
        this.#close(oldestId, oldest);
        this.#onClosedEarly?.();
      }
      const start = floorTo(now, field.windowMs);
      window = { owner, integration: at.integration, device: at.device, windowMs: field.windowMs, domain, start, end: start + field.windowMs, fields: new Map() };
      this.#open.set(id, window);
    }
    let acc = window.fields.get(field.name);
    if (!acc) {
      acc = { fn: field.fn, purpose: field.purpose, n: 0, sum: 0, min: Infinity, max: -Infinity };
      window.fields.set(field.name, acc);
    }
    acc.n++;
    acc.sum += value;
    if (value < acc.min) acc.min = value;
    if (value > acc.max) acc.max = value;
  }

  /** Closes every window whose end has passed by the clock's reading. */
  closeDue(wall: number | undefined, boot: number, mono: number): void {
    for (const [id, window] of [...this.#open]) {
      const due = window.domain === 'wall' ? wall !== undefined && wall >= window.end : window.domain !== boot || mono >= window.end;
      if (due) this.#close(id, window);
    }
  }

  /** Forgets what was gathered for a purpose whose consent was withdrawn. */
  discard(integration: string, purpose: string): void {
    for (const [id, window] of [...this.#open]) {
      if (window.integration !== integration) continue;
      for (const [name, acc] of [...window.fields]) if (acc.purpose === purpose) window.fields.delete(name);
      if (window.fields.size === 0) this.#open.delete(id);
    }
  }

  #close(id: string, window: Window<Owner>): void {
    this.#open.delete(id);
    const fields: ClosedField[] = [];
    for (const [name, acc] of window.fields) fields.push({ name, purpose: acc.purpose, value: result(acc) });
    if (fields.length > 0) this.#emit(window, fields);
  }
}

function result(acc: Accumulator): number {
  switch (acc.fn) {
    case 'mean':
      return acc.sum / acc.n;
    case 'min':
      return acc.min;
    case 'max':
      return acc.max;
    case 'sum':
      return acc.sum;
    case 'count':
      return acc.n;
  }
}
