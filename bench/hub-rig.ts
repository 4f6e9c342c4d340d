/**
 * The composed Hub (modules/hub/hub.ts) over simulated hardware, for the
 * memory bench and the preload-safety smoke run: memory NOR flash for the
 * record and audit logs, manual clock and timers, an in-memory contract
 * archive, and transports whose receiver is in memory. Contracts are
 * docs/examples/energy-saver.json with the integration id (and its broker) varied, so N
 * integrations are N real lanes (forwarder, keys, buffer quota, pipeline
 * streams). Portable: it runs inside XS.
 */
import energySaver from '../docs/examples/energy-saver.json' with { type: 'json' };
import { ManualClock, ManualTimers } from '../hosts/sim/manual-time.js';
import { MemoryFlash } from '../hosts/sim/memory-flash.js';
import { MemoryStore } from '../hosts/sim/memory-store.js';
import { SeededRandom } from '../hosts/sim/seeded-random.js';
import { platformCrypto } from '../test/support/platform.js';
import { utf8 } from '../modules/bytes.js';
import type { Contract } from '../modules/contract/types.js';
import { DeliveryError, StateListeners, endpointScope, type OutboundMessage, type Transport, type TransportState } from '../modules/forward/transport.js';
import type { Host } from '../modules/host.js';
import { Hub, type ContractArchive } from '../modules/hub/hub.js';

/** The 4 MB board's partitions (hosts/moddable/partitions.csv): the log's and the audit's per-sector state is in RAM. */
export const BOARD_LOG_BYTES = 0x58000;
export const BOARD_AUDIT_BYTES = 0x10000;

/** A host whose timers can be advanced (hosts/sim/manual-time.ts). */
export type SimulatedHost = Host & { timers: Host['timers'] & { advance(ms: number): void } };

/**
 * The simulated board for measurements. Its logger drops lines as the
 * board's trace does (the test host keeps every line, which would be
 * measured as hub memory).
 */
export function makeBenchHost(options: { flashBytes?: number } = {}): SimulatedHost {
  const clock = new ManualClock({});
  const drop = () => undefined;
  return {
    clock,
    timers: new ManualTimers(clock),
    random: new SeededRandom(1),
    crypto: platformCrypto,
    recordFlash: new MemoryFlash(options.flashBytes ?? BOARD_LOG_BYTES, 4096),
    store: new MemoryStore(),
    log: { debug: drop, info: drop, warn: drop, error: drop },
  };
}

/** Receives in memory. `offline` refuses; `hold` keeps each send pending until `release()`. */
export class BenchTransport implements Transport {
  readonly endpoint: string;
  readonly scope;
  delivered = 0;
  #mode: 'ack' | 'offline' | 'hold' = 'ack';
  readonly #held: (() => void)[] = [];
  readonly #listeners = new StateListeners();

  constructor(endpoint: string) {
    this.endpoint = endpoint;
    this.scope = endpointScope(endpoint);
  }

  get mode(): 'ack' | 'offline' | 'hold' {
    return this.#mode;
  }

  /** Changing between offline and online tells the forwarder, as a real connection would. */
  set mode(next: 'ack' | 'offline' | 'hold') {
    const before = this.state();
    this.#mode = next;
    if (this.state() !== before) this.#listeners.emit(this.state());
  }

  get held(): number {
    return this.#held.length;
  }

  send(message: OutboundMessage): Promise<void> {
    if (this.#mode === 'offline') return Promise.reject(new DeliveryError('unreachable', 'bench: vendor offline'));
    const records = message.lastSeq - message.firstSeq + 1;
    if (this.#mode === 'hold') return new Promise((resolve) => this.#held.push(() => ((this.delivered += records), resolve())));
    this.delivered += records;
    return Promise.resolve();
  }

  release(): void {
    for (const done of this.#held.splice(0)) done();
  }

  state(): TransportState {
    return this.#mode === 'offline' ? 'disconnected' : 'connected';
  }

  onStateChange(listener: (state: TransportState) => void): () => void {
    return this.#listeners.add(listener);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export function benchContracts(ids: readonly string[]): Contract[] {
  return ids.map((integration) => {
    const contract = JSON.parse(JSON.stringify(energySaver)) as Contract;
    // Each vendor its own broker: endpoints share a circuit breaker, different vendors do not.
    return { ...contract, integration, delivery: { ...contract.delivery, endpoint: `mqtts://ingest.${integration}.example:8883` } };
  });
}

function memoryArchive(): ContractArchive {
  const kept = new Map<string, Contract>();
  return { load: (id, version) => kept.get(`${id}@${version}`), save: (c) => void kept.set(`${c.integration}@${c.version}`, c) };
}

export interface HubRig {
  hub: Hub;
  transports: Map<string, BenchTransport>;
  /** Advances simulated time in 500 ms steps, letting promises settle between them. */
  run(ms: number): Promise<void>;
  /** One message from a smart plug and one from a thermometer (zigbee2mqtt). */
  readings(round: number): void;
}

async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** Boots a hub with these integrations, consent given to every purpose, devices announced. */
export function composeHubRig(host: SimulatedHost, ids: readonly string[], options: { auditBytes?: number } = {}): HubRig {
  const transports = new Map<string, BenchTransport>();
  const hub = new Hub(
    { hubId: 'bench', version: '0.1.0', model: 'ESP32', integrations: benchContracts(ids).map((contract) => ({ contract })), sources: { zigbee2mqtt: {} } },
    {
      host,
      auditFlash: new MemoryFlash(options.auditBytes ?? BOARD_AUDIT_BYTES, 4096),
      archive: memoryArchive(),
      transport: (id, endpoint) => {
        const transport = new BenchTransport(endpoint);
        transports.set(id, transport);
        return transport;
      },
      publish: () => undefined,
    },
  );
  hub.start();
  for (const id of ids) for (const purpose of hub.contract(id)!.purposes) hub.giveConsent(id, purpose.id, 'bench');
  hub.acceptMqtt(
    'zigbee2mqtt/bridge/devices',
    utf8(JSON.stringify([
      { ieee_address: '0x00158d0001d4e5f6', friendly_name: 'plug', definition: { model: 'SP-1', vendor: 'Bench' } },
      { ieee_address: '0x00158d0001d4e5f7', friendly_name: 'thermo', definition: { model: 'TH-1', vendor: 'Bench' } },
    ])),
  );
  hub.monitor.connected();
  return {
    hub,
    transports,
    async run(ms: number) {
      for (let t = 0; t < ms; t += 500) {
        host.timers.advance(500);
        await settle();
      }
    },
    readings(round: number) {
      hub.acceptMqtt('zigbee2mqtt/plug', utf8(JSON.stringify({ power: 100 + (round % 50), energy: 1 + round / 10, voltage: 229 + (round % 5) })));
      hub.acceptMqtt('zigbee2mqtt/thermo', utf8(JSON.stringify({ temperature: 20 + (round % 7) / 2, humidity: 40 })));
    },
  };
}
