/**
 * The live console view of `airlock run`: per integration, what was produced,
 * forwarded, buffered and dropped (by reason), and its service-level state.
 * Redrawn in place on a terminal; on a pipe, one compact line per interval.
 */
import type { MonitorSnapshot } from '../../modules/monitor/status.js';

const pad = (text: string | number, width: number, left = false) => (left ? String(text).padEnd(width) : String(text).padStart(width));

export function renderSummary(snapshot: MonitorSnapshot, extra: string[] = [], color = false): string {
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const h = snapshot.hub;
  const lines = [
    paint('1', `Airlock hub ${h.hubId}`) +
      `  uptime ${h.uptimeS}s  boot #${h.bootCount}  uplink ${h.uplink}  readings ${h.readingsReceived}  malformed ${h.malformedInputs}` +
      `  audit #${h.auditHeadSeq ?? '-'}`,
    '',
    paint('1', `${pad('integration', 16, true)} ${pad('state', 9, true)} ${pad('produced', 9)} ${pad('forwarded', 9)} ${pad('buffered', 9)} ${pad('dropped q/r/c/p/consent', 24)} ${pad('retried', 7)} ${pad('oldest', 7)}  service levels`),
  ];
  for (const i of snapshot.integrations) {
    const d = i.dropped;
    const state = i.connectivity === 'online' ? paint('32', pad('online', 9, true)) : i.connectivity === 'degraded' ? paint('33', pad('degraded', 9, true)) : paint('31', pad('offline', 9, true));
    const levels = i.slaViolations > 0 ? paint('33', `${i.slaViolations} violation(s)`) : 'met';
    const flags = [i.pendingApproval ? 'change pending' : '', i.auditOverdue ? 'audit overdue' : '', i.openIncidents ? `${i.openIncidents} incident(s)` : ''].filter(Boolean).join(', ');
    lines.push(
      `${pad(i.id, 16, true)} ${state} ${pad(i.received, 9)} ${pad(i.forwarded, 9)} ${pad(i.bufferedRecords, 9)} ${pad(`${d.quota}/${d.retention}/${d.corrupt}/${d.purged}/${d.consent}`, 24)} ${pad(i.retried, 7)} ${pad(i.oldestBufferedAgeS === null ? '-' : `${i.oldestBufferedAgeS}s`, 7)}  ${levels}${flags ? `  [${flags}]` : ''}`,
    );
    if (i.lastError && i.connectivity !== 'online') lines.push(paint('2', `${' '.repeat(17)}last error: ${i.lastError}`));
  }
  if (snapshot.integrations.length === 0) lines.push('(no integrations configured)');
  return [...lines, '', ...extra].join('\n');
}

export function oneLine(snapshot: MonitorSnapshot): string {
  return (
    `airlock ${snapshot.hub.hubId}: readings ${snapshot.hub.readingsReceived}; ` +
    snapshot.integrations.map((i) => `${i.id} ${i.connectivity} produced ${i.received} forwarded ${i.forwarded} buffered ${i.bufferedRecords}`).join('; ')
  );
}

/** Redraws `render()` every `intervalMs`; returns a function that stops. */
export function liveSummary(render: () => string, line: () => string, intervalMs = 1000): () => void {
  const tty = process.stdout.isTTY;
  const draw = () => {
    if (tty) process.stdout.write(`\x1b[H\x1b[2J${render()}\n`);
    else process.stdout.write(`${line()}\n`);
  };
  // On a pipe, the full view once (addresses, setup code), then compact lines.
  if (!tty) process.stdout.write(`${render().replace(/\x1b\[[0-9;]*m/g, '')}\n`);
  else draw();
  const timer = setInterval(draw, tty ? intervalMs : Math.max(intervalMs, 10_000));
  return () => clearInterval(timer);
}
