/**
 * The part of ava's `test` API the core suites use, for running them inside
 * XS (xsnap has no Node APIs, so ava itself cannot run there). The runner's
 * bundler maps `import test from 'ava'` here. Results leave the engine
 * through xsnap's `issueCommand` as JSON.
 */

type Impl = (t: Assertions) => unknown;
interface Registered {
  title: string;
  impl: Impl;
}

declare const issueCommand: (message: ArrayBuffer) => ArrayBuffer;
declare const print: (...values: unknown[]) => void;

class AssertionError extends Error {
  override name = 'AssertionError';
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array[${Array.from(value.slice(0, 32)).join(',')}${value.length > 32 ? ',...' : ''}]`;
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? String(value)).slice(0, 400);
  } catch {
    return String(value);
  }
}

/** As ava's `t.like`: plain objects in the selector match partially, at any depth; anything else deep-equals. */
function isLike(actual: unknown, selector: unknown): boolean {
  if (selector === null || typeof selector !== 'object' || Object.getPrototypeOf(selector) !== Object.prototype) {
    return deepEqual(actual, selector);
  }
  if (actual === null || typeof actual !== 'object') return false;
  for (const key of Object.keys(selector)) {
    if (!isLike((actual as Record<string, unknown>)[key], (selector as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

interface ThrowsExpectation {
  message?: string | RegExp;
  instanceOf?: new (...args: never[]) => unknown;
  name?: string;
  code?: unknown;
}

function checkThrown(error: unknown, expectation: ThrowsExpectation | undefined, message?: string): void {
  if (!expectation) return;
  const e = error as { message?: string; name?: string; code?: unknown };
  if (expectation.instanceOf && !(error instanceof expectation.instanceOf)) {
    throw new AssertionError(message ?? `thrown ${describe(e?.name)} is not an instance of the expected class`);
  }
  if (expectation.name !== undefined && e?.name !== expectation.name) {
    throw new AssertionError(message ?? `thrown error name ${describe(e?.name)} is not ${describe(expectation.name)}`);
  }
  if (expectation.code !== undefined && e?.code !== expectation.code) {
    throw new AssertionError(message ?? `thrown error code ${describe(e?.code)} is not ${describe(expectation.code)}`);
  }
  const m = expectation.message;
  if (typeof m === 'string' && e?.message !== m) {
    throw new AssertionError(message ?? `thrown message ${describe(e?.message)} is not ${describe(m)}`);
  }
  if (m instanceof RegExp && !m.test(String(e?.message))) {
    throw new AssertionError(message ?? `thrown message ${describe(e?.message)} does not match ${String(m)}`);
  }
}

class Assertions {
  readonly title: string;
  assertions = 0;
  planned: number | undefined;
  readonly teardowns: (() => unknown)[] = [];
  context: Record<string, unknown> = {};

  constructor(title: string) {
    this.title = title;
  }

  #ok(condition: boolean, message: string): void {
    this.assertions++;
    if (!condition) throw new AssertionError(message);
  }

  plan(count: number): void {
    this.planned = count;
  }
  teardown(fn: () => unknown): void {
    this.teardowns.push(fn);
  }
  timeout(): void {}
  log(...values: unknown[]): void {
    print(`    ${this.title}: ${values.map((v) => (typeof v === 'string' ? v : describe(v))).join(' ')}`);
  }
  pass(): void {
    this.assertions++;
  }
  fail(message = 'Test failed via `t.fail()`'): void {
    this.#ok(false, message);
  }
  assert(value: unknown, message?: string): void {
    this.#ok(Boolean(value), message ?? `${describe(value)} is not truthy`);
  }
  truthy(value: unknown, message?: string): void {
    this.#ok(Boolean(value), message ?? `${describe(value)} is not truthy`);
  }
  falsy(value: unknown, message?: string): void {
    this.#ok(!value, message ?? `${describe(value)} is not falsy`);
  }
  true(value: unknown, message?: string): void {
    this.#ok(value === true, message ?? `${describe(value)} is not true`);
  }
  false(value: unknown, message?: string): void {
    this.#ok(value === false, message ?? `${describe(value)} is not false`);
  }
  is(actual: unknown, expected: unknown, message?: string): void {
    this.#ok(Object.is(actual, expected), message ?? `${describe(actual)} is not ${describe(expected)}`);
  }
  not(actual: unknown, expected: unknown, message?: string): void {
    this.#ok(!Object.is(actual, expected), message ?? `${describe(actual)} should differ from ${describe(expected)}`);
  }
  deepEqual(actual: unknown, expected: unknown, message?: string): void {
    this.#ok(deepEqual(actual, expected), message ?? `${describe(actual)} does not deep-equal ${describe(expected)}`);
  }
  notDeepEqual(actual: unknown, expected: unknown, message?: string): void {
    this.#ok(!deepEqual(actual, expected), message ?? `${describe(actual)} should not deep-equal ${describe(expected)}`);
  }
  like(actual: unknown, selector: Record<string, unknown>, message?: string): void {
    this.#ok(isLike(actual, selector), message ?? `${describe(actual)} is not like ${describe(selector)}`);
  }
  regex(text: string, pattern: RegExp, message?: string): void {
    this.#ok(pattern.test(text), message ?? `${describe(text)} does not match ${String(pattern)}`);
  }
  notRegex(text: string, pattern: RegExp, message?: string): void {
    this.#ok(!pattern.test(text), message ?? `${describe(text)} matches ${String(pattern)}`);
  }
  throws(fn: () => unknown, expectation?: ThrowsExpectation, message?: string): unknown {
    this.assertions++;
    try {
      fn();
    } catch (error) {
      checkThrown(error, expectation, message);
      return error;
    }
    throw new AssertionError(message ?? 'function did not throw');
  }
  async throwsAsync(thrower: (() => Promise<unknown>) | Promise<unknown>, expectation?: ThrowsExpectation, message?: string): Promise<unknown> {
    this.assertions++;
    try {
      await (typeof thrower === 'function' ? thrower() : thrower);
    } catch (error) {
      checkThrown(error, expectation, message);
      return error;
    }
    throw new AssertionError(message ?? 'promise did not reject');
  }
  notThrows(fn: () => unknown, message?: string): void {
    this.assertions++;
    try {
      fn();
    } catch (error) {
      throw new AssertionError(message ?? `function threw ${describe((error as Error)?.message ?? error)}`);
    }
  }
  async notThrowsAsync(thrower: (() => Promise<unknown>) | Promise<unknown>, message?: string): Promise<void> {
    this.assertions++;
    try {
      await (typeof thrower === 'function' ? thrower() : thrower);
    } catch (error) {
      throw new AssertionError(message ?? `promise rejected with ${describe((error as Error)?.message ?? error)}`);
    }
  }
}

const registered: Registered[] = [];
const beforeHooks: Impl[] = [];
const beforeEachHooks: Impl[] = [];
const afterEachHooks: Impl[] = [];
const afterHooks: Impl[] = [];

function unsupported(what: string) {
  return () => {
    throw new Error(`test.${what} is not allowed: CI runs every test`);
  };
}

function test(title: string, impl: Impl): void {
  registered.push({ title, impl });
}
test.serial = test;
test.before = (impl: Impl) => void beforeHooks.push(impl);
test.beforeEach = (impl: Impl) => void beforeEachHooks.push(impl);
test.afterEach = (impl: Impl) => void afterEachHooks.push(impl);
// As in ava: after every test; `.always` also when a test failed (this shim runs both either way,
// since cleanup that is skipped silently is how a suite passes by accident).
test.after = Object.assign((impl: Impl) => void afterHooks.push(impl), { always: (impl: Impl) => void afterHooks.push(impl) });
test.only = unsupported('only');
test.skip = unsupported('skip');

export default test;

interface Outcome {
  title: string;
  ok: boolean;
  error?: string;
}

/** Runs every registered test in order and sends the outcomes to the runner. */
export async function runRegisteredTests(file: string): Promise<void> {
  const outcomes: Outcome[] = [];
  const shared: Record<string, unknown> = {};
  for (const hook of beforeHooks) {
    const t = new Assertions('before');
    t.context = shared;
    await hook(t);
  }
  for (const { title, impl } of registered) {
    const t = new Assertions(title);
    t.context = { ...shared };
    try {
      for (const hook of beforeEachHooks) await hook(t);
      await impl(t);
      for (const hook of afterEachHooks) await hook(t);
      if (t.planned !== undefined && t.planned !== t.assertions) {
        throw new AssertionError(`planned ${t.planned} assertions, made ${t.assertions}`);
      }
      if (t.assertions === 0) throw new AssertionError('test made no assertion');
      outcomes.push({ title, ok: true });
    } catch (error) {
      const e = error as Error;
      outcomes.push({ title, ok: false, error: `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}\n${e?.stack ?? ''}` });
    } finally {
      for (const fn of t.teardowns.reverse()) await fn();
    }
  }
  for (const hook of afterHooks) {
    const t = new Assertions('after hook');
    t.context = shared;
    try {
      await hook(t);
    } catch (error) {
      const e = error as Error;
      outcomes.push({ title: 'after hook', ok: false, error: `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}\n${e?.stack ?? ''}` });
    } finally {
      for (const fn of t.teardowns.reverse()) await fn();
    }
  }
  issueCommand(new TextEncoder().encode(JSON.stringify({ file, outcomes })).buffer as ArrayBuffer);
}
