/**
 * The counters history: a bounded ring of samples of each integration's
 * cumulative counters, taken with the Timers capability, for the page's
 * charts. `stop()` clears the timer.
 */
import type { TimerHandle, Timers } from '../../host.js';
import { DROP_REASONS } from '../../monitor/status.js';
import type { CounterHistory, CounterSample, HistoryFacade } from '../../web/facade/history.js';
import type { FacadeContext } from './context.js';

export interface HistoryOptions {
  timers: Timers;
  /** Seconds between counter samples. */
  sampleIntervalS: number;
  /** Samples kept. */
  historyCapacity: number;
}

export interface HistoryArea extends HistoryFacade {
  stop(): void;
}

interface Sample {
  wall: number | undefined;
  boot: number;
  mono: number;
  integrations: CounterSample['integrations'];
}

export function createHistoryArea({ hub, clock, isoOf }: FacadeContext, options: HistoryOptions): HistoryArea {
  const { timers, sampleIntervalS: intervalS, historyCapacity: capacity } = options;
  const samples: Sample[] = [];

  function sample(): void {
    const integrations: CounterSample['integrations'] = {};
    for (const s of hub.snapshot().integrations) {
      let dropped = 0;
      for (const reason of DROP_REASONS) dropped += s.dropped[reason];
      integrations[s.id] = { received: s.received, forwarded: s.forwarded, dropped, retried: s.retried, bufferedRecords: s.bufferedRecords };
    }
    samples.push({ wall: clock.wallTime(), boot: clock.bootCount, mono: clock.monotonic(), integrations });
    while (samples.length > capacity) samples.shift();
  }

  sample();
  let timer: TimerHandle | undefined = timers.repeat(sample, intervalS * 1000);

  return {
    counterHistory(): CounterHistory {
      const out: CounterSample[] = [];
      for (const s of samples) {
        const at = isoOf({ wall: s.wall, boot: s.boot, mono: s.mono });
        if (at === null) continue; // taken before the hub knew the time, in an earlier boot: cannot be placed
        out.push({ at, integrations: JSON.parse(JSON.stringify(s.integrations)) as CounterSample['integrations'] });
      }
      return { intervalS, capacity, samples: out };
    },

    stop() {
      timers.clear(timer);
      timer = undefined;
    },
  };
}

