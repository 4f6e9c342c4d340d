// The hub settings area: brokers, sources, bindkeys, the hub id, the page's time zone, Wi-Fi (modules/hub/facade/settings.ts).
import type { Actor } from '../facade.js';

/** A broker as the page shows it: never its password, only whether one is set. */
export interface BrokerView {
  /** mqtt(s)://host:port; "embedded" for the desktop's built-in broker. */
  url: string;
  username: string;
  passwordSet: boolean;
  caSet: boolean;
}

export interface SettingsView {
  hubId: string;
  /** IANA name the page shows times in; null: the browser's own. */
  timeZone: string | null;
  localBroker: BrokerView | null;
  /** null: monitoring goes to the home broker. */
  monitorBroker: BrokerView | null;
  sources: {
    zigbee2mqtt: { on: boolean; baseTopic: string };
    tasmota: { on: boolean; fullTopic: string };
    esphome: { on: boolean; nodes: string[] };
    /** `keys`: the MACs that have a bindkey (never the keys). */
    bthome: { on: boolean; keys: string[] };
  };
  /** The board's Wi-Fi network (a computer uses its own network: `available` false). */
  wifi: { available: boolean; ssid: string | null };
  /** Keys set on the page (the rest come from the configuration file). */
  fromPage: string[];
  /** Saved keys that take effect at the next restart. */
  restartNeeded: string[];
}

export interface SettingsOutcome {
  settings: SettingsView;
  /** Keys this save changed. */
  changed: string[];
  /** Of those, the ones in effect now. */
  applied: string[];
  /** Of those, the ones that need a restart. */
  restartNeeded: string[];
  /** The audit entry of the change. */
  auditSeq: number;
}

/** The hub settings part of the facade: validated, tested against the broker, saved atomically and audited. */
export interface SettingsFacade {
  settings(): SettingsView;
  /** `change`: the page's form as JSON (docs/web.md "Settings"); refused as a whole, with every problem and its path. */
  changeSettings(change: Record<string, unknown>, actor: Actor): Promise<SettingsOutcome>;
  /** Sets (32 hex digits) or removes (null) a BTHome device's bindkey. */
  setBthomeKey(mac: string, key: string | null, actor: Actor): SettingsOutcome;
  setWifi(credentials: { ssid: string; password?: string }, actor: Actor): SettingsOutcome;
}
