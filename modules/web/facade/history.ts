// The page's counters charts: samples of each integration's cumulative counters.

export interface CounterSample {
  /** ISO time of the sample. */
  at: string;
  /** Per integration id: the cumulative counters at that time. */
  integrations: Record<
    string,
    { received: number; forwarded: number; dropped: number; retried: number; bufferedRecords: number }
  >;
}

export interface CounterHistory {
  /** Seconds between samples. */
  intervalS: number;
  /** The ring's capacity (oldest samples fall off). */
  capacity: number;
  /** Oldest first. */
  samples: CounterSample[];
}

export interface HistoryFacade {
  counterHistory(): CounterHistory;
}
