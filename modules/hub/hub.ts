/**
 * The composition root: one hub, the same on the ESP32 (main.ts) and the
 * desktop (`airlock run`). It wires sources → pipeline → sealed flash log →
 * forwarders, with consent, change management, the audit log, incidents and
 * monitoring around them. Platform pieces (transports, the audit partition,
 * the contract archive, the monitoring publisher) arrive as powers.
 */
import { AuditRights } from '../audit/audit-rights.js';
import { deleteIntegration, exportIntegration, type DeletionReceipt, type ExitExport } from '../audit/exit.js';
import { sealedFlashAudit } from '../audit/sealed-storage.js';
import { IncidentDesk, type Incident, type IncidentReport } from '../audit/incidents.js';
import { AuditLog } from '../audit/log.js';
import { LoginMonitor, VolumeMonitor } from '../audit/anomaly.js';
import type { AlertEvent } from '../audit/signals.js';
import { VendorCommands } from '../audit/vendor-commands.js';
import { splitCommands, type CommandSource } from '../forward/commands.js';
import { BthomeCounterStore } from '../sources/bthome-counters.js';
import { toHex } from '../bytes.js';
import { ChangeManager } from '../contract/changes.js';
import { deliveryUrl } from '../contract/terms.js';
import type { Contract } from '../contract/types.js';
import { BreakerRegistry } from '../forward/backoff.js';
import { Forwarder, type ForwarderSnapshot } from '../forward/forwarder.js';
import { StampTime } from '../forward/stamp-time.js';
import type { Transport } from '../forward/transport.js';
import type { Flash, Host } from '../host.js';
import { Keyring } from '../keyring.js';
import { RecordLog, type RecoveryReport } from '../log/store.js';
import { WriteBehind, type WindowOptions } from '../log/write-behind.js';
import { Monitor, type Publish } from '../monitor/publisher.js';
import { emptyDrops, type IntegrationStatus, type MonitorSnapshot } from '../monitor/status.js';
import { ConsentBook } from '../pipeline/consent.js';
import { Counters } from '../pipeline/counters.js';
import { buildDataMap, type DataMap } from '../pipeline/datamap.js';
import { createPlainCbor, createRecordEncoder, type PlainCbor } from '../pipeline/encode.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { Reading } from '../reading.js';
import { createBthome, type BthomeConfig, type BthomeDecoder } from '../sources/bthome.js';
import { DeviceNames, sourceOfDeviceId } from '../sources/device-names.js';
import { createSourceContext, type SourceContext } from '../sources/context.js';
import type { SourceLimits } from '../sources/limits.js';
import type { MqttDecoder } from '../sources/decoder.js';
import { createEsphome, type EsphomeConfig } from '../sources/esphome.js';
import { stampNow } from '../sources/fields.js';
import { createTasmota, type TasmotaConfig } from '../sources/tasmota.js';
import { createZigbee2Mqtt, type Zigbee2MqttConfig } from '../sources/zigbee2mqtt.js';
import { ConsentFilteredQueue } from './consent-queue.js';
import { DeliveryBudget } from './delivery-budget.js';
import { bufferLimits, deliveryTerms } from './contract-settings.js';

export interface HubIntegration {
  contract: Contract;
  /** Overrides the contract's endpoint (an installer's relay, or the demo's local stand-in cloud). */
  endpoint?: string;
}

export interface HubSources {
  zigbee2mqtt?: Zigbee2MqttConfig | false;
  tasmota?: TasmotaConfig | false;
  esphome?: EsphomeConfig | false;
  bthome?: BthomeConfig | false;
}

export interface HubOptions {
  hubId: string;
  version: string;
  /** Shown to Home Assistant: "ESP32" or "desktop". */
  model: string;
  integrations: readonly HubIntegration[];
  sources?: HubSources;
  /** Minimum interval between monitoring state publications (default 5 s). */
  monitorIntervalMs?: number;
  /** Each integration's RAM window (size, spill delay); a board profile sets it, the defaults suit a small board. */
  buffer?: WindowOptions;
  /**
   * Records the forwarders hold decoded at once, all integrations together (default 128, see
   * delivery-budget.ts): bounds the drain peak when many vendors come back at once.
   */
  deliveryRecords?: number;
  /** The sources' limits (modules/sources/limits.ts); a board profile sets `maxDevices` (docs/esp32.md, "Bounded state"). */
  sourceLimits?: Partial<SourceLimits>;
}

/** Earlier contract versions, so a restarted hub keeps enforcing the approved one while a widening waits. */
export interface ContractArchive {
  load(integration: string, version: string): Contract | undefined;
  /** False when the document could not be kept (the archive is full): adding an integration is then refused. */
  save(contract: Contract): boolean | void;
  /** Drops every version of a removed integration (the page's "Remove"); an archive without it keeps them. */
  remove?(integration: string): void;
}

/** The store key naming the contract version the hub enforces for an integration (domain "hub"; NVS keys are at most 15 characters). */
export function enforcedVersionKey(crypto: Pick<Host['crypto'], 'sha256'>, integration: string): string {
  return `v${toHex(crypto.sha256(new TextEncoder().encode(integration))).slice(0, 12)}`;
}

/** The contract version a hub enforced for an integration before it stopped, from the store. */
export function enforcedVersion(host: Pick<Host, 'store' | 'crypto'>, integration: string): string | undefined {
  const version = host.store.get(STORE_DOMAIN, enforcedVersionKey(host.crypto, integration));
  return typeof version === 'string' ? version : undefined;
}

export interface HubPowers {
  host: Host;
  /** A partition of its own for the audit log. */
  auditFlash: Flash;
  /** Builds the transport for an integration's endpoint (MQTT or HTTPS), with its credentials. */
  transport(integration: string, endpoint: string, contract: Contract): Transport;
  archive: ContractArchive;
  /** Publishes monitoring over MQTT; without it the monitor still computes state for the page. */
  publish?: Publish;
}

interface Lane {
  contract: Contract;
  endpoint: string;
  forwarder: Forwarder;
  transport: Transport;
}

const STORE_DOMAIN = 'hub';
const TICK_MS = 5_000;
const EXPIRE_MS = 60_000;
const HOUR_MS = 3_600_000;

export class Hub {
  readonly hubId: string;
  readonly version: string;
  readonly keyring: Keyring;
  readonly log: RecordLog;
  /** RAM first, flash on need: what the forwarders read (over `log`). */
  readonly buffer: WriteBehind;
  readonly recovery: RecoveryReport;
  readonly audit: AuditLog;
  readonly consent: ConsentBook;
  readonly counters = new Counters();
  readonly changes: ChangeManager;
  readonly incidents: IncidentDesk;
  readonly auditRights: AuditRights;
  readonly volume: VolumeMonitor;
  readonly logins: LoginMonitor;
  /** The vendors' authenticated command channels (modules/forward/commands.ts, modules/audit/vendor-commands.ts). */
  readonly commands: VendorCommands;
  readonly sources: SourceContext;
  /** Names the household gave devices on the page (Tasmota, ESPHome, BTHome). */
  readonly deviceNames: DeviceNames;
  readonly monitor: Monitor;
  readonly queue: ConsentFilteredQueue;
  readonly #options: HubOptions;
  readonly #powers: HubPowers;
  readonly #host: Host;
  readonly #overrides = new Map<string, string | undefined>();
  readonly #lanes = new Map<string, Lane>();
  readonly #ended = new Set<string>();
  readonly #removedListeners: ((integration: string, contracts: readonly Contract[]) => string[])[] = [];
  readonly #decoders: MqttDecoder[] = [];
  readonly #bthome: BthomeDecoder | undefined;
  readonly #bthomeCounters: BthomeCounterStore | undefined;
  /** Vendor commands per integration: acted on, refused. */
  readonly #commandCounts = new Map<string, { accepted: number; refused: number }>();
  readonly #breakers: BreakerRegistry;
  readonly #stampTime: StampTime;
  readonly #timers: object[] = [];
  readonly #alerts: AlertEvent[] = [];
  /** One CBOR codec for records, the consent filter and every forwarder's envelopes: an instance is ~4.7 KB on XS. */
  readonly #cbor: PlainCbor = createPlainCbor();
  /** What the forwarders read: the consent-filtered queue within the budget of records decoded at once. */
  readonly #delivery: DeliveryBudget;
  #pipeline: Pipeline | undefined;
  #started = false;
  #startedAt = 0;

  constructor(options: HubOptions, powers: HubPowers) {
    this.#options = options;
    this.#powers = powers;
    const host = (this.#host = powers.host);
    this.hubId = options.hubId;
    this.version = options.version;
    this.keyring = new Keyring(host);
    const opened = RecordLog.open({ flash: host.recordFlash, keyring: this.keyring, crypto: host.crypto, clock: host.clock, log: host.log });
    this.log = opened.log;
    this.recovery = opened.report;
    this.buffer = new WriteBehind(this.log, host.clock, options.buffer);
    if (opened.report.error) host.log.warn(`record log: ${opened.report.error}`);
    this.audit = AuditLog.open({
      storage: sealedFlashAudit(powers.auditFlash, { crypto: host.crypto, random: host.random, keyring: this.keyring }),
      crypto: host.crypto,
      key: this.keyring.hubKey('audit'),
      clock: host.clock,
      onAppend: () => this.monitor?.changed(),
    });
    const onAlert = (alert: AlertEvent) => this.#alert(alert);
    this.consent = new ConsentBook({ store: host.store, crypto: host.crypto, clock: host.clock, log: host.log });
    this.changes = new ChangeManager({ audit: this.audit, clock: host.clock, onEnforce: (id, contract) => this.#enforce(id, contract) });
    // Open incidents, their deadline clocks and the volume baselines survive reboots in the store.
    this.incidents = new IncidentDesk({ audit: this.audit, clock: host.clock, contract: (id) => this.changes.enforced(id), onAlert, store: host.store, log: host.log });
    this.auditRights = new AuditRights({ audit: this.audit, clock: host.clock });
    this.volume = new VolumeMonitor({ audit: this.audit, clock: host.clock, onAlert, store: host.store });
    this.commands = new VendorCommands({
      crypto: host.crypto,
      clock: host.clock,
      audit: this.audit,
      incidents: this.incidents,
      onAlert,
      // Only integrations the hub delivers to have a channel; the key is derived, so the installer can give it to the vendor.
      commandKey: (id) => (this.#lanes.has(id) ? this.keyring.hubKey(`cmd:${id}`) : undefined),
      contract: (id) => this.changes.enforced(id),
      store: host.store,
    });
    this.logins = new LoginMonitor({ audit: this.audit, clock: host.clock, onAlert });
    this.#breakers = new BreakerRegistry(host.clock);
    this.#stampTime = new StampTime(host.clock, host.store);
    this.queue = new ConsentFilteredQueue(this.buffer, {
      allowed: (id, purpose) => this.#purposeAllowed(id, purpose),
      fieldPurpose: (id, stream, field) => this.#lanes.get(id)?.contract.streams.find((s) => s.stream === stream)?.fields[field]?.purpose,
      // Deliveries change forwarded/buffered: without this the last state document before a quiet spell stayed stale.
      onAcknowledged: () => this.monitor.changed(),
    }, this.#cbor);
    this.#delivery = new DeliveryBudget(this.queue, options.deliveryRecords);

    this.sources = createSourceContext(host.clock, options.sourceLimits);
    this.deviceNames = new DeviceNames({ store: host.store });
    const s = options.sources ?? {};
    if (s.zigbee2mqtt !== false) this.#decoders.push(createZigbee2Mqtt(s.zigbee2mqtt ?? {}, this.sources));
    if (s.tasmota !== false) this.#decoders.push(createTasmota(s.tasmota ?? {}, this.sources));
    if (s.esphome !== false) this.#decoders.push(createEsphome(s.esphome ?? {}, this.sources));
    if (s.bthome !== false) {
      // Replay protection across reboots: the last accepted counters come back from the store (the larger of stored and configured).
      const kept = (this.#bthomeCounters = new BthomeCounterStore({ store: host.store, clock: host.clock, log: host.log }));
      const config = s.bthome ?? {};
      const counters: Record<string, number> = { ...config.encryptionCounters };
      for (const [mac, n] of Object.entries(kept.load())) counters[mac] = Math.max(n, counters[mac] ?? 0);
      this.#bthome = createBthome(
        {
          ...config,
          encryptionCounters: counters,
          onCounter: (address, counter) => {
            kept.note(address, counter);
            config.onCounter?.(address, counter);
          },
        },
        this.sources,
        host.crypto,
      );
    }

    this.monitor = new Monitor(
      { hubId: options.hubId, version: options.version, model: options.model, minIntervalMs: options.monitorIntervalMs },
      { publish: powers.publish ?? (() => undefined), timers: host.timers, clock: host.clock, read: () => this.snapshot() },
    );

    this.consent.onChange((event) => {
      this.audit.record(event.actor, event.given ? 'consent.given' : 'consent.withdrawn', event.integration, { purpose: event.purpose });
      this.monitor.changed();
    });
    this.consent.onWithdraw((event) => this.#afterWithdrawal(event.integration, event.actor));

    for (const id of this.#storedList('ended')) this.#ended.add(id);
    for (const id of this.#storedList('paused')) this.#paused.add(id);
    for (const integration of options.integrations) this.#install(integration);
  }

  /** Topics the host subscribes to on the home's broker. */
  get subscriptions(): string[] {
    return [...new Set(this.#decoders.flatMap((d) => [...d.subscriptions]))];
  }

  get integrations(): string[] {
    return [...this.#lanes.keys()];
  }

  contract(integration: string): Contract | undefined {
    return this.#lanes.get(integration)?.contract;
  }

  /** Starts the pipeline, forwarders and housekeeping timers. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#startedAt = this.#host.clock.monotonic();
    this.#rebuildPipeline();
    for (const [id, lane] of this.#lanes) if (!this.#paused.has(id)) lane.forwarder.start();
    this.#reportLostSeqs();
    const { timers } = this.#host;
    const spill = (): void => {
      // What a power cut could take changed (ram_records): the state documents say so.
      if (this.buffer.tick() > 0) this.monitor.changed();
    };
    this.#timers.push(timers.repeat(() => this.#guard('spilling RAM windows', spill), this.buffer.tickMs));
    this.#timers.push(timers.repeat(() => this.#pipeline?.tick(), TICK_MS));
    this.#timers.push(timers.repeat(() => this.#housekeeping(), EXPIRE_MS));
    this.#timers.push(timers.repeat(() => this.volume.rollHour(), HOUR_MS));
    this.#housekeeping();
    this.audit.record('hub', 'config.changed', this.hubId, { event: 'boot', boot: this.#host.clock.bootCount, integrations: this.integrations });
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    for (const t of this.#timers.splice(0)) this.#host.timers.clear(t);
    this.#pipeline?.close();
    this.#bthomeCounters?.flush(true);
    await Promise.all([...this.#lanes.values()].map((lane) => lane.forwarder.stop()));
    // A clean shutdown loses nothing: RAM windows go to flash and the seqs are settled.
    this.#guard('spilling RAM windows at shutdown', () => this.buffer.shutdown());
    // Transports hold connections (MQTT sessions, HTTP agents): close them so the host can shut down.
    await Promise.all([...this.#lanes.values()].map((lane) => lane.transport.close().catch(() => undefined)));
  }

  /** One message from the home's broker. Never throws. */
  acceptMqtt(topic: string, payload: Uint8Array): void {
    for (const decoder of this.#decoders) {
      if (!decoder.accepts(topic)) continue;
      this.#acceptReadings(decoder.handleMessage(topic, payload));
      return;
    }
  }

  /** One BTHome advertisement (service data after the 0xFCD2 UUID). Never throws. */
  acceptBle(mac: string, serviceData: Uint8Array, rssi?: number): void {
    if (!this.#bthome) return;
    this.#acceptReadings(this.#bthome.handleAdvertisement(mac, serviceData, rssi));
  }

  /** Accepts an already-normalized reading (tests, other adapters). */
  /**
   * Sets or removes a BTHome device's bindkey while running (the settings page).
   * False when BTHome was off at start: the key takes effect after a restart.
   */
  setBthomeKey(mac: string, key: string | undefined): boolean {
    if (!this.#bthome) return false;
    this.#bthome.setKey(mac, key);
    return true;
  }

  acceptReading(reading: Reading): void {
    this.#acceptReadings([reading]);
  }

  // ---- owner and installer actions (the web page and CLI call these) ----

  giveConsent(integration: string, purpose: string, actor: string): void {
    this.#requirePurpose(integration, purpose);
    this.consent.give(integration, purpose, actor);
  }

  withdrawConsent(integration: string, purpose: string, actor: string): void {
    this.#requirePurpose(integration, purpose);
    this.consent.withdraw(integration, purpose, actor);
  }

  /** Installs a new contract version: narrowing applies at once, widening waits for the owner. */
  installContract(contract: Contract, actor = 'installer') {
    return this.changes.install(contract, actor);
  }

  approveChange(integration: string, version: string, actor = 'owner') {
    return this.changes.approve(integration, version, actor);
  }

  rejectChange(integration: string, version: string, actor = 'owner', reason?: string) {
    return this.changes.reject(integration, version, actor, reason);
  }

  revertContract(integration: string, actor = 'owner') {
    return this.changes.revert(integration, actor);
  }

  reportIncident(report: IncidentReport): Incident {
    return this.incidents.report(report);
  }

  /**
   * What arrived on an integration's command channel (its transport's
   * `onCommand`): one signed envelope, or an HTTPS answer's list of them.
   * Each is authenticated and acted on or refused, and counted. Never throws.
   */
  acceptCommand(integration: string, payload: Uint8Array, source: CommandSource = 'topic'): void {
    const { payloads, extra } = splitCommands(payload, source);
    if (payloads.length === 0 && extra === 0) return;
    const counts = this.#commandCounts.get(integration) ?? { accepted: 0, refused: 0 };
    this.#commandCounts.set(integration, counts);
    counts.refused += extra;
    for (const one of payloads) {
      const outcome = this.commands.handle(integration, one);
      if (outcome.ok) counts.accepted++;
      else {
        counts.refused++;
        // Debug, not warn: a flood of forged messages must not flood the console; the counters and the (rate-limited) audit entries tell.
        this.#host.log.debug(`vendor command from ${integration} refused`, { reason: outcome.reason, detail: outcome.detail });
      }
    }
    this.monitor.changed();
  }

  /** The data map over the known devices, named as the household named them (a named device not heard from since start is listed too, sending nothing). */
  dataMap(): DataMap {
    const devices = this.sources.registry.list();
    for (const [id, name] of this.deviceNames.list()) {
      const known = devices.find((d) => d.id === id);
      const source = sourceOfDeviceId(id);
      if (known) known.name = name;
      else if (source) devices.push({ id, name, source, streams: [] });
    }
    return buildDataMap([...this.#lanes.values()].map((l) => l.contract), this.consent, devices);
  }

  recentAlerts(): AlertEvent[] {
    return [...this.#alerts];
  }

  /** Exit, step one: everything the homeowner keeps (contract and consent history, audit entries, undelivered records). */
  exportIntegration(integration: string, actor = 'owner'): ExitExport {
    return exportIntegration(
      { crypto: this.#host.crypto, clock: this.#host.clock, audit: this.audit, changes: this.changes, queue: this.buffer },
      integration,
      actor,
    );
  }

  /**
   * Exit, step two: stop delivery, destroy the keys, reclaim the flash, forget
   * the contract (its archived versions, consent decisions and, through
   * `onRemoved` listeners, its credential), and write the receipt.
   */
  deleteIntegration(integration: string, actor = 'owner'): DeletionReceipt {
    const receipt = deleteIntegration(
      {
        clock: this.#host.clock,
        audit: this.audit,
        keyring: this.keyring,
        stopDelivery: (id) => this.#removeLane(id),
        reclaimFlash: (id) => {
          const before = this.buffer.stats(id);
          const records = this.buffer.purge(id);
          return { records, bytes: before.bytes };
        },
        forgetConfiguration: (id) => {
          const contracts = this.changes.versions(id);
          this.forgetIntegration(id);
          const credentials: string[] = [];
          for (const listener of this.#removedListeners) credentials.push(...listener(id, contracts));
          return { contractVersions: contracts.map((c) => c.version), consent: 'forgotten', credentials };
        },
      },
      integration,
      actor,
    );
    this.#ended.add(integration);
    this.#saveList('ended', [...this.#ended]);
    this.volume.forget(integration);
    this.monitor.changed();
    return receipt;
  }

  /** Called during an integration's exit, with every contract version it had; returns the credentials it dropped (the installer's). */
  onRemoved(listener: (integration: string, contracts: readonly Contract[]) => string[]): void {
    this.#removedListeners.push(listener);
  }

  /** The monitoring state (MQTT, the page, the console). */
  snapshot(): MonitorSnapshot {
    const clock = this.#host.clock;
    const head = this.audit.head();
    const sourceCounts = this.sources.counters.snapshot() as Record<string, { dropped?: Record<string, number> }>;
    let malformed = 0;
    let devicesRefused = 0;
    for (const s of Object.values(sourceCounts)) for (const n of Object.values(s.dropped ?? {})) malformed += n;
    for (const s of Object.values(sourceCounts)) devicesRefused += s.dropped?.['too-many-devices'] ?? 0;
    for (const [, n] of Object.entries(this.counters.snapshot().malformed)) malformed += n;
    const wall = clock.wallTime();
    return {
      hub: {
        hubId: this.hubId,
        version: this.version,
        uptimeS: Math.floor((clock.monotonic() - this.#startedAt) / 1000),
        bootCount: clock.bootCount,
        uplink: this.#uplink(),
        wallClockKnown: wall !== undefined,
        readingsReceived: this.counters.readingsReceived,
        malformedInputs: malformed,
        devicesRefused,
        windowsClosedEarly: this.counters.windowsClosedEarly,
        integrations: this.#lanes.size,
        auditHeadSeq: head.seq < 0 ? null : head.seq,
        auditHeadHash: head.seq < 0 ? null : head.hash,
      },
      integrations: [...this.#lanes.entries()].map(([id, lane]) => this.#status(id, lane)),
    };
  }

  // ---- internals ----

  #status(id: string, lane: Lane): IntegrationStatus {
    const f = lane.forwarder.snapshot();
    const logDrops = this.buffer.droppedFor(id);
    const dropped = emptyDrops();
    dropped.quota = logDrops.quota + logDrops.full;
    dropped.retention = logDrops.retention;
    dropped.corrupt = logDrops.corrupt;
    dropped.purged = logDrops.purged + this.queue.skipped(id);
    dropped.consent = this.counters.integration(id).blockedConsent;
    dropped.lost = logDrops.lost;
    const wallOf = f.counters.lastDelivery ? this.#stampTime.wallOf(f.counters.lastDelivery) : undefined;
    return {
      id,
      vendor: lane.contract.vendor.name,
      connectivity: f.connectivity,
      received: this.counters.integration(id).recordsProduced,
      forwarded: f.counters.forwarded,
      dropped,
      retried: f.counters.retried,
      bufferedRecords: f.buffered.records,
      bufferedBytes: f.buffered.bytes,
      ramRecords: this.buffer.inRam(id),
      oldestBufferedAgeS: f.oldestAgeMs === undefined ? null : Math.floor(f.oldestAgeMs / 1000),
      lastDelivery: wallOf === undefined ? null : new Date(wallOf).toISOString(),
      lastError: f.counters.lastError ?? null,
      slaViolations: f.serviceLevels.violations.uptime + f.serviceLevels.violations.latency + f.serviceLevels.violations.lag,
      pendingApproval: this.changes.pending(id) !== undefined,
      auditOverdue: this.auditRights.overdue().includes(id),
      openIncidents: this.incidents.list(id).filter((i) => i.state !== 'resolved').length,
      commandsAccepted: this.#commandCounts.get(id)?.accepted ?? 0,
      commandsRefused: this.#commandCounts.get(id)?.refused ?? 0,
      session: f.session?.state ?? null,
      sessionWaits: f.session?.waits ?? 0,
    };
  }

  #uplink(): 'online' | 'local-only' | 'offline' {
    const states = [...this.#lanes.values()].map((l) => l.forwarder.connectivity.state);
    if (states.length === 0 || states.some((s) => s === 'online')) return 'online';
    return 'local-only';
  }

  #acceptReadings(readings: Reading[]): void {
    if (!this.#pipeline) return;
    for (const reading of readings) this.#pipeline.accept(reading);
    if (readings.length > 0) this.monitor.changed();
  }

  #install(integration: HubIntegration): void {
    const contract = integration.contract;
    const id = contract.integration;
    if (this.#ended.has(id)) {
      this.#host.log.warn(`integration ${id} was ended (exported and deleted); remove it from the configuration, or clear its "ended" mark to connect it again`);
      return;
    }
    this.#overrides.set(id, integration.endpoint);
    const previous = this.#host.store.get(STORE_DOMAIN, this.#versionKey(id));
    const earlier = typeof previous === 'string' && previous !== contract.version ? this.#powers.archive.load(id, previous) : undefined;
    if (typeof previous === 'string' && previous === contract.version) {
      this.changes.restore(contract);
    } else {
      if (earlier) this.changes.restore(earlier);
      this.changes.install(contract, 'installer');
    }
  }

  /** The change manager decided which version governs: every component follows it. */
  #enforce(id: string, contract: Contract): void {
    this.#host.store.set(STORE_DOMAIN, this.#versionKey(id), contract.version);
    this.#powers.archive.save(contract);
    this.buffer.configure(id, bufferLimits(contract));
    const endpoint = deliveryUrl(contract, this.#overrides.get(id));
    const lane = this.#lanes.get(id);
    if (lane && lane.endpoint === endpoint) {
      lane.contract = contract;
    } else {
      if (lane) {
        void lane.forwarder.stop().then(() => lane.transport.close());
        this.#delivery.release(id);
      }
      const transport = this.#powers.transport(id, endpoint, contract);
      transport.onCommand?.((payload, source) => this.acceptCommand(id, payload, source));
      this.#lanes.set(id, { contract, endpoint, transport, forwarder: this.#forwarder(contract, transport) });
    }
    if (this.#started) {
      this.#rebuildPipeline();
      if (!this.#paused.has(id)) this.#lanes.get(id)!.forwarder.start();
    }
    this.monitor.changed();
  }

  #forwarder(contract: Contract, transport: Transport): Forwarder {
    const host = this.#host;
    const id = contract.integration;
    const endpoint = transport.endpoint;
    return new Forwarder({
      hub: this.hubId,
      terms: deliveryTerms(contract, endpoint),
      queue: this.#delivery,
      transport,
      clock: host.clock,
      timers: host.timers,
      random: host.random,
      stampTime: this.#stampTime,
      codec: this.#cbor,
      breaker: this.#breakers.for(transport.endpoint),
      log: host.log,
      // Outbound volume is measured at delivery: what actually left the hub for the vendor.
      onDelivered: (records, bytes) => this.volume.observe(id, records, bytes),
      onServiceLevelEvent: (event) => {
        this.audit.record('hub', 'sla.violation', id, { ...event });
        this.#alert({
          kind: 'sla.violation',
          integration: id,
          message: `${id}: ${event.kind} ${event.observed} breaks the promised ${event.promised}`,
          at: event.time,
          details: JSON.parse(JSON.stringify(event)) as AlertEvent['details'],
        });
      },
    });
  }

  #removeLane(id: string): void {
    const lane = this.#lanes.get(id);
    if (!lane) return;
    void lane.forwarder.stop().then(() => lane.transport.close());
    this.#delivery.release(id);
    this.#lanes.delete(id);
    this.#rebuildPipeline();
  }

  #rebuildPipeline(): void {
    if (!this.#started) return;
    this.#pipeline?.close();
    this.#pipeline = createPipeline({
      crypto: this.#host.crypto,
      keyring: this.keyring,
      clock: this.#host.clock,
      contracts: [...this.#lanes.values()].map((l) => l.contract),
      consent: this.consent,
      counters: this.counters,
      encoder: createRecordEncoder(this.#cbor),
      onRecord: (integration, payload, record) => this.#buffer(integration, payload, record.p),
    });
  }

  #buffer(integration: string, payload: Uint8Array, purposes: readonly string[]): void {
    const result = this.buffer.append(integration, payload, stampNow(this.#host.clock), this.queue.purposeMask(integration, purposes));
    if (!result.ok && result.reason !== 'quota' && result.reason !== 'full') {
      this.#host.log.warn(`record log refused a record of ${integration}: ${result.message}`);
    }
    this.#lanes.get(integration)?.forwarder.notify();
  }

  #purposeAllowed(integration: string, purpose: string): boolean {
    const p = this.#lanes.get(integration)?.contract.purposes.find((x) => x.id === purpose);
    if (!p) return false;
    return !p.requiresConsent || this.consent.isGiven(integration, purpose);
  }

  #afterWithdrawal(integration: string, actor: string): void {
    const contract = this.#lanes.get(integration)?.contract;
    if (!contract) return;
    const anyLeft = contract.purposes.some((p) => !p.requiresConsent || this.consent.isGiven(integration, p.id));
    if (anyLeft) return; // records of other purposes keep flowing; the withdrawn purpose's records are skipped at delivery
    const purged = this.buffer.purge(integration);
    this.#pipeline?.forgetKeys(integration);
    this.audit.record(actor, 'data.purged', integration, { records: purged, reason: 'consent withdrawn for every purpose', keys: 'shredded' });
  }

  #requirePurpose(integration: string, purpose: string): void {
    const contract = this.#lanes.get(integration)?.contract;
    if (!contract) throw new RangeError(`no integration "${integration}" on this hub`);
    if (!contract.purposes.some((p) => p.id === purpose)) {
      throw new RangeError(`integration "${integration}" has no purpose "${purpose}" (it has: ${contract.purposes.map((p) => p.id).join(', ')})`);
    }
  }

  #housekeeping(): void {
    const expired = this.buffer.expire();
    if (expired > 0) this.audit.record('hub', 'retention.expired', this.hubId, { records: expired });
    this.incidents.check();
    this.#bthomeCounters?.flush();
    for (const id of this.#lanes.keys()) this.auditRights.check(id, this.changes.enforced(id));
    this.log.reclaim();
  }

  /** Seqs a power cut took from a RAM window (at the last boot): audited and counted once, so a vendor can tell a gap from a bug. */
  #reportLostSeqs(): void {
    for (const id of this.#lanes.keys()) {
      const gap = this.log.gap(id);
      if (!gap) continue;
      const seqs = gap.to - gap.from + 1;
      this.#host.log.warn(`record log: ${id} seqs ${gap.from}..${gap.to} were reserved but not found after a power cut (records lost from RAM, at most ${seqs})`);
      // Audited before the log is settled: a cut in between reports the gap twice, never not at all.
      this.audit.record('hub', 'data.lost', id, { fromSeq: gap.from, toSeq: gap.to, atMost: seqs, reason: 'power cut before the RAM window spilled' });
      this.buffer.settleGap(id);
    }
  }

  /** A flash failure in housekeeping is logged, not thrown into a timer (or out of stop()). */
  #guard(what: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.#host.log.error(`record log: ${what} failed`, { error: (error as Error)?.message ?? String(error) });
    }
  }

  #alert(alert: AlertEvent): void {
    this.#alerts.push(alert);
    if (this.#alerts.length > 50) this.#alerts.shift();
    this.monitor.alert({ kind: alert.kind, integration: alert.integration, message: alert.message, details: alert.details });
  }

  #versionKey(id: string): string {
    return enforcedVersionKey(this.#host.crypto, id);
  }

  #storedList(name: string): string[] {
    const raw = this.#host.store.get(STORE_DOMAIN, name);
    if (typeof raw !== 'string') return [];
    try {
      const list = JSON.parse(raw) as unknown;
      return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  #saveList(name: string, list: string[]): void {
    this.#host.store.set(STORE_DOMAIN, name, JSON.stringify(list));
  }

  // ---- integrations added and removed at runtime (modules/hub/integration-installer.ts) ----

  /**
   * Installs an integration that is not on this hub, while it runs: a fresh
   * installation (no earlier version is consulted, an earlier exit's "ended"
   * mark is cleared: adding it again is the owner's decision). Its records
   * flow once consent is given for the purposes that need it.
   */
  addIntegration(integration: HubIntegration, actor: string): void {
    const id = integration.contract.integration;
    if (this.#lanes.has(id)) throw new RangeError(`integration "${id}" is already on this hub; upload a new version of its contract instead`);
    if (this.#ended.delete(id)) this.#saveList('ended', [...this.#ended]);
    this.#host.store.delete(STORE_DOMAIN, this.#versionKey(id));
    this.changes.forget(id);
    this.#overrides.set(id, integration.endpoint);
    this.changes.install(integration.contract, actor);
  }

  /**
   * After the exit (export, `deleteIntegration`): forgets the contract, its
   * archived versions, consent decisions and pause, so nothing of it is left
   * but the audit log. The "ended" mark stays: a configuration file naming it
   * does not bring it back; only adding it again on the page does.
   */
  forgetIntegration(integration: string): void {
    const contracts = this.changes.versions(integration);
    const purposes = [...new Set(contracts.flatMap((c) => c.purposes.map((p) => p.id)))];
    this.consent.forget(integration, purposes);
    this.changes.forget(integration);
    this.#powers.archive.remove?.(integration);
    this.#host.store.delete(STORE_DOMAIN, this.#versionKey(integration));
    this.#overrides.delete(integration);
    this.#commandCounts.delete(integration);
    if (this.#paused.delete(integration)) this.#saveList('paused', [...this.#paused]);
    this.monitor.changed();
  }

  /** Builds an integration's transport again, e.g. with a credential the owner replaced. */
  reconnect(integration: string): void {
    const lane = this.#lanes.get(integration);
    if (!lane) return;
    const old = lane;
    const transport = this.#powers.transport(integration, lane.endpoint, lane.contract);
    transport.onCommand?.((payload, source) => this.acceptCommand(integration, payload, source));
    this.#lanes.set(integration, { contract: lane.contract, endpoint: lane.endpoint, transport, forwarder: this.#forwarder(lane.contract, transport) });
    void old.forwarder.stop().then(() => old.transport.close());
    this.#delivery.release(integration); // the old forwarder's batch no longer counts against the budget
    if (this.#started && !this.#paused.has(integration)) this.#lanes.get(integration)!.forwarder.start();
    this.monitor.changed();
  }

  // ---- delivery state and pause, for the web page (modules/hub/facade/) ----

  /** Integrations whose delivery an installer or owner paused (kept across restarts). */
  readonly #paused = new Set<string>();

  /** The forwarder's view of one integration (endpoint, service levels), or undefined when it has none. */
  delivery(integration: string): ForwarderSnapshot | undefined {
    return this.#lanes.get(integration)?.forwarder.snapshot();
  }

  isPaused(integration: string): boolean {
    return this.#paused.has(integration);
  }

  /**
   * Stops delivering to one integration; records keep being gathered and
   * buffered within the contract's limits (retention still applies). Audited
   * as `config.changed`. Returns false when there is no such integration.
   */
  pauseDelivery(integration: string, actor: string): boolean {
    const lane = this.#lanes.get(integration);
    if (!lane) return false;
    if (this.#paused.has(integration)) return true;
    this.#paused.add(integration);
    this.#saveList('paused', [...this.#paused]);
    void lane.forwarder.stop();
    this.#delivery.release(integration);
    this.audit.record(actor, 'config.changed', integration, { event: 'delivery.paused', buffered: this.buffer.stats(integration).records });
    this.monitor.changed();
    return true;
  }

  /** Resumes delivery paused by `pauseDelivery`; what waited is sent in order. Audited. */
  resumeDelivery(integration: string, actor: string): boolean {
    const lane = this.#lanes.get(integration);
    if (!lane) return false;
    if (!this.#paused.delete(integration)) return true;
    this.#saveList('paused', [...this.#paused]);
    if (this.#started) lane.forwarder.start();
    this.audit.record(actor, 'config.changed', integration, { event: 'delivery.resumed', buffered: this.buffer.stats(integration).records });
    this.monitor.changed();
    return true;
  }
}
