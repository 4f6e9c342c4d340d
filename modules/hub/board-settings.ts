/**
 * The board's own settings (the "board only" keys of the configuration
 * model), read even when the rest of `config.airlock` has problems: a hub
 * whose integrations are misconfigured must still open its partitions, run
 * its update trial and take a signed image that fixes the configuration.
 * Same entries as the model (runtime-config.ts), other keys left to it.
 */
import * as v from 'valibot';
import type { BoardProfile } from './board-profile.js';
import { runtimeConfigSchemas } from './runtime-config.js';

const BOARD_KEYS = Object.freeze(['version', 'partition', 'logMinBytes', 'auditPartition', 'auditMinBytes', 'archivePartition', 'confirmAfterMs', 'updateKey', 'profile'] as const);

export interface BoardSettings {
  version: string;
  /** The sealed record log's partition. */
  partition: string;
  /** A smaller log partition is reported and not used. */
  logMinBytes: number;
  /** The audit log's own partition (a full record log never touches the audit chain). */
  auditPartition: string;
  auditMinBytes: number;
  /** Earlier contract versions (flash-archive.ts). */
  archivePartition: string;
  /** Uptime after which a healthy trial image is confirmed. */
  confirmAfterMs: number;
  /** Hex of the update key; empty: updates are refused. */
  updateKey: string;
  /** The board profile's limits (board-profile.ts); none: nothing is checked (a lab build without a profile). */
  profile?: BoardProfile;
}

export const BOARD_DEFAULTS: Readonly<BoardSettings> = Object.freeze({
  version: '0.0.0',
  partition: 'airlock',
  logMinBytes: 256 * 1024,
  auditPartition: 'airlockaudit',
  auditMinBytes: 32 * 1024,
  archivePartition: 'airlockctr',
  confirmAfterMs: 120_000,
  updateKey: '',
});

/** The board keys with their defaults; if any of them is wrong, all defaults (the model's check reports what). */
export function boardSettings(raw: unknown): BoardSettings {
  // Built here, not at module level: see runtimeConfigSchemas().
  const parsed = v.safeParse(v.object(v.pick(runtimeConfigSchemas().Config, [...BOARD_KEYS]).entries), raw);
  // Absent optional keys are absent from valibot's output too, so the defaults stay.
  return { ...BOARD_DEFAULTS, ...(parsed.success ? parsed.output : {}) };
}
