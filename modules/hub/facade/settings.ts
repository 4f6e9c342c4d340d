/**
 * The settings area of the page's facade (modules/web/facade/settings.ts,
 * `SettingsFacade`): the home and monitoring brokers, the sources, BTHome
 * bindkeys, the hub id, the page's time zone and, on the board, Wi-Fi.
 *
 * A change is judged whole before anything is kept: the page's form becomes
 * a configuration (the one model, runtime-config.ts) and every problem comes
 * back at once with its path; a new broker must accept the hub in a test
 * connection (the host's own ConnectBroker). Then it is saved in one atomic
 * step (settings-store.ts), passwords and bindkeys into the secret store
 * under new names, applied where the running hub can (brokers reconnect,
 * bindkeys and the time zone at once; the hub id and the sources at the next
 * restart, which the answer and the page say), and audited without secrets.
 */
import { normalizeMac } from '../../sources/bthome.js';
import type { Crypto } from '../../host.js';
import type { WifiCredentials } from '../../wifi-policy.js';
import { FacadeError, type Actor } from '../../web/facade.js';
import type { BrokerView, SettingsFacade, SettingsOutcome, SettingsView } from '../../web/facade/settings.js';
import type { Hub } from '../hub.js';
import type { ProbeResult } from '../runtime-brokers.js';
import { parseRuntimeConfig, type BrokerConfig, type ConfigProblem, type RuntimeConfig } from '../runtime-config.js';
import { fingerprint, secretNames, SETTING_KEYS, withSettings, type SettingKey, type SettingValues } from '../settings.js';
import { PAGE_SECRET_PREFIX, SettingsError, type SettingsStore } from '../settings-store.js';

/** A facade composed without settings (a hub the runtime did not build): the page says so. */
export function noSettings(): SettingsFacade {
  const refuse = (): never => {
    throw new FacadeError(503, 'settings-unavailable', 'This hub was started without its settings; change them in the configuration file.');
  };
  return { settings: refuse, changeSettings: refuse, setBthomeKey: refuse, setWifi: refuse };
}

/** The board's Wi-Fi (hosts/moddable/wifi.ts); a computer has none to set. */
export interface WifiSettings {
  network(): string | undefined;
  save(credentials: WifiCredentials): void;
}

export interface SettingsPowers {
  hub: Hub;
  store: SettingsStore;
  crypto: Pick<Crypto, 'sha256'>;
  /** The configuration file as read at start: the baseline. */
  file: RuntimeConfig;
  /** What the hub was composed with at start (file and saved settings). */
  running: RuntimeConfig;
  /** What only the host can judge (the board's profile: how many bindkeys fit its RAM). */
  check?(config: RuntimeConfig): ConfigProblem[];
  /** A test connection with these settings; absent: the hub has no MQTT at all. */
  probe?(role: 'home' | 'monitor', broker: BrokerConfig): Promise<ProbeResult>;
  /** Replaces the running connection of `role` (undefined: none). */
  reconnect(role: 'home' | 'monitor', broker: BrokerConfig | undefined): void;
  wifi?: WifiSettings;
}

const LIVE: readonly SettingKey[] = ['localBroker', 'monitorBroker', 'timeZone'];
const WIFI_PASSWORD = { min: 8, max: 63 };

function actorOf(actor: Actor): string {
  return `${actor.role}:${actor.name}`;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Page secrets a configuration names (only these are ever deleted). */
function pageSecrets(config: RuntimeConfig): string[] {
  return SETTING_KEYS.flatMap((key) => secretNames(config[key])).filter((name) => name.startsWith(PAGE_SECRET_PREFIX));
}

function brokerView(broker: BrokerConfig | undefined): BrokerView | null {
  if (!broker) return null;
  if (!('url' in broker)) return { url: 'embedded', username: '', passwordSet: false, caSet: false };
  return { url: broker.url, username: broker.username ?? '', passwordSet: broker.password !== undefined, caSet: broker.ca !== undefined };
}

export function createSettingsFacade(powers: SettingsPowers): SettingsFacade {
  const { hub, store } = powers;
  let current = powers.running;

  function view(): SettingsView {
    const s = current.sources ?? {};
    const bthome = s.bthome;
    const saved = store.load();
    return {
      hubId: current.hubId,
      timeZone: current.timeZone ?? null,
      localBroker: brokerView(current.localBroker),
      monitorBroker: brokerView(current.monitorBroker),
      sources: {
        zigbee2mqtt: { on: s.zigbee2mqtt !== false, baseTopic: (s.zigbee2mqtt && s.zigbee2mqtt.baseTopic) || 'zigbee2mqtt' },
        tasmota: { on: s.tasmota !== false, fullTopic: (s.tasmota && s.tasmota.fullTopic) || '%prefix%/%topic%/' },
        esphome: { on: s.esphome !== false, nodes: (s.esphome && s.esphome.nodes) || [] },
        bthome: { on: bthome !== false, keys: Object.keys((bthome && bthome.keys) || {}) },
      },
      wifi: { available: powers.wifi !== undefined, ssid: powers.wifi?.network() ?? null },
      fromPage: SETTING_KEYS.filter((key) => key in saved.values),
      restartNeeded: SETTING_KEYS.filter((key) => !LIVE.includes(key) && !same(current[key], powers.running[key])),
    };
  }

  /** The page's broker form → the model's broker; a new password is staged under a new name. */
  function brokerFrom(raw: unknown, old: BrokerConfig | undefined, secretName: string, secrets: Record<string, string>, problems: string[], at: string): unknown {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw; // the model says what is wrong
    const form = raw as Record<string, unknown>;
    const was = old && 'url' in old ? old : undefined;
    const broker: Record<string, unknown> = { url: form.url };
    const username = form.username === undefined ? was?.username : form.username;
    if (username !== '' && username !== undefined) broker.username = username;
    if (form.password === undefined) {
      // Kept (never shown, only replaced), while there is a user name: MQTT sends a password only with one.
      if (was?.password && username !== undefined && username !== '') broker.password = was.password;
    } else if (typeof form.password !== 'string' || form.password.length > 256) {
      problems.push(`${at}.password: must be a string of at most 256 characters ("" for none)`);
    } else if (form.password !== '') {
      secrets[secretName] = form.password;
      broker.password = { secret: secretName };
    }
    const ca = form.ca === undefined ? was?.ca : form.ca;
    if (ca !== '' && ca !== undefined) broker.ca = ca;
    for (const key of Object.keys(form)) if (!['url', 'username', 'password', 'ca'].includes(key)) problems.push(`${at}.${key}: not a broker setting (url, username, password, ca)`);
    return broker;
  }

  function sourcesFrom(raw: unknown, problems: string[]): unknown {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
    const form = raw as Record<string, unknown>;
    const out: Record<string, unknown> = { ...(current.sources ?? {}) };
    for (const name of ['zigbee2mqtt', 'tasmota', 'esphome'] as const) if (name in form) out[name] = form[name];
    if ('bthome' in form) {
      // On or off only: its bindkeys have their own request (setBthomeKey), replay files stay the file's.
      if (typeof form.bthome !== 'boolean') problems.push('sources.bthome: must be true or false (bindkeys are set one device at a time)');
      else out.bthome = form.bthome ? (current.sources?.bthome || {}) : false;
    }
    for (const key of Object.keys(form)) if (!['zigbee2mqtt', 'tasmota', 'esphome', 'bthome'].includes(key)) problems.push(`sources.${key}: there is no such source (zigbee2mqtt, tasmota, esphome, bthome)`);
    return out;
  }

  function describe(key: SettingKey, next: RuntimeConfig): string {
    const value = next[key];
    if (key === 'localBroker' || key === 'monitorBroker') {
      const b = value as BrokerConfig | undefined;
      if (!b) return `${key}: the home broker`;
      return 'url' in b ? `${key}: ${b.url}${b.username ? ` as ${b.username}` : ''}${b.password ? ' with a password' : ''}${b.ca ? ', own CA' : ''}` : `${key}: embedded`;
    }
    if (key === 'sources') return `sources: ${Object.entries((value as RuntimeConfig['sources']) ?? {}).map(([n, o]) => `${n} ${o === false ? 'off' : 'on'}`).join(', ')}`;
    return `${key}: ${value === undefined ? '(none)' : String(value)}`;
  }

  /** Saves `next` (judged already) atomically, applies it and audits it. */
  function commit(next: RuntimeConfig, generation: number, what: string[], actor: Actor, reconnect: boolean): SettingsOutcome {
    const changed = SETTING_KEYS.filter((key) => !same(next[key], current[key]));
    if (changed.length === 0) {
      store.unstage(); // nothing to write: NVS wears
      return { settings: view(), changed, applied: [], restartNeeded: [], auditSeq: hub.audit.head().seq };
    }
    const saved = store.load();
    // What the page saved before stands (the start dropped what the file overrode); the changed keys join it.
    const values: SettingValues = { ...saved.values };
    const file = { ...saved.file };
    for (const key of changed) {
      (values as Record<string, unknown>)[key] = next[key] ?? null;
      file[key] = fingerprint(powers.file[key], powers.crypto);
    }
    try {
      store.commit({ generation, values, file });
    } catch (error) {
      store.unstage();
      if (error instanceof SettingsError) throw new FacadeError(413, 'settings-too-large', `${error.message}. Nothing was changed.`);
      throw error;
    }
    current = next;
    if (reconnect) {
      const home = changed.includes('localBroker');
      if (home) powers.reconnect('home', next.localBroker);
      if (changed.includes('monitorBroker') || (home && !next.monitorBroker)) powers.reconnect('monitor', next.monitorBroker ?? next.localBroker);
    }
    const entry = hub.audit.record(actorOf(actor), 'config.changed', 'hub', {
      event: 'settings.changed',
      keys: changed.join(','),
      text: `Settings changed by ${actor.name}: ${[...what, ...changed.filter((k) => k !== 'sources' || what.length === 0).map((k) => describe(k, next))].join('; ') || 'nothing'}.`,
    });
    const settings = view();
    return {
      settings,
      changed,
      applied: changed.filter((key) => !settings.restartNeeded.includes(key)),
      restartNeeded: changed.filter((key) => settings.restartNeeded.includes(key)),
      auditSeq: entry.seq,
    };
  }

  function judge(candidate: Record<string, unknown>, problems: string[]): RuntimeConfig {
    const parsed = parseRuntimeConfig(candidate);
    for (const p of [...parsed.problems, ...(parsed.config ? powers.check?.(parsed.config) ?? [] : [])]) problems.push(`${p.path}: ${p.message}`);
    if (problems.length > 0 || !parsed.config) throw new FacadeError(400, 'invalid-settings', `Not saved: ${problems.join('; ')}.`);
    return parsed.config;
  }

  return {
    settings: view,

    async changeSettings(change, actor) {
      const problems: string[] = [];
      const secrets: Record<string, string> = {};
      const generation = store.nextGeneration();
      const values: Record<string, unknown> = {};
      for (const key of Object.keys(change)) {
        if (!(['hubId', 'timeZone', 'localBroker', 'monitorBroker', 'sources'] as string[]).includes(key)) problems.push(`${key}: not a hub setting here (hubId, timeZone, localBroker, monitorBroker, sources)`);
      }
      if ('hubId' in change) values.hubId = change.hubId;
      if ('timeZone' in change) values.timeZone = change.timeZone === '' ? null : change.timeZone;
      for (const key of ['localBroker', 'monitorBroker'] as const) {
        if (!(key in change)) continue;
        values[key] = change[key] === null ? null : brokerFrom(change[key], current[key], `${PAGE_SECRET_PREFIX}${key}.${generation}`, secrets, problems, key);
      }
      if ('sources' in change) values.sources = sourcesFrom(change.sources, problems);
      const next = judge(withSettings(current, values as SettingValues) as unknown as Record<string, unknown>, problems);

      store.stage(generation, secrets, pageSecrets(current).filter((name) => !pageSecrets(next).includes(name)));
      // Test connections, once per broker that changed: the home broker (and monitoring with it when it follows), then monitoring's own.
      const tests: ['home' | 'monitor', BrokerConfig][] = [];
      if (!same(next.localBroker, current.localBroker) && next.localBroker) tests.push(['home', next.localBroker]);
      if (!same(next.monitorBroker, current.monitorBroker) && next.monitorBroker) tests.push(['monitor', next.monitorBroker]);
      for (const [role, broker] of tests) {
        if (!('url' in broker)) continue; // the desktop's embedded broker is started by the host
        const result: ProbeResult = powers.probe ? await powers.probe(role, broker) : { ok: false, reason: 'this hub has no MQTT connection' };
        if (!result.ok) {
          store.unstage();
          const which = role === 'home' ? 'home broker' : 'monitoring broker';
          throw new FacadeError(422, 'broker-refused', `The ${which} at ${broker.url} did not accept the hub: ${result.reason}. Check the address, user name, password and CA. Nothing was saved.`);
        }
      }
      return commit(next, generation, [], actor, true);
    },

    setBthomeKey(mac, key, actor) {
      const address = normalizeMac(mac);
      if (!address) throw new FacadeError(400, 'bad-mac', `"${String(mac).slice(0, 40)}" is not a MAC address (12 hex digits, like a4:c1:38:8d:18:b2). Nothing was saved.`);
      if (key !== null) {
        const digits = String(key).replace(/[\s:-]/g, '');
        if (!/^[0-9a-fA-F]*$/.test(digits)) throw new FacadeError(400, 'bad-bindkey', `The bindkey of ${address} must be hex digits (0-9, a-f). Nothing was saved.`);
        if (digits.length !== 32) throw new FacadeError(400, 'bad-bindkey', `The bindkey of ${address} must be 32 hex digits (16 bytes, AES-128); this one has ${digits.length}. Nothing was saved.`);
        key = digits.toLowerCase();
      }
      const bthome = current.sources?.bthome;
      if (bthome === false) throw new FacadeError(409, 'bthome-off', 'BTHome is switched off in the sources; switch it on (and restart) before adding bindkeys. Nothing was saved.');
      const generation = store.nextGeneration();
      const name = `${PAGE_SECRET_PREFIX}bthome.${address.replace(/:/g, '')}.${generation}`;
      const keys = { ...((bthome && bthome.keys) || {}) };
      if (key === null) delete keys[address];
      else keys[address] = { secret: name };
      const next = judge(withSettings(current, { sources: { ...(current.sources ?? {}), bthome: { ...(bthome || {}), keys } } }) as unknown as Record<string, unknown>, []);
      store.stage(generation, key === null ? {} : { [name]: key }, pageSecrets(current).filter((n) => !pageSecrets(next).includes(n)));
      const outcome = commit(next, generation, [`BTHome bindkey of ${address} ${key === null ? 'removed' : 'set'}`], actor, false);
      const live = hub.setBthomeKey(address, key ?? undefined);
      // A bindkey is in effect at once when BTHome runs; "sources" still says restart only for what else changed.
      return live ? { ...outcome, applied: ['sources'], restartNeeded: outcome.settings.restartNeeded.includes('sources') ? ['sources'] : [] } : outcome;
    },

    setWifi(credentials, actor) {
      const wifi = powers.wifi;
      if (!wifi) throw new FacadeError(409, 'no-wifi', 'This hub runs on a computer and uses its network; there is no Wi-Fi to set here.');
      const { ssid, password } = credentials;
      const problems: string[] = [];
      if (typeof ssid !== 'string' || ssid.length < 1 || new TextEncoder().encode(ssid).length > 32) problems.push('wifi.ssid: must be 1 to 32 bytes');
      if (password !== undefined && (typeof password !== 'string' || (password !== '' && (password.length < WIFI_PASSWORD.min || password.length > WIFI_PASSWORD.max)))) {
        problems.push(`wifi.password: WPA2 passwords are ${WIFI_PASSWORD.min} to ${WIFI_PASSWORD.max} characters ("" for an open network)`);
      }
      if (problems.length > 0) throw new FacadeError(400, 'invalid-settings', `Not saved: ${problems.join('; ')}.`);
      wifi.save({ ssid, ...(password ? { password } : {}) });
      const entry = hub.audit.record(actorOf(actor), 'config.changed', 'hub', { event: 'settings.changed', keys: 'wifi', text: `Settings changed by ${actor.name}: Wi-Fi network ${ssid}${password ? ' with a password' : ' (open)'}.` });
      return { settings: view(), changed: ['wifi'], applied: ['wifi'], restartNeeded: [], auditSeq: entry.seq };
    },
  };
}
