/**
 * The runtime both roots call, composed over simulated hardware with the
 * page, for the hub settings suites: fake brokers (the test answers each
 * connection, the settings' test connection included), a host whose store a
 * test may keep across restarts, an owner logged in. Portable (Node and XS).
 */
import { MemoryFlash } from '../../modules/memory-flash.js';
import type { Host, KeyValueStore } from '../../modules/host.js';
import { memoryContractArchive } from '../../modules/hub/memory-archive.js';
import { checkRuntimeConfig } from '../../modules/hub/runtime-check.js';
import { startRuntime, type Runtime, type RuntimePowers } from '../../modules/hub/runtime.js';
import type { WifiSettings } from '../../modules/hub/facade/settings.js';
import { base32Decode, totp } from '../../modules/web/totp.js';
import { makeContract } from './contracts.js';
import { fakeBrokers, type FakeBrokerConnection } from './fake-brokers.js';
import { FakeTransport, settle } from './fake-transport.js';
import { makeTestHost, type TestHost } from './test-host.js';
import { Browser, OWNER_PASSWORD, TEST_ITERATIONS, tinyAssets, type Reply } from './web-client.js';
import type { WebFixture } from './web-fixture.js';

export const BASE_CONFIG = {
  format: 'airlock-config/1',
  hubId: 'home-1',
  localBroker: { url: 'mqtt://home.lan' },
  integrations: [{ contract: 'energy-saver.json', consent: { 'energy-advice': true } }],
} as const;

export interface SettingsRig {
  host: TestHost;
  runtime: Runtime;
  brokers: ReturnType<typeof fakeBrokers>;
  browser(): Browser;
  /** The current connection of a role (the newest opened that is not closed and not a test connection). */
  current(role: 'home' | 'monitor'): FakeBrokerConnection;
  /** Test connections the settings opened, oldest first. */
  probes(): FakeBrokerConnection[];
  /** Posts a settings change and answers the test connection it opens: connect, or refuse with a reason. */
  change(browser: Browser, body: unknown, answer?: { refuse: string }): Promise<Reply>;
  /** An account fixture for `enrol` (web-fixture.ts). */
  fixture: WebFixture;
  stop(): Promise<void>;
}

export interface RigOptions {
  config?: Record<string, unknown>;
  /** Keep the store (and so saved settings, secrets, accounts) of an earlier rig. */
  store?: KeyValueStore;
  wifi?: WifiSettings;
  /** The host's own checks (the board's profile). */
  checkSettings?: RuntimePowers['checkSettings'];
}

export function startSettingsRig(options: RigOptions = {}): SettingsRig {
  const base = makeTestHost();
  const host = (options.store ? { ...base, store: options.store } : base) as TestHost;
  const contracts: Record<string, string> = { 'energy-saver.json': JSON.stringify(makeContract()) };
  const checked = checkRuntimeConfig(options.config ?? BASE_CONFIG, {
    readContract: (reference) => (reference in contracts ? { text: contracts[reference]! } : { error: `${reference} is missing` }),
    hasSecret: () => true,
    secretsWhere: 'the test secrets',
  });
  if (!checked.config) throw new Error(JSON.stringify(checked.problems));
  const brokers = fakeBrokers();
  const runtime = startRuntime(
    { config: checked.config, integrations: checked.integrations, version: '1.2.3', model: 'test', pbkdf2Iterations: TEST_ITERATIONS },
    {
      host: host as Host,
      auditFlash: new MemoryFlash(8 * 4096, 4096),
      archive: memoryContractArchive(),
      transport: (_, endpoint) => new FakeTransport(endpoint),
      connect: brokers.connect,
      secret: (name) => (name === 'energy-saver-token' ? 't' : undefined),
      webAssets: tinyAssets(),
      ...(options.wifi ? { wifi: options.wifi } : {}),
      ...(options.checkSettings ? { checkSettings: options.checkSettings } : {}),
    },
  );
  const router = runtime.page!.router;
  const browser = () => new Browser(router);
  const code = (secret: string) => totp(host.crypto, base32Decode(secret), host.clock.wallTime()!);
  const isProbe = (c: FakeBrokerConnection) => c.request.clientId.endsWith('-check');
  const rig: SettingsRig = {
    host,
    runtime,
    brokers,
    browser,
    current(role) {
      const found = brokers.opened.filter((c) => c.request.role === role && !c.closed && !isProbe(c)).at(-1);
      if (!found) throw new Error(`no open ${role} connection`);
      return found;
    },
    probes: () => brokers.opened.filter(isProbe),
    async change(b, body, answer) {
      const before = rig.probes().length;
      const pending = b.post('/api/settings', body);
      let settled: Reply | undefined;
      void pending.then((r) => (settled = r));
      // Wait for the test connection (or an answer without one: a refusal before any test).
      for (let i = 0; i < 200 && !settled && rig.probes().length === before; i++) await settle();
      const probe = rig.probes()[before];
      if (probe && !settled) {
        if (answer) probe.refuse(answer.refuse);
        else probe.connect();
      }
      const result = await pending;
      host.timers.advance(1); // the test connection is closed on the next timer turn
      await settle();
      return result;
    },
    fixture: { host, browser, code } as unknown as WebFixture,
    stop: () => runtime.stop(),
  };
  return rig;
}

/** First start: the owner account from the setup code. */
export async function setUpOwner(rig: SettingsRig): Promise<{ owner: Browser; secret: string }> {
  const owner = rig.browser();
  const setupCode = rig.runtime.page!.setupCode!;
  const started = await owner.post('/api/setup/start', { code: setupCode });
  const secret = started.json.secret as string;
  const finished = await owner.post('/api/setup/finish', { code: setupCode, name: 'owner', password: OWNER_PASSWORD, totp: rig.fixture.code(secret) });
  if (finished.status !== 200) throw new Error(`setup/finish: ${finished.status} ${finished.text}`);
  rig.host.clock.advance(30_000);
  return { owner, secret };
}

/** A later start over the same store: the owner logs in again. */
export async function logIn(rig: SettingsRig, secret: string): Promise<Browser> {
  const b = rig.browser();
  rig.host.clock.advance(600_000); // a fresh host's clock starts where the last one did: past the TOTP step used there
  const r = await b.post('/api/login', { name: 'owner', password: OWNER_PASSWORD, totp: rig.fixture.code(secret) });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${r.text}`);
  rig.host.clock.advance(30_000);
  return b;
}
