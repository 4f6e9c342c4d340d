export interface BenchRow {
  /** Flat key in bench-results.json, e.g. "crypto.xs.meterPerHmac64". */
  key: string;
  value: number;
  unit: string;
  /** The target, as text ("<= 25000"), when it states one. */
  target?: string;
  note?: string;
}

/** Median of repeated samples: the machines are shared and noisy. */
export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nanoseconds per call of `fn` on Node: median of `rounds` timed batches. */
export function nodeNanosPerCall(fn: () => unknown, iterations = 2000, rounds = 7): number {
  for (let i = 0; i < iterations / 4; i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return Math.round(median(samples));
}
