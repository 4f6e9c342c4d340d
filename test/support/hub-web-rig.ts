/**
 * The web router over the real composed Hub and its real facade, on simulated
 * hardware: memory NOR flash for records and audit, manual time, in-memory
 * transports whose receiver the test can take offline. Core suites use it on
 * Node and inside XS; the browser suite serves its router over HTTP.
 */
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { utf8 } from '../../modules/bytes.js';
import type { Contract } from '../../modules/contract/types.js';
import { auditAuthEvent } from '../../modules/hub/facade/auth-audit.js';
import { createHubFacade, type WebFacadePowers, type WebHubFacade } from '../../modules/hub/facade/hub-facade.js';
import { createSettingsFacade } from '../../modules/hub/facade/settings.js';
import { Hub, type ContractArchive } from '../../modules/hub/hub.js';
import { IntegrationInstaller } from '../../modules/hub/integration-installer.js';
import { parseRuntimeConfig } from '../../modules/hub/runtime-config.js';
import { SettingsStore } from '../../modules/hub/settings-store.js';
import type { AuthEvent } from '../../modules/web/auth.js';
import { createWebRouter, type WebRouter } from '../../modules/web/router.js';
import type { WebAssets } from '../../modules/web/static.js';
import { base32Decode, totp } from '../../modules/web/totp.js';
import { FakeTransport, settle } from './fake-transport.js';
import { feedHome } from './home-fixture.js';
import { makeTestHost, type TestHost } from './test-host.js';
import { Browser, OWNER_PASSWORD, TEST_ITERATIONS, tinyAssets } from './web-client.js';

export const PLUG = 'kitchen plug';
export const PLUG_IEEE = '0x00158d0001d4e5f6';

export function memoryArchive(): ContractArchive {
  const saved = new Map<string, Contract>();
  return {
    load: (id, version) => saved.get(`${id}@${version}`),
    save: (c) => void saved.set(`${c.integration}@${c.version}`, c),
  };
}

export interface HubWebRigOptions {
  /** What the router serves (default: two stand-in assets). */
  assets?: WebAssets;
  /** zigbee2mqtt devices besides the kitchen plug, as its bridge lists them. */
  devices?: { ieee_address: string; friendly_name: string }[];
  /** A home of this many more devices on zigbee2mqtt, Tasmota, ESPHome and BTHome, fed through the hub's sources (test/support/home-fixture.ts). */
  home?: number;
  /** Every vendor's receiver is unreachable: records wait in the hub. */
  vendorsAway?: boolean;
  seed?: number;
}

export interface HubWebRig {
  host: TestHost;
  hub: Hub;
  facade: WebHubFacade;
  router: WebRouter;
  transports: Map<string, FakeTransport>;
  events: AuthEvent[];
  /** The setup code the hub printed at first boot. */
  setupCode: string;
  /** Advances simulated time in 100 ms steps, letting deliveries settle. */
  run(ms: number): Promise<void>;
  /** One zigbee2mqtt message from the kitchen plug. */
  plug(power: number, extra?: Record<string, unknown>): void;
  browser(): Browser;
  /** The current TOTP code for a base32 secret, at the host's wall time (plus an offset in steps). */
  code(secret: string, stepOffset?: number): string;
  /** Runs first-boot setup; returns a logged-in owner browser and the TOTP secret. */
  setUpOwner(password?: string): Promise<{ owner: Browser; secret: string }>;
  /** Logs in an existing account with its current TOTP code. */
  login(name: string, password: string, secret: string): Promise<Browser>;
  /** Flips a byte inside audit entry `seq` on flash, as decay would: the chain no longer verifies from the entry after it. */
  decayAuditEntry(seq: number): void;
  close(): Promise<void>;
}

export function makeHubWebRig(contracts: Contract[], facadeOptions: Partial<WebFacadePowers> = {}, options: HubWebRigOptions = {}): HubWebRig {
  const host = makeTestHost({ flashBytes: 32 * 4096, ...(options.seed === undefined ? {} : { seed: options.seed }) });
  const transports = new Map<string, FakeTransport>();
  const auditFlash = new MemoryFlash(8 * 4096, 4096);
  const archive = memoryArchive();
  const hub = new Hub(
    { hubId: 'home-1', version: '0.1.0', model: 'test', integrations: contracts.map((contract) => ({ contract })), sources: { zigbee2mqtt: {} } },
    {
      host,
      auditFlash,
      archive,
      transport: (id, endpoint) => {
        const t = new FakeTransport(endpoint, () => host.clock.monotonic());
        if (options.vendorsAway) t.fallback = 'unreachable';
        transports.set(id, t);
        return t;
      },
    },
  );
  const devices = [{ ieee_address: PLUG_IEEE, friendly_name: PLUG }, ...(options.devices ?? [])];
  hub.acceptMqtt('zigbee2mqtt/bridge/devices', utf8(JSON.stringify(devices.map((d) => ({ ...d, definition: { model: 'X', vendor: 'Y' } })))));
  hub.start();
  if (options.home) feedHome(hub, options.home);
  // Both page areas as the runtime composes them: the settings over a home broker that accepts every
  // test connection, and "Add a service" over the real installer (no credentials come from elsewhere
  // here), sharing the one secret store.
  const config = parseRuntimeConfig({ hubId: 'home-1', localBroker: { url: 'mqtt://home.lan' }, sources: { zigbee2mqtt: {} } }).config!;
  const settingsStore = new SettingsStore(host.store, host.crypto, host.log);
  const settings = createSettingsFacade({
    hub,
    store: settingsStore,
    crypto: host.crypto,
    file: config,
    running: config,
    probe: () => Promise.resolve({ ok: true }),
    reconnect: () => undefined,
  });
  const installer = new IntegrationInstaller(hub, { host, archive, secrets: settingsStore.secrets, configuredSecret: () => false });
  const facade = createHubFacade(hub, { clock: host.clock, timers: host.timers, settings, installer, ...facadeOptions });
  const events: AuthEvent[] = [];
  const toAudit = auditAuthEvent(hub);
  const router = createWebRouter({
    clock: host.clock,
    random: host.random,
    crypto: host.crypto,
    store: host.store,
    log: host.log,
    facade,
    assets: options.assets ?? tinyAssets(),
    pbkdf2Iterations: TEST_ITERATIONS,
    onAuthEvent: (event) => {
      events.push(event);
      toAudit(event);
    },
  });
  const setupCode = router.auth.boot()!;
  const code = (secret: string, stepOffset = 0) => totp(host.crypto, base32Decode(secret), host.clock.wallTime()! + stepOffset * 30_000);
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      host.timers.advance(100);
      await settle();
    }
  };
  return {
    host,
    hub,
    facade,
    router,
    transports,
    events,
    setupCode,
    run,
    plug: (power, extra = {}) => hub.acceptMqtt(`zigbee2mqtt/${PLUG}`, utf8(JSON.stringify({ power, voltage: 231, energy: 1.5, linkquality: 80, ...extra }))),
    browser: () => new Browser(router),
    code,
    async setUpOwner(password = OWNER_PASSWORD) {
      const owner = new Browser(router);
      const started = await owner.post('/api/setup/start', { code: setupCode });
      if (started.status !== 200) throw new Error(`setup/start: ${started.status} ${started.text}`);
      const secret = started.json.secret as string;
      const finished = await owner.post('/api/setup/finish', { code: setupCode, name: 'owner', password, totp: code(secret) });
      if (finished.status !== 200) throw new Error(`setup/finish: ${finished.status} ${finished.text}`);
      host.clock.advance(30_000); // the next login must use a later TOTP step (replay guard)
      return { owner, secret };
    },
    async login(name, password, secret) {
      const b = new Browser(router);
      const r = await b.post('/api/login', { name, password, totp: code(secret) });
      if (r.status !== 200) throw new Error(`login: ${r.status} ${r.text}`);
      host.clock.advance(30_000);
      return b;
    },
    decayAuditEntry(seq) {
      const at = auditFrameOf(auditFlash, seq);
      if (at === undefined) throw new Error(`audit entry ${seq} is not on the audit flash`);
      auditFlash.bytes[at]! ^= 0x10;
    },
    async close() {
      facade.stop();
      await hub.stop();
    },
  };
}

/**
 * Where the payload of audit entry `seq` starts on the flash, walking the
 * frames of modules/audit/flash-storage.ts: 0xA5, kind, length u16, seq u32,
 * CRC u32, payload, commit byte, each 4-aligned after a 16-byte sector header.
 */
function auditFrameOf(flash: MemoryFlash, seq: number): number | undefined {
  const view = new DataView(flash.bytes.buffer, flash.bytes.byteOffset, flash.bytes.byteLength);
  for (let sector = 0; sector < flash.byteLength / flash.blockSize; sector++) {
    const end = (sector + 1) * flash.blockSize;
    for (let at = sector * flash.blockSize + 16; at + 12 < end; ) {
      if (flash.bytes[at] !== 0xa5) {
        at += 4;
        continue;
      }
      const length = view.getUint16(at + 2);
      if (flash.bytes[at + 1] === 1 && view.getUint32(at + 4) === seq) return at + 12;
      at += (12 + length + 1 + 3) & ~3;
    }
  }
  return undefined;
}
