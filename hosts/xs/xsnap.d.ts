// The parts of @agoric/xsnap's JavaScript API this project uses.
declare module '@agoric/xsnap' {
  import type { spawn } from 'node:child_process';
  export interface MeterUsage {
    compute: number | null;
    allocate: number | null;
    currentHeapCount: number | null;
  }
  export interface XSnapWorker {
    evaluate(code: string): Promise<{ meterUsage: MeterUsage }>;
    close(): Promise<void>;
    terminate(): Promise<void>;
  }
  export function xsnap(options: {
    os: string;
    spawn: typeof spawn;
    fs?: unknown;
    name?: string;
    stdout?: 'ignore' | 'inherit' | 'pipe';
    stderr?: 'ignore' | 'inherit' | 'pipe';
    meteringLimit?: number;
    handleCommand?: (request: Uint8Array) => Promise<Uint8Array> | Uint8Array;
  }): Promise<XSnapWorker>;
}
