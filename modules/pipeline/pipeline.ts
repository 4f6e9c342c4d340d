/**
 * The per-record enforcement pipeline. For each reading and each integration
 * whose contract covers its stream: keep only the fields the contract names
 * (allow-list), only those whose purpose has consent, generalize each as the
 * contract says, pseudonymize the device (and identifier fields) under that
 * integration's key, encode as CBOR and hand the record on. Every decision is
 * counted. `accept` never throws: bad input is counted by reason and skipped.
 */
import type { Contract, FieldRule, StreamRule } from '../contract/types.js';
import type { Clock, Crypto } from '../host.js';
import type { Keyring } from '../keyring.js';
import type { FieldValue, Reading } from '../reading.js';
import type { ConsentBook } from './consent.js';
import type { Counters, IntegrationCounts } from './counters.js';
import { createRecordEncoder, type MinimizedRecord, type RecordEncoder, type RecordValue } from './encode.js';
import { Pseudonymizer } from './pseudonym.js';
import { checkReading } from './reading-check.js';
import { coarsenTimeStep, compileValueTransform, floorTo, type ValueTransform } from './transforms.js';
import { Windows, type AggregateFunction, type ClosedField, type Window } from './windows.js';
import { setOwn } from '../own.js';

export type RecordSink = (integration: string, payload: Uint8Array, record: MinimizedRecord) => void;

export interface PipelinePowers {
  crypto: Pick<Crypto, 'hmacSha256'>;
  keyring: Pick<Keyring, 'key'>;
  clock: Clock;
  /** Validated contracts (parseContract); one per integration. */
  contracts: readonly Contract[];
  consent: Pick<ConsentBook, 'isGiven' | 'onWithdraw'>;
  counters: Counters;
  onRecord: RecordSink;
  /** Defaults to CBOR through cbor-x. */
  encoder?: RecordEncoder;
}

export interface Pipeline {
  /** Takes one reading (untrusted). Never throws. */
  accept(reading: unknown): void;
  /** Closes aggregation windows whose time is up; call it from a timer (e.g. every few seconds). */
  tick(): void;
  /** After Keyring.rotate/shred: derive the integration's pseudonym key again (new pseudonyms). */
  forgetKeys(integration?: string): void;
  /** Stops listening to consent changes. */
  close(): void;
}

interface CompiledField {
  purpose: string;
  needsConsent: boolean;
  mode: 'value' | 'pseudonym' | 'aggregate';
  apply: ValueTransform | undefined;
  /** Whether the value leaves changed (counted as generalized). */
  generalizes: boolean;
  aggregate: { fn: AggregateFunction; windowMs: number } | undefined;
}

interface Route {
  integration: string;
  stream: string;
  key: string;
  counts: IntegrationCounts;
  timeStep: number | undefined;
  fields: Map<string, CompiledField>;
}

function compileField(rule: FieldRule, needsConsent: boolean): CompiledField {
  const t = rule.transform;
  return {
    purpose: rule.purpose,
    needsConsent,
    mode: t.kind === 'pseudonymize' ? 'pseudonym' : t.kind === 'aggregate' ? 'aggregate' : 'value',
    apply: compileValueTransform(t),
    generalizes: t.kind !== 'keep' && t.kind !== 'pseudonymize',
    aggregate: t.kind === 'aggregate' ? { fn: t.function, windowMs: t.windowSeconds * 1000 } : undefined,
  };
}

function compileRoutes(contracts: readonly Contract[], counters: Counters): Map<string, Route[]> {
  const routes = new Map<string, Route[]>();
  for (const contract of contracts) {
    const consentNeeded = new Map(contract.purposes.map((p) => [p.id, p.requiresConsent]));
    for (const rule of contract.streams as StreamRule[]) {
      const fields = new Map<string, CompiledField>();
      for (const [name, field] of Object.entries(rule.fields)) fields.set(name, compileField(field, consentNeeded.get(field.purpose) !== false));
      const route: Route = {
        integration: contract.integration,
        stream: rule.stream,
        key: `${contract.integration}\u0000${rule.stream}`,
        counts: counters.integration(contract.integration),
        timeStep: rule.time ? coarsenTimeStep(rule.time.unit, rule.time.amount) : undefined,
        fields,
      };
      const list = routes.get(rule.stream) ?? [];
      list.push(route);
      routes.set(rule.stream, list);
    }
  }
  return routes;
}

function recordTime(route: Route, wall: number | undefined, boot: number, mono: number): MinimizedRecord['t'] {
  const step = route.timeStep;
  if (wall !== undefined) return step ? floorTo(wall, step) : wall;
  return { boot, mono: step ? floorTo(mono, step) : mono };
}

export function createPipeline(powers: PipelinePowers): Pipeline {
  const { clock, consent, counters, onRecord } = powers;
  const encoder = powers.encoder ?? createRecordEncoder();
  const pseudonyms = new Pseudonymizer(powers);
  const routes = compileRoutes(powers.contracts, counters);

  function emit(route: Route, record: MinimizedRecord): void {
    route.counts.recordsProduced++;
    try {
      onRecord(route.integration, encoder.encode(record), record);
    } catch {
      counters.internalErrors++;
    }
  }

  function emitWindow(window: Window<Route>, closed: ClosedField[]): void {
    const route = window.owner;
    const f: Record<string, RecordValue> = {};
    const purposes: string[] = [];
    for (const field of closed) {
      if (route.fields.get(field.name)?.needsConsent !== false && !consent.isGiven(route.integration, field.purpose)) {
        route.counts.blockedConsent++;
        continue;
      }
      setOwn(f, field.name, field.value);
      route.counts.fieldsGeneralized++;
      if (!purposes.includes(field.purpose)) purposes.push(field.purpose);
    }
    if (purposes.length === 0) return;
    route.counts.identifiersPseudonymized++;
    const t = window.domain === 'wall' ? recordTime(route, window.start, 0, 0) : recordTime(route, undefined, window.domain, window.start);
    emit(route, { i: route.integration, s: route.stream, d: pseudonyms.pseudonym(route.integration, window.device), t, f, p: purposes.sort(), w: window.windowMs / 1000 });
  }

  const windows = new Windows<Route>(
    (window, closed) => {
      try {
        emitWindow(window, closed);
      } catch {
        counters.internalErrors++;
      }
    },
    { onClosedEarly: () => void counters.windowsClosedEarly++ },
  );

  function minimize(route: Route, reading: Reading, names: string[]): void {
    const { counts } = route;
    const f: Record<string, RecordValue> = {};
    const purposes: string[] = [];
    for (const name of names) {
      const rule = route.fields.get(name);
      if (!rule) {
        counts.fieldsDropped++; // not on the allow-list
        continue;
      }
      if (rule.needsConsent && !consent.isGiven(route.integration, rule.purpose)) {
        counts.blockedConsent++;
        continue;
      }
      const value: FieldValue = reading.fields[name]!;
      if (rule.mode === 'aggregate') {
        if (typeof value === 'number') windows.add(route, route.key, { integration: route.integration, device: reading.device, time: reading.time }, { name, purpose: rule.purpose, ...rule.aggregate! }, value);
        else counts.fieldsDropped++;
        continue;
      }
      let out: RecordValue | undefined;
      if (rule.mode === 'pseudonym') {
        out = typeof value === 'string' || typeof value === 'number' ? pseudonyms.pseudonym(route.integration, String(value)) : undefined;
        if (out !== undefined) counts.identifiersPseudonymized++;
      } else {
        out = rule.apply!(value);
        if (out !== undefined && rule.generalizes) counts.fieldsGeneralized++;
      }
      if (out === undefined) {
        counts.fieldsDropped++; // cannot be transformed as the contract says, so it must not leave
        continue;
      }
      setOwn(f, name, out);
      if (!purposes.includes(rule.purpose)) purposes.push(rule.purpose);
    }
    if (purposes.length === 0) return;
    counts.identifiersPseudonymized++;
    const { wall, boot, mono } = reading.time;
    emit(route, { i: route.integration, s: route.stream, d: pseudonyms.pseudonym(route.integration, reading.device), t: recordTime(route, wall, boot, mono), f, p: purposes.sort() });
  }

  const unsubscribe = consent.onWithdraw((event) => windows.discard(event.integration, event.purpose));

  return {
    accept(input) {
      try {
        counters.readingsReceived++;
        const reason = checkReading(input);
        if (reason) {
          counters.countMalformed(reason);
          return;
        }
        const reading = input as Reading;
        const targets = routes.get(reading.stream);
        if (!targets) return;
        const names = Object.keys(reading.fields);
        for (const route of targets) {
          try {
            minimize(route, reading, names);
          } catch {
            counters.internalErrors++; // one integration's failure must not cost the others this reading
          }
        }
      } catch {
        counters.internalErrors++;
      }
    },
    tick() {
      try {
        windows.closeDue(clock.wallTime(), clock.bootCount, clock.monotonic());
      } catch {
        counters.internalErrors++;
      }
    },
    forgetKeys(integration) {
      pseudonyms.forget(integration);
    },
    close() {
      unsubscribe();
    },
  };
}
