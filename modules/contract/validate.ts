/**
 * Contract validation: the schema (shape and single-value rules) plus the
 * rules that relate values (references, duplicates, secrets, endpoints).
 * Every error is reported at once, each with its path, so a vendor fixes a
 * contract in one round instead of one error per round.
 */
import * as v from 'valibot';
import { findDuplicateKeys } from './duplicate-keys.js';
import { ContractSchema } from './schema.js';
import type { Contract, ContractError, ParseResult } from './types.js';

type Path = (string | number)[];

const IDENTIFIER = (): RegExp => /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['streams', 0, 'fields', 'temperature']` → `streams[0].fields.temperature`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (IDENTIFIER().test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/**
 * The parsed contract is the hub's one model of it: the pipeline, change
 * management, the forwarder's lane, the page and the exports all hold the same
 * object, so none of them may change it.
 */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** Validates a parsed JSON value; a valid contract comes back deeply frozen. Never throws. */
export function parseContract(json: unknown): ParseResult {
  const errors: ContractError[] = [];
  if (!isObject(json)) return { ok: false, errors: [{ path: '', message: 'a contract must be a JSON object' }] };
  try {
    const result = v.safeParse(ContractSchema, json);
    const related = crossChecks(json);
    // An inline secret is also an unknown key; say only the more useful thing.
    const secretPaths = new Set(related.filter((e) => e.message.includes('inline credential')).map((e) => e.path));
    if (!result.success) for (const issue of result.issues) errors.push(fromIssue(issue));
    errors.splice(0, errors.length, ...errors.filter((e) => !secretPaths.has(e.path)));
    errors.push(...related);
    if (errors.length === 0 && result.success) return { ok: true, contract: deepFreeze(result.output as Contract) };
  } catch (error) {
    errors.push({ path: '', message: `the contract could not be checked (${(error as Error)?.message ?? String(error)})` });
  }
  return { ok: false, errors: dedupe(errors) };
}

/** Parses JSON text, refusing duplicate keys (JSON.parse would silently keep the last one). Never throws. */
export function parseContractText(textContent: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(textContent);
  } catch (error) {
    return { ok: false, errors: [{ path: '', message: `not valid JSON: ${(error as Error)?.message ?? String(error)}` }] };
  }
  const duplicates = findDuplicateKeys(textContent).map((d) => ({
    path: formatPath(d.path),
    message: `"${d.key}" appears more than once; each key (field, section) may appear only once`,
  }));
  const parsed = parseContract(json);
  if (duplicates.length === 0) return parsed;
  return { ok: false, errors: dedupe([...duplicates, ...(parsed.ok ? [] : parsed.errors)]) };
}

function fromIssue(issue: v.BaseIssue<unknown>): ContractError {
  const path: Path = (issue.path ?? []).map((item) => item.key as string | number);
  const last = path[path.length - 1];
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    return { path: formatPath(path), message: `unknown key "${String(last)}": remove it or check its spelling` };
  }
  if (issue.received === 'undefined' && path.length > 0) {
    return { path: formatPath(path), message: `${String(last)} is required` };
  }
  return { path: formatPath(path), message: issue.message };
}

function dedupe(errors: ContractError[]): ContractError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// --- rules that relate values; they read the raw input defensively so they
//     run even when other parts of the contract are malformed -------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function crossChecks(json: Record<string, unknown>): ContractError[] {
  const errors: ContractError[] = [];
  findInlineSecrets(json, [], errors, 0);
  const purposes = Array.isArray(json.purposes) ? json.purposes : [];
  const declared = new Set<string>();
  purposes.forEach((p, i) => {
    if (!isObject(p) || typeof p.id !== 'string') return;
    if (declared.has(p.id)) errors.push({ path: formatPath(['purposes', i, 'id']), message: `purpose "${p.id}" is declared twice` });
    declared.add(p.id);
  });
  const streams = Array.isArray(json.streams) ? json.streams : [];
  const seenStreams = new Set<string>();
  streams.forEach((s, i) => {
    if (!isObject(s)) return;
    if (typeof s.stream === 'string') {
      if (seenStreams.has(s.stream)) {
        errors.push({ path: formatPath(['streams', i, 'stream']), message: `stream "${s.stream}" is listed twice; put all its fields in one entry` });
      }
      seenStreams.add(s.stream);
    }
    if (!isObject(s.fields)) return;
    for (const [field, rule] of Object.entries(s.fields)) {
      if (field === '__proto__' || field === 'constructor' || field === 'prototype') {
        errors.push({ path: formatPath(['streams', i, 'fields', field]), message: `"${field}" cannot be a field name` });
      }
      if (isObject(rule) && typeof rule.purpose === 'string' && !declared.has(rule.purpose)) {
        errors.push({
          path: formatPath(['streams', i, 'fields', field, 'purpose']),
          message: `purpose "${rule.purpose}" is not declared in purposes`,
        });
      }
    }
  });
  if (isObject(json.delivery)) errors.push(...checkDelivery(json.delivery));
  return errors;
}

const SCHEMES = ['mqtt:', 'mqtts:', 'https:'];
const SECRET_PARAM = (): RegExp => /(^|[?&])(token|access_token|api[_-]?key|key|password|passwd|pwd|secret|sig|signature|auth)=/i;

function checkDelivery(delivery: Record<string, unknown>): ContractError[] {
  const errors: ContractError[] = [];
  const at = (key: string) => formatPath(['delivery', key]);
  if (typeof delivery.endpoint !== 'string') return errors;
  const match = /^([a-z][a-z0-9+.-]*:)\/\/([^/?#]*)(.*)$/i.exec(delivery.endpoint);
  if (!match) {
    errors.push({ path: at('endpoint'), message: 'endpoint must be a URL like "mqtts://broker.example.com:8883" or "https://api.example.com"' });
    return errors;
  }
  const scheme = match[1]!.toLowerCase();
  const authority = match[2]!;
  const rest = match[3]!;
  if (!SCHEMES.includes(scheme)) {
    errors.push({ path: at('endpoint'), message: `endpoint scheme "${scheme}//" is not allowed; use mqtt://, mqtts:// or https://` });
  }
  if (authority.includes('@')) {
    errors.push({ path: at('endpoint'), message: 'endpoint must not carry a user name or password (user:pass@); reference a named secret in delivery.credentials' });
  }
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(authority.replace(/^.*@/, ''))) {
    errors.push({ path: at('endpoint'), message: 'endpoint host must be a host name or address with an optional :port' });
  }
  if (SECRET_PARAM().test(rest.replace(/^[^?]*/, ''))) {
    errors.push({ path: at('endpoint'), message: 'endpoint query carries what looks like a secret; reference a named secret in delivery.credentials' });
  }
  if (scheme === 'mqtt:' || scheme === 'mqtts:') {
    if (delivery.topic === undefined) errors.push({ path: at('topic'), message: 'topic is required for an MQTT endpoint' });
    if (delivery.path !== undefined) errors.push({ path: at('path'), message: 'path is for https endpoints; MQTT endpoints use topic' });
  } else if (scheme === 'https:') {
    if (delivery.path === undefined && (rest === '' || rest === '/')) errors.push({ path: at('path'), message: 'path is required for an https endpoint (or put it in the endpoint URL)' });
    if (delivery.topic !== undefined) errors.push({ path: at('topic'), message: 'topic is for MQTT endpoints; https endpoints use path' });
    if (delivery.qos !== undefined) errors.push({ path: at('qos'), message: 'qos is for MQTT endpoints only' });
  }
  return errors;
}

/** Keys whose string value would be a secret written into the contract itself. */
const SECRET_KEY = (): RegExp => /^(password|passwd|pwd|pass|token|access[_-]?token|refresh[_-]?token|bearer|api[_-]?key|apikey|key|secret[_-]?key|private[_-]?key|client[_-]?secret|shared[_-]?secret)$/i;
const MAX_DEPTH = 16;

function findInlineSecrets(value: unknown, path: Path, errors: ContractError[], depth: number): void {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return;
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((item, i) => [i, item]) : Object.entries(value);
  for (const [key, item] of entries) {
    if (typeof key === 'string' && SECRET_KEY().test(key) && (typeof item === 'string' || typeof item === 'number')) {
      errors.push({
        path: formatPath([...path, key]),
        message: `"${key}" looks like an inline credential; contracts never carry secrets: store it on the hub and reference it by name in delivery.credentials.secret`,
      });
    } else {
      findInlineSecrets(item, [...path, key], errors, depth + 1);
    }
  }
}
