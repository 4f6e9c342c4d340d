/**
 * Wall-clock time from SNTP (Moddable's `sntp` module), with fail-over
 * between servers and a slow retry when none answers. Until time is known
 * the host's clock reports `undefined` (anything before 2024 is treated as
 * unknown), records carry boot count + monotonic time, and the boot report
 * says "time unknown". Re-syncs daily to bound drift of the RTC.
 */
import SNTP from 'sntp';
import Time from 'time';
import type { Logger, TimerHandle, Timers } from '../../modules/host.js';
import type { BootSupervisor } from '../../modules/boot.js';

export interface TimeSyncOptions {
  servers?: string[];
  retryMs?: number;
  resyncMs?: number;
}

export function startTimeSync(powers: { timers: Timers; log: Logger; supervisor: BootSupervisor }, options: TimeSyncOptions = {}): { syncNow(): void } {
  const servers = options.servers ?? ['pool.ntp.org', 'time.google.com', 'time.cloudflare.com'];
  const retryMs = options.retryMs ?? 5 * 60_000;
  const resyncMs = options.resyncMs ?? 24 * 3_600_000;
  const { timers, log, supervisor } = powers;
  let next: TimerHandle | undefined;
  let busy = false;

  const schedule = (ms: number) => {
    timers.clear(next);
    next = timers.set(syncNow, ms);
  };

  function syncNow(): void {
    if (busy) return;
    busy = true;
    let index = 0;
    new SNTP({ host: servers[0]! }, (message, value) => {
      if (message === SNTP.time) {
        busy = false;
        Time.set(value as number);
        supervisor.resolved('time');
        log.info('sntp: time set', { server: servers[index], seconds: value });
        schedule(resyncMs);
      } else if (message === SNTP.error) {
        index++;
        if (index < servers.length) return servers[index]; // the SNTP client tries the next server
        busy = false;
        supervisor.problem({
          component: 'time',
          code: 'time-unknown',
          message: `no SNTP server answered (${servers.join(', ')}); records are ordered by boot and uptime until time is known`,
          action: 'allow outgoing UDP port 123, or set other servers in the hub settings',
        });
        schedule(retryMs);
      }
      return undefined;
    });
  }

  return { syncNow };
}
