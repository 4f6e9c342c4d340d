/**
 * The vendor's command channel rides on the integration's own delivery
 * connection, so a vendor needs no second way into the home and the hub opens
 * no port (docs/delivery.md "Commands from the vendor"):
 *
 * - MQTT integrations: the hub subscribes, through its delivery connection to
 *   the vendor's broker, to `<delivery topic>/commands/<hubId>`; each message
 *   is one signed envelope `{"body": "...", "mac": "..."}`.
 * - HTTPS integrations: the vendor may answer a delivery POST (2xx) with
 *   `application/json` `{"commands": [<envelope>, ...]}`; commands wait at the
 *   vendor until the hub's next delivery (at most the contract's pace apart).
 *
 * Authentication, replay and contract checks are modules/audit/vendor-commands.ts.
 * This file only names the topic and splits a payload into envelopes.
 */
import { fromUtf8, utf8 } from '../bytes.js';

/** At most this many envelopes are taken from one HTTPS answer; the rest are counted as refused. */
export const MAX_COMMANDS_PER_ANSWER = 16;
/** An HTTPS answer larger than this is not read for commands (a delivery answer is small). */
export const MAX_COMMAND_ANSWER_BYTES = 16 * 1024;

/** The topic a hub listens on for one integration's commands, under the delivery topic on the vendor's broker. */
export function commandTopic(deliveryTopic: string, hubId: string): string {
  return `${deliveryTopic}/commands/${hubId}`;
}

/** Where a payload came from: a message on the command topic, or the answer to a delivery. */
export type CommandSource = 'topic' | 'answer';

/**
 * The envelopes a payload carries. A message on the command topic is one
 * envelope, passed whole (the checker refuses and counts anything malformed).
 * A delivery answer carries commands only as `{"commands": [...]}`: each
 * element is re-encoded as its own payload; any other answer (`{"ok": true}`)
 * carries none. `extra` counts envelopes beyond MAX_COMMANDS_PER_ANSWER,
 * which are dropped.
 */
export function splitCommands(payload: Uint8Array, source: CommandSource): { payloads: Uint8Array[]; extra: number } {
  if (source === 'topic') return { payloads: [payload], extra: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(payload));
  } catch {
    return { payloads: [], extra: 0 };
  }
  const list = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { commands?: unknown }).commands : undefined;
  if (!Array.isArray(list)) return { payloads: [], extra: 0 };
  const kept = list.slice(0, MAX_COMMANDS_PER_ANSWER);
  return { payloads: kept.map((item) => utf8(JSON.stringify(item))), extra: list.length - kept.length };
}
