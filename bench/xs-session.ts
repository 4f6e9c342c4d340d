/**
 * One long-lived xsnap machine for benches that need more than bench/xs.ts's
 * single pass: several steps in the same heap, each with its meter count
 * (xsnap's `compute`), the live slot count after it (`currentHeapCount`) and
 * its wall time seen from Node.
 */
// @agoric/xsnap's wrapper needs SES (hardened JavaScript) initialised before it loads.
import '@endo/init';
import { spawn } from 'node:child_process';
import { type } from 'node:os';
import { xsnap } from '@agoric/xsnap';

export interface StepResult {
  /** Meter units the step's evaluation cost (includes the promise jobs it ran). */
  compute: number;
  /** Live slots after the step. */
  heapSlots: number;
  /** Chunk bytes xsnap reports as allocated (strings, buffers, array storage). */
  allocate: number;
  ms: number;
}

export interface XsSession {
  step(code: string): Promise<StepResult>;
  close(): Promise<void>;
}

export async function openXsSession(name: string, script: string): Promise<XsSession> {
  const worker = await xsnap({ os: type(), spawn, fs: {}, name, stdout: 'inherit', stderr: 'inherit', meteringLimit: 0, handleCommand: () => new Uint8Array() });
  const step = async (code: string): Promise<StepResult> => {
    const start = performance.now();
    const { meterUsage } = await worker.evaluate(code);
    const ms = performance.now() - start;
    return { compute: Number(meterUsage.compute ?? 0), heapSlots: Number(meterUsage.currentHeapCount ?? 0), allocate: Number(meterUsage.allocate ?? 0), ms };
  };
  try {
    await step(script);
  } catch (error) {
    await worker.close().catch(() => worker.terminate());
    throw error;
  }
  return {
    step,
    close: async () => {
      await worker.close().catch(() => worker.terminate());
    },
  };
}
