/**
 * Runs inside XS: measures the engine's deterministic meter (the count of
 * bytecode steps xsnap charges) per call of `fn`. Same code, same count, on
 * any machine however loaded: the figures the bench prefers.
 */
declare const resetMeter: (limit: number, index: number) => number;
declare const issueCommand: (message: ArrayBuffer) => ArrayBuffer;

const results: Record<string, number> = {};

export function measure(name: string, fn: () => unknown, iterations = 100): number {
  fn(); // warm: first-call costs (lazy initialisation) are not per-record costs
  resetMeter(0, 0);
  for (let i = 0; i < iterations; i++) fn();
  const perCall = Math.round(resetMeter(0, 0) / iterations);
  results[name] = perCall;
  return perCall;
}

export function record(name: string, value: number): void {
  results[name] = value;
}

export function done(): void {
  issueCommand(new TextEncoder().encode(JSON.stringify(results)).buffer as ArrayBuffer);
}
