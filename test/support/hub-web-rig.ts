/**
 * The web router over the real composed Hub (not DemoFacade), on simulated
 * hardware: memory NOR flash for records and audit, manual time, in-memory
 * transports whose receiver the test can take offline. Core suites use it on
 * Node and inside XS.
 */
import { MemoryFlash } from '../../hosts/sim/memory-flash.js';
import { utf8 } from '../../modules/bytes.js';
import type { Contract } from '../../modules/contract/types.js';
import { Hub, type ContractArchive } from '../../modules/hub/hub.js';
import { auditAuthEvent, createHubFacade, type WebFacadePowers, type WebHubFacade } from '../../modules/hub/web-facade.js';
import type { AuthEvent } from '../../modules/web/auth.js';
import { createWebRouter, type WebRouter } from '../../modules/web/router.js';
import { base32Decode, totp } from '../../modules/web/totp.js';
import type { WebAssets } from '../../modules/web/static.js';
import { FakeTransport, settle } from './fake-transport.js';
import { feedHome } from './home-fixture.js';
import { makeTestHost, type TestHost } from './test-host.js';
import { Browser, OWNER_PASSWORD, TEST_ITERATIONS, tinyAssets } from './web-fixture.js';

export const PLUG = 'kitchen plug';
export const PLUG_IEEE = '0x00158d0001d4e5f6';

export function memoryArchive(): ContractArchive {
  const saved = new Map<string, Contract>();
  return {
    load: (id, version) => saved.get(`${id}@${version}`),
    save: (c) => void saved.set(`${c.integration}@${c.version}`, c),
  };
}

export interface HubWebRig {
  host: TestHost;
  hub: Hub;
  facade: WebHubFacade;
  router: WebRouter;
  transports: Map<string, FakeTransport>;
  events: AuthEvent[];
  /** Advances simulated time in 100 ms steps, letting deliveries settle. */
  run(ms: number): Promise<void>;
  /** One zigbee2mqtt message from the kitchen plug. */
  plug(power: number, extra?: Record<string, unknown>): void;
  browser(): Browser;
  code(secret: string): string;
  setUpOwner(): Promise<{ owner: Browser; secret: string }>;
  login(name: string, password: string, secret: string): Promise<Browser>;
  close(): Promise<void>;
}

export interface HubWebRigOptions {
  /** Devices the hub hears of at start besides the kitchen plug (test/support/home-fixture.ts): zigbee2mqtt, Tasmota, ESPHome and BTHome. */
  devices?: number;
  /** The page's assets (the built ones for a browser; a tiny stand-in otherwise). */
  assets?: WebAssets;
}

export function makeHubWebRig(contracts: Contract[], facadeOptions: Partial<WebFacadePowers> = {}, options: HubWebRigOptions = {}): HubWebRig {
  const host = makeTestHost({ flashBytes: 32 * 4096 });
  const transports = new Map<string, FakeTransport>();
  const hub = new Hub(
    { hubId: 'home-1', version: '0.1.0', model: 'test', integrations: contracts.map((contract) => ({ contract })), sources: { zigbee2mqtt: {} } },
    {
      host,
      auditFlash: new MemoryFlash(8 * 4096, 4096),
      archive: memoryArchive(),
      transport: (id, endpoint) => {
        const t = new FakeTransport(endpoint, () => host.clock.monotonic());
        transports.set(id, t);
        return t;
      },
    },
  );
  hub.acceptMqtt('zigbee2mqtt/bridge/devices', utf8(JSON.stringify([{ ieee_address: PLUG_IEEE, friendly_name: PLUG, definition: { model: 'X', vendor: 'Y' } }])));
  hub.start();
  if (options.devices) feedHome(hub, options.devices);
  const facade = createHubFacade(hub, { clock: host.clock, timers: host.timers, ...facadeOptions });
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
  const code = (secret: string) => totp(host.crypto, base32Decode(secret), host.clock.wallTime()!);
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
    run,
    plug: (power, extra = {}) => hub.acceptMqtt(`zigbee2mqtt/${PLUG}`, utf8(JSON.stringify({ power, voltage: 231, energy: 1.5, linkquality: 80, ...extra }))),
    browser: () => new Browser(router),
    code,
    async setUpOwner() {
      const owner = new Browser(router);
      const started = await owner.post('/api/setup/start', { code: setupCode });
      if (started.status !== 200) throw new Error(`setup/start: ${started.status} ${started.text}`);
      const secret = started.json.secret as string;
      const finished = await owner.post('/api/setup/finish', { code: setupCode, name: 'owner', password: OWNER_PASSWORD, totp: code(secret) });
      if (finished.status !== 200) throw new Error(`setup/finish: ${finished.status} ${finished.text}`);
      host.clock.advance(30_000); // the next login must use a later TOTP step
      return { owner, secret };
    },
    async login(name, password, secret) {
      const b = new Browser(router);
      const r = await b.post('/api/login', { name, password, totp: code(secret) });
      if (r.status !== 200) throw new Error(`login: ${r.status} ${r.text}`);
      host.clock.advance(30_000);
      return b;
    },
    async close() {
      facade.stop();
      await hub.stop();
    },
  };
}
