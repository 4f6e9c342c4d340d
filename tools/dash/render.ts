/** Renders the fleet as plain-text tables; colour only when the terminal supports it. */
import { totals, type Fleet, type HubView } from './fleet.js';
import { terminalSafe } from './terminal-text.js';

export interface Style {
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export const plain: Style = { bad: (s) => s, warn: (s) => s, dim: (s) => s, bold: (s) => s };
export const ansi: Style = {
  bad: (s) => `\x1b[31m${s}\x1b[0m`,
  warn: (s) => `\x1b[33m${s}\x1b[0m`,
  dim: (s) => `\x1b[2m${s}\x1b[0m`,
  bold: (s) => `\x1b[1m${s}\x1b[0m`,
};

function table(header: string[], cells: string[][], style: Style, mark: (row: number) => 'bad' | 'warn' | undefined): string[] {
  // Every cell holds text some publisher chose: made safe here, before widths and styling.
  const rows = cells.map((r) => r.map(terminalSafe));
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [style.bold(line(header)), ...rows.map((r, i) => {
    const text = line(r);
    const m = mark(i);
    return m ? style[m](text) : text;
  })];
}

export function renderFleet(fleet: Fleet, style: Style = plain): string {
  const hubs = [...fleet.hubs.values()].sort((a, b) => a.hubId.localeCompare(b.hubId));
  if (hubs.length === 0) return 'no Airlock hubs seen yet (waiting for airlock/+/status and state topics)';
  const rows = hubs.map((hub, n) => {
    const t = totals(hub);
    return [`${n + 1}. ${hub.hubId}`, hub.online ? 'online' : 'OFFLINE', String(hub.hub.uplink ?? '?'), String(hub.integrations.size), String(t.forwarded), String(t.buffered), String(t.dropped), String(t.violations), String(t.incidents)];
  });
  return table(['hub', 'status', 'uplink', 'integr.', 'forwarded', 'buffered', 'dropped', 'SLA viol.', 'incidents'], rows, style, (i) => {
    const hub = hubs[i]!;
    const t = totals(hub);
    if (!hub.online) return 'bad';
    return t.violations > 0 || t.offlineIntegrations > 0 || t.incidents > 0 ? 'warn' : undefined;
  }).join('\n');
}

export function renderHub(hub: HubView, style: Style = plain): string {
  const safe = terminalSafe;
  const head = `${style.bold(`hub ${safe(hub.hubId)}`)}  ${hub.online ? 'online' : style.bad('OFFLINE')}  uplink ${safe(hub.hub.uplink ?? '?')}  ` +
    `readings ${safe(hub.hub.readings_received ?? 0)}  malformed ${safe(hub.hub.malformed_inputs ?? 0)}  audit head #${safe(hub.hub.audit_head_seq ?? '-')}`;
  const ids = [...hub.integrations.keys()].sort();
  const rows = ids.map((id) => {
    const i = hub.integrations.get(id)!;
    return [id, String(i.connectivity ?? '?'), String(i.received ?? 0), String(i.forwarded ?? 0), String(i.buffered_records ?? 0),
      `${i.dropped_quota ?? 0}/${i.dropped_retention ?? 0}/${i.dropped_corrupt ?? 0}/${i.dropped_purged ?? 0}`,
      String(i.retried ?? 0), i.oldest_buffered_age_s == null ? '-' : `${i.oldest_buffered_age_s}s`, String(i.sla_violations ?? 0),
      String(i.last_error ?? '')];
  });
  const body = table(['integration', 'state', 'received', 'forwarded', 'buffered', 'dropped q/r/c/p', 'retried', 'oldest', 'SLA viol.', 'last error'], rows, style, (r) => {
    const i = hub.integrations.get(ids[r]!)!;
    if (i.connectivity === 'offline') return 'bad';
    return i.connectivity === 'degraded' || Number(i.sla_violations) > 0 ? 'warn' : undefined;
  });
  return [head, '', ...body].join('\n');
}
