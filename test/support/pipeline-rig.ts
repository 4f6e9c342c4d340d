/** A pipeline wired to a test host, collecting what it emits. */
import type { Contract } from '../../modules/contract/types.js';
import { Keyring } from '../../modules/keyring.js';
import type { FieldValue, Reading } from '../../modules/reading.js';
import { ConsentBook } from '../../modules/pipeline/consent.js';
import { Counters } from '../../modules/pipeline/counters.js';
import type { MinimizedRecord } from '../../modules/pipeline/encode.js';
import { createPipeline } from '../../modules/pipeline/pipeline.js';
import { makeTestHost } from './test-host.js';

export interface Emitted {
  integration: string;
  payload: Uint8Array;
  record: MinimizedRecord;
}

export function makeRig(contracts: Contract[], options: { wallTime?: number | undefined; sink?: (e: Emitted) => void } = {}) {
  const host = makeTestHost('wallTime' in options ? { wallTime: options.wallTime } : {});
  if ('wallTime' in options && options.wallTime === undefined) host.clock.setWallTime(undefined);
  const keyring = new Keyring(host);
  const consent = new ConsentBook(host);
  const counters = new Counters();
  const emitted: Emitted[] = [];
  const pipeline = createPipeline({
    crypto: host.crypto,
    keyring,
    clock: host.clock,
    contracts,
    consent,
    counters,
    onRecord: (integration, payload, record) => (options.sink ?? ((e: Emitted) => void emitted.push(e)))({ integration, payload, record }),
  });
  const reading = (device: string, stream: string, fields: Record<string, FieldValue>): Reading => {
    const wall = host.clock.wallTime();
    return { device, stream, time: wall === undefined ? { boot: host.clock.bootCount, mono: host.clock.monotonic() } : { wall, boot: host.clock.bootCount, mono: host.clock.monotonic() }, fields };
  };
  return { host, keyring, consent, counters, emitted, pipeline, reading };
}
