/** Types of a validated contract, inferred from the schema so the two cannot drift. */
import type * as v from 'valibot';
import type { ContractSchema, Transform as TransformSchema } from './schema.js';

export type Contract = v.InferOutput<typeof ContractSchema>;
export type Transform = v.InferOutput<typeof TransformSchema>;
export type TransformKind = Transform['kind'];
export type StreamRule = Contract['streams'][number];
export type FieldRule = StreamRule['fields'][string];
export type Purpose = Contract['purposes'][number];

export interface ContractError {
  /** Where, e.g. `streams[0].fields.temperature.transform.step`; "" for the whole document. */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; contract: Contract } | { ok: false; errors: ContractError[] };
