/**
 * Messages a vendor sends on its command topic (named in its contract),
 * authenticated with HMAC-SHA256 under a per-integration command key that
 * the hub shares with the vendor at setup (`keyring.hubKey('cmd:' + id)`).
 *
 * Payload (UTF-8 JSON):  {"body": "<JSON text>", "mac": "<hex HMAC-SHA256(commandKey, UTF-8 body)>"}
 * Body:                  {"id": "<unique message id>", "type": ..., ...}
 *   incident.report    {title, description?, categories?, discoveredAt? (ISO or ms), ref?}
 *   incident.notified  {incident, note?}
 *   incident.resolved  {incident, actionsTaken}
 *   data.request       {stream, fields: string[]}
 *
 * The MAC is over the body's exact bytes, so no canonical form is needed.
 * Forged, replayed or malformed messages are refused and counted by reason;
 * a request for data the contract does not cover is refused, counted,
 * alerted and audited. Forged messages are audited and alerted at most once
 * an hour per integration, so a flood cannot rotate the audit log away.
 *
 * Replay memory: the last REPLAY_MEMORY message ids per integration (as
 * SHA-256 prefixes), and with a `store` the last REPLAY_KEPT of them survive
 * a reboot (one small entry per integration, written once per accepted
 * command: commands are rare). A vendor must never reuse an id.
 */
import { fromHex, fromUtf8, toHex, utf8 } from '../bytes.js';
import type { Contract } from '../contract/types.js';
import type { Clock, Crypto, KeyValueStore } from '../host.js';
import type { AuditLog } from './log.js';
import type { IncidentDesk } from './incidents.js';
import type { AlertSink } from './signals.js';
import { elapsedMs, HOUR_MS, stampNow } from './time.js';
import type { Stamp } from '../reading.js';
import { constantTimeEqual } from '../constant-time.js';

export type CommandRefusal = 'malformed' | 'forged' | 'replayed' | 'unknown-type' | 'no-key' | 'out-of-contract' | 'invalid-step';

export type CommandOutcome =
  | { ok: true; type: string; incident?: string }
  | { ok: false; reason: CommandRefusal; detail: string };

export interface VendorCommandPowers {
  crypto: Crypto;
  clock: Clock;
  audit: AuditLog;
  incidents: IncidentDesk;
  /** The integration's command key (e.g. `keyring.hubKey('cmd:' + integration)`), undefined when it has none. */
  commandKey: (integration: string) => Uint8Array | undefined;
  contract: (integration: string) => Contract | undefined;
  /** A data request within the contract; the pipeline decides what to send. */
  onDataRequest?: (integration: string, request: { stream: string; fields: string[] }) => void;
  onAlert?: AlertSink;
  /** Keeps the replay memory across reboots. */
  store?: KeyValueStore;
}

const REPLAY_MEMORY = 64;
/** Ids kept across reboots per integration: 32 x 17 bytes, small enough for the board's 16 KB NVS. */
const REPLAY_KEPT = 32;
const STORE_DOMAIN = 'vcmd';

export class VendorCommands {
  readonly #p: VendorCommandPowers;
  readonly #seen = new Map<string, string[]>();
  readonly #lastForgedAudit = new Map<string, Stamp>();
  readonly #refused = new Map<string, number>();
  #accepted = 0;

  constructor(powers: VendorCommandPowers) {
    this.#p = powers;
  }

  /** Counters: accepted, and refused by reason ("refused.forged", ...). */
  counters(): Record<string, number> {
    const out: Record<string, number> = { accepted: this.#accepted };
    for (const [reason, n] of this.#refused) out[`refused.${reason}`] = n;
    return out;
  }

  handle(integration: string, payload: Uint8Array): CommandOutcome {
    const key = this.#p.commandKey(integration);
    if (!key) return this.#refuse(integration, 'no-key', `"${integration}" has no command key; set one up before the vendor sends commands`);
    let envelope: { body?: unknown; mac?: unknown };
    try {
      envelope = JSON.parse(fromUtf8(payload)) as typeof envelope;
    } catch {
      return this.#refuse(integration, 'malformed', 'the payload is not UTF-8 JSON {"body": "...", "mac": "..."}');
    }
    if (typeof envelope?.body !== 'string' || typeof envelope.mac !== 'string' || !/^[0-9a-fA-F]{64}$/.test(envelope.mac)) {
      return this.#refuse(integration, 'malformed', 'the envelope needs "body" (a JSON string) and "mac" (64 hex digits)');
    }
    const expected = this.#p.crypto.hmacSha256(key, utf8(envelope.body));
    if (!constantTimeEqual(expected, fromHex(envelope.mac))) return this.#forged(integration);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(envelope.body) as Record<string, unknown>;
    } catch {
      return this.#refuse(integration, 'malformed', '"body" is not JSON');
    }
    if (typeof body !== 'object' || body === null || typeof body.id !== 'string' || !body.id || typeof body.type !== 'string') {
      return this.#refuse(integration, 'malformed', 'the body needs "id" (a unique message id) and "type"');
    }
    const seen = this.#seenFor(integration);
    const digest = this.#idDigest(body.id);
    if (seen.includes(digest)) return this.#refuse(integration, 'replayed', `message id "${body.id}" was already handled`);
    const outcome = this.#dispatch(integration, body);
    if (outcome.ok) {
      seen.push(digest);
      if (seen.length > REPLAY_MEMORY) seen.shift();
      this.#accepted++;
      this.#saveSeen(integration, seen);
    }
    return outcome;
  }

  /** A short, fixed-size stand-in for a message id (ids are the vendor's, of any length). */
  #idDigest(id: string): string {
    return toHex(this.#p.crypto.sha256(utf8(id))).slice(0, 16);
  }

  #storeKey(integration: string): string {
    return `r${toHex(this.#p.crypto.sha256(utf8(integration))).slice(0, 12)}`;
  }

  #seenFor(integration: string): string[] {
    let seen = this.#seen.get(integration);
    if (seen) return seen;
    const raw = this.#p.store?.get(STORE_DOMAIN, this.#storeKey(integration));
    seen = typeof raw === 'string' ? raw.split(',').filter((d) => /^[0-9a-f]{16}$/.test(d)) : [];
    this.#seen.set(integration, seen);
    return seen;
  }

  #saveSeen(integration: string, seen: string[]): void {
    try {
      this.#p.store?.set(STORE_DOMAIN, this.#storeKey(integration), seen.slice(-REPLAY_KEPT).join(','));
    } catch {
      // The store failed: replays are still refused until the next reboot.
    }
  }

  #dispatch(integration: string, body: Record<string, unknown>): CommandOutcome {
    const actor = `vendor:${integration}`;
    const str = (name: string): string | undefined => (typeof body[name] === 'string' ? (body[name] as string) : undefined);
    try {
      switch (body.type) {
        case 'incident.report': {
          const title = str('title');
          if (!title) return this.#refuse(integration, 'malformed', 'incident.report needs "title"');
          const discoveredAt = typeof body.discoveredAt === 'number' ? body.discoveredAt : str('discoveredAt') !== undefined ? Date.parse(str('discoveredAt')!) : undefined;
          if (discoveredAt !== undefined && !(Number.isFinite(discoveredAt) && Math.abs(discoveredAt) <= 8.64e15)) {
            return this.#refuse(integration, 'malformed', '"discoveredAt" must be an ISO date-time or epoch ms within the Date range');
          }
          const categories = Array.isArray(body.categories) ? body.categories.filter((c): c is string => typeof c === 'string') : undefined;
          const report: Parameters<IncidentDesk['report']>[0] = { integration, reportedBy: 'vendor', title };
          const description = str('description');
          if (description !== undefined) report.description = description;
          if (categories) report.categories = categories;
          if (discoveredAt !== undefined) report.discoveredAt = discoveredAt;
          const ref = str('ref');
          if (ref !== undefined) report.vendorRef = ref;
          const incident = this.#p.incidents.report(report);
          return { ok: true, type: body.type, incident: incident.id };
        }
        case 'incident.notified':
        case 'incident.resolved': {
          const id = str('incident');
          const incident = id === undefined ? undefined : this.#p.incidents.get(id);
          if (!incident || incident.integration !== integration) return this.#refuse(integration, 'invalid-step', `no incident "${id}" of ${integration}`);
          if (body.type === 'incident.notified') this.#p.incidents.markNotified(incident.id, actor, str('note') ?? '');
          else this.#p.incidents.resolve(incident.id, actor, str('actionsTaken') ?? '(not stated)');
          return { ok: true, type: body.type, incident: incident.id };
        }
        case 'data.request':
          return this.#dataRequest(integration, body);
        default:
          return this.#refuse(integration, 'unknown-type', `unknown command type "${String(body.type)}"`);
      }
    } catch (error) {
      return this.#refuse(integration, 'invalid-step', (error as Error).message);
    }
  }

  #dataRequest(integration: string, body: Record<string, unknown>): CommandOutcome {
    const stream = typeof body.stream === 'string' ? body.stream : '';
    const fields = Array.isArray(body.fields) ? body.fields.filter((f): f is string => typeof f === 'string') : [];
    if (!stream || fields.length === 0) return this.#refuse(integration, 'malformed', 'data.request needs "stream" and "fields"');
    const covered = this.#p.contract(integration)?.streams.find((s) => s.stream === stream)?.fields ?? {};
    const outside = fields.filter((f) => !Object.prototype.hasOwnProperty.call(covered, f));
    if (outside.length > 0) {
      const detail = `asked for ${outside.map((f) => `${stream}.${f}`).join(', ')}, which its contract does not cover`;
      this.#p.audit.record(`vendor:${integration}`, 'anomaly.out-of-contract-request', integration, { stream, fields: outside });
      this.#p.onAlert?.({ kind: 'anomaly.out-of-contract-request', integration, message: `${integration} ${detail}; refused.`, at: stampNow(this.#p.clock), details: { stream, fields: outside } });
      return this.#refuse(integration, 'out-of-contract', detail);
    }
    this.#p.onDataRequest?.(integration, { stream, fields });
    return { ok: true, type: 'data.request' };
  }

  #forged(integration: string): CommandOutcome {
    const now = stampNow(this.#p.clock);
    const last = this.#lastForgedAudit.get(integration);
    const since = last && elapsedMs(last, now);
    if (!last || since === undefined || since >= HOUR_MS) {
      this.#lastForgedAudit.set(integration, now);
      const total = (this.#refused.get('forged') ?? 0) + 1;
      this.#p.audit.record('hub', 'anomaly.forged-command', integration, { forgedSoFar: total });
      this.#p.onAlert?.({ kind: 'anomaly.forged-command', integration, message: `A message on ${integration}'s command topic failed authentication and was refused.`, at: now, details: { forgedSoFar: total } });
    }
    return this.#refuse(integration, 'forged', 'the MAC does not match: not sent with this integration\'s command key');
  }

  #refuse(_integration: string, reason: CommandRefusal, detail: string): CommandOutcome {
    this.#refused.set(reason, (this.#refused.get(reason) ?? 0) + 1);
    return { ok: false, reason, detail };
  }
}
