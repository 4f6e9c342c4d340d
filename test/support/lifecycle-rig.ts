/**
 * TEST FIXTURE: the runtime both roots call (modules/hub/runtime.ts) with its
 * page, over simulated hardware that survives a restart (the same store,
 * record flash, audit flash and archive), and in-memory transports that
 * accept deliveries only with the right credential, for the integration
 * lifecycle suites (Node and XS).
 */
import { MemoryFlash } from '../../modules/memory-flash.js';
import { utf8 } from '../../modules/bytes.js';
import type { ContractArchive } from '../../modules/hub/hub.js';
import type { KeyValueStore } from '../../modules/host.js';
import { memoryContractArchive } from '../../modules/hub/memory-archive.js';
import { checkRuntimeConfig } from '../../modules/hub/runtime-check.js';
import { startRuntime, type Runtime } from '../../modules/hub/runtime.js';
import type { FetchContract } from '../../modules/hub/contract-fetch.js';
import { base32Decode, totp } from '../../modules/web/totp.js';
import { FakeTransport, settle } from './fake-transport.js';
import { makeTestHost, type TestHost } from './test-host.js';
import { Browser, OWNER_PASSWORD, TEST_ITERATIONS, tinyAssets } from './web-client.js';
import { enrol } from './web-fixture.js';

export const PLUG = 'kitchen plug';
export const GOOD_TOKEN = 'right-token-123';

export interface LifecycleRig {
  /** The configuration file's document, read at every boot (change it between restarts). */
  config: Record<string, unknown>;
  /** The contract files it names, by name (change them between restarts). */
  files: Record<string, string>;
  host: TestHost;
  archive: ContractArchive;
  runtime: Runtime;
  /** Transports built, newest last, per integration. */
  transports: Map<string, FakeTransport>;
  restart(): Promise<void>;
  plug(power: number): void;
  run(ms: number): Promise<void>;
  browser(): Browser;
  code(secret: string): string;
  setUpOwner(): Promise<{ owner: Browser; secret: string }>;
  enrol(owner: Browser, name: string, role: 'member' | 'installer', accessHours?: number): Promise<Browser>;
  stop(): Promise<void>;
}

export interface LifecycleOptions {
  fetch?: FetchContract;
  /** Opened at every boot (a flash archive reads its partition again); a memory archive kept across restarts without it. */
  archive?: () => ContractArchive;
  /** Wraps the store the hub sees (a power-cut simulation); `host.store` stays the raw one. */
  store?: (store: KeyValueStore) => KeyValueStore;
  config?: Record<string, unknown>;
  /** Contract texts the configuration may name (`integrations[].contract`). */
  contracts?: Record<string, string>;
  /** The board profile's limit, as main.ts passes it (RuntimeOptions.maxIntegrations). */
  maxIntegrations?: number;
}

export function makeLifecycleRig(options: LifecycleOptions = {}): LifecycleRig {
  const host = makeTestHost({ flashBytes: 32 * 4096 });
  const auditFlash = new MemoryFlash(8 * 4096, 4096);
  const kept = memoryContractArchive();
  const openArchive = options.archive ?? (() => kept);
  const store = options.store ? options.store(host.store) : host.store;
  const transports = new Map<string, FakeTransport>();
  const files = options.contracts ?? {};
  let messages: ((topic: string, payload: Uint8Array) => void) | undefined;

  const boot = (): Runtime => {
    rig.archive = openArchive();
    const checked = checkRuntimeConfig(rig.config, {
      readContract: (name) => (name in files ? { text: files[name]! } : { error: `${name}: no such file` }),
      hasSecret: () => true,
      secretsWhere: 'the test',
    });
    if (!checked.config) throw new Error(JSON.stringify(checked.problems));
    return startRuntime(
      { config: { ...checked.config, localBroker: { url: 'mqtt://home.lan' } }, integrations: checked.integrations, version: '1.0.0', model: 'test', pbkdf2Iterations: TEST_ITERATIONS, ...(options.maxIntegrations !== undefined ? { maxIntegrations: options.maxIntegrations } : {}) },
      {
        host: { ...host, store },
        auditFlash,
        archive: rig.archive,
        transport: (id, endpoint, contract, { secret, sessions }) => {
          const t = new FakeTransport(endpoint, () => host.clock.monotonic());
          // Like the hosts' MQTT links, the credential is read once, when the endpoint's shared link is
          // built (hosts/node/transports.ts): a replaced one must reach the cloud through a new link.
          const name = contract.delivery.credentials?.secret;
          const claim = sessions.claim(`${endpoint} ${name ?? '-'}`, id, () => ({
            token: name === undefined ? undefined : secret(name),
            open: () => Promise.resolve(),
            close: () => Promise.resolve(),
          }));
          // The stand-in cloud: only the right token is accepted.
          t.fallback = !name || claim.link.token === GOOD_TOKEN ? 'ack' : 'rejected';
          const close = t.close.bind(t);
          t.close = () => close().then(() => claim.detach());
          transports.set(id, t);
          return t;
        },
        connect: (request, handlers) => {
          if (request.role === 'home') messages = handlers.message;
          return { publish: () => undefined, close: () => Promise.resolve() };
        },
        secret: () => undefined,
        webAssets: tinyAssets(),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      },
    );
  };

  const rig: LifecycleRig = {
    config: options.config ?? { format: 'airlock-config/1', hubId: 'home-1', sources: { zigbee2mqtt: {} } },
    files,
    host,
    archive: kept,
    runtime: undefined as unknown as Runtime,
    transports,
    async restart() {
      await rig.runtime.stop();
      host.clock.reboot({ wallTime: host.clock.wallTime() });
      rig.runtime = boot();
    },
    plug(power) {
      messages?.('zigbee2mqtt/bridge/devices', utf8(JSON.stringify([{ ieee_address: '0x00158d0001d4e5f6', friendly_name: PLUG, definition: { model: 'X', vendor: 'Y' } }])));
      messages?.(`zigbee2mqtt/${PLUG}`, utf8(JSON.stringify({ power, voltage: 231, energy: 1.5 })));
    },
    async run(ms) {
      for (let t = 0; t < ms; t += 100) {
        host.timers.advance(100);
        await settle();
      }
    },
    browser: () => new Browser(rig.runtime.page!.router),
    code: (secret) => totp(host.crypto, base32Decode(secret), host.clock.wallTime()!),
    async setUpOwner() {
      const owner = rig.browser();
      const setupCode = rig.runtime.page!.setupCode!;
      const started = await owner.post('/api/setup/start', { code: setupCode });
      if (started.status !== 200) throw new Error(`setup/start: ${started.status} ${started.text}`);
      const secret = started.json.secret as string;
      const finished = await owner.post('/api/setup/finish', { code: setupCode, name: 'owner', password: OWNER_PASSWORD, totp: rig.code(secret) });
      if (finished.status !== 200) throw new Error(`setup/finish: ${finished.status} ${finished.text}`);
      host.clock.advance(30_000);
      return { owner, secret };
    },
    enrol: async (owner, name, role, accessHours) => (await enrol(rig, owner, name, role, accessHours)).browser,
    stop: () => rig.runtime.stop(),
  };
  rig.runtime = boot();
  return rig;
}
