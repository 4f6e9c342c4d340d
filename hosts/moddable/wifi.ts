/**
 * Wi-Fi for the hub with Moddable's `wifi` module, following the core's
 * WifiPolicy (modules/wifi-policy.ts has the state diagram): join the saved
 * network, retry with backoff, and open the setup access point when there is
 * no network yet or the first connection keeps failing.
 *
 * Credentials: the key-value store (`wifi`/`network`, one JSON entry; older
 * boards `wifi`/`ssid` and `wifi`/`password`), set from the settings page; else the build's `mcconfig ssid=... password=...`.
 * The setup AP is `airlock-XXXX` (end of the MAC) with a password made
 * randomly on first boot and kept in NVS: no default password is shared
 * between hubs (ETSI EN 303 645 provision 5.1). It is printed on the serial
 * console at every boot and shown on the hub's page.
 */
import config from 'mc/config';
import Net from 'net';
import WiFi from 'wifi';
import { toHex } from '../../modules/bytes.js';
import type { KeyValueStore, Logger, Random, TimerHandle, Timers, Clock } from '../../modules/host.js';
import type { BootSupervisor } from '../../modules/boot.js';
import { WifiPolicy, type WifiAction, type WifiCredentials, type WifiEvent } from '../../modules/wifi-policy.js';

export interface WifiPowers {
  store: KeyValueStore;
  random: Random;
  timers: Timers;
  clock: Clock;
  log: Logger;
  supervisor: BootSupervisor;
}

export interface WifiController {
  readonly policy: WifiPolicy;
  readonly accessPoint: { ssid: string; password: string };
  /** From the setup page: saved to NVS, then used at once. */
  saveCredentials(credentials: WifiCredentials): void;
  requestSetup(): void;
  /** The network the hub joins (its name only). */
  network(): string | undefined;
  onOnline(listener: () => void): void;
  onOffline(listener: () => void): void;
}

function savedCredentials(store: KeyValueStore): WifiCredentials | undefined {
  // One entry, so a power cut while saving leaves the old network or the new one, never one's name with the other's password.
  const network = store.get('wifi', 'network');
  if (typeof network === 'string') {
    try {
      const saved = JSON.parse(network) as WifiCredentials;
      if (typeof saved.ssid === 'string' && saved.ssid !== '') return { ssid: saved.ssid, ...(typeof saved.password === 'string' ? { password: saved.password } : {}) };
    } catch {
      // unreadable: the older entries or the build's network below
    }
  }
  const ssid = store.get('wifi', 'ssid');
  const password = store.get('wifi', 'password');
  if (typeof ssid === 'string' && ssid !== '') return { ssid, ...(typeof password === 'string' ? { password } : {}) };
  const built = config as { ssid?: string; password?: string };
  return typeof built.ssid === 'string' && built.ssid !== '' ? { ssid: built.ssid, ...(built.password ? { password: built.password } : {}) } : undefined;
}

function setupPassword(store: KeyValueStore, random: Random): string {
  const saved = store.get('wifi', 'appass');
  if (typeof saved === 'string' && saved.length >= 8) return saved;
  const fresh = toHex(random.bytes(6)); // 12 hex characters; WPA2 needs at least 8
  store.set('wifi', 'appass', fresh);
  return fresh;
}

export function startWifi(powers: WifiPowers): WifiController {
  const { store, timers, log, supervisor } = powers;
  const policy = new WifiPolicy(powers.clock);
  const mac = (Net.get('MAC') ?? '').replace(/:/g, '');
  const accessPoint = { ssid: `airlock-${mac.slice(-4).toLowerCase() || 'setup'}`, password: setupPassword(store, powers.random) };
  const online: (() => void)[] = [];
  const offline: (() => void)[] = [];
  let monitor: WiFi | undefined;
  let retry: TimerHandle | undefined;

  const onMessage = (message: string) => {
    if (message === WiFi.gotIP) {
      supervisor.resolved('wifi');
      log.info('wifi: online', { ip: Net.get('IP') });
      run(policy.on({ type: 'got-ip' }));
      for (const listener of online) listener();
    } else if (message === WiFi.disconnected || message === WiFi.lostIP) {
      const wasOnline = policy.state === 'online';
      run(policy.on({ type: 'disconnected' }));
      if (wasOnline) {
        supervisor.problem({
          component: 'wifi',
          code: 'wifi-lost',
          message: 'Wi-Fi connection lost; records stay buffered in flash and go out on reconnect',
          action: 'check the router; the hub retries by itself',
        });
        for (const listener of offline) listener();
      }
    }
  };

  const run = (actions: WifiAction[]) => {
    for (const action of actions) {
      switch (action.type) {
        case 'connect':
          if (monitor) WiFi.connect(action.credentials);
          else monitor = new WiFi(action.credentials, onMessage);
          break;
        case 'access-point':
          if (action.on) {
            // `station: true` keeps trying the home network while the AP is up (documented for accessPoint()).
            const options = { ...accessPoint, station: policy.state !== 'setup' };
            WiFi.accessPoint(options);
            log.warn('wifi: setup access point open', { ssid: accessPoint.ssid, password: accessPoint.password, page: 'http://192.168.4.1/' });
            supervisor.problem({
              component: 'wifi',
              code: policy.state === 'setup' ? 'wifi-setup' : 'wifi-unreachable',
              message: policy.state === 'setup' ? 'no Wi-Fi network configured yet' : 'the saved Wi-Fi network cannot be reached',
              action: `join "${accessPoint.ssid}" (password on the console and the device label) and open http://192.168.4.1/`,
            });
          } else {
            WiFi.mode = WiFi.Mode.station;
          }
          break;
        case 'schedule-retry':
          timers.clear(retry);
          retry = timers.set(() => {
            retry = undefined;
            dispatch({ type: 'retry-timer' });
          }, action.ms);
          break;
      }
    }
  };
  const dispatch = (event: WifiEvent) => run(policy.on(event));

  log.info('wifi: setup access point credentials', { ssid: accessPoint.ssid, password: accessPoint.password });
  run(policy.start(savedCredentials(store)));

  return {
    policy,
    accessPoint,
    saveCredentials(credentials) {
      store.set('wifi', 'network', JSON.stringify({ ssid: credentials.ssid, ...(credentials.password !== undefined ? { password: credentials.password } : {}) }));
      dispatch({ type: 'credentials', credentials });
    },
    network: () => savedCredentials(store)?.ssid,
    requestSetup: () => dispatch({ type: 'setup-requested' }),
    onOnline: (listener) => void online.push(listener),
    onOffline: (listener) => void offline.push(listener),
  };
}
