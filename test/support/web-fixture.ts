/**
 * A household on the real hub behind the page (test/support/hub-web-rig.ts),
 * for the web suites: GreenWatt gets the kitchen plug's power for energy
 * advice (consent given, tariff matching not), with readings waiting in the
 * hub (its cloud does not answer); AquaGuard watches a leak sensor and has proposed a contract change that
 * widens data use; SafeHome watches the same sensor and has an incident whose
 * notification is overdue.
 * All of it is set up through the hub's own calls, so the page shows only
 * what the hub does. Core suites use it on Node and inside XS.
 */
import { utf8 } from '../../modules/bytes.js';
import type { Contract } from '../../modules/contract/types.js';
import { energyAdvisor, makeContract } from './contracts.js';
import { makeHubWebRig, type HubWebRig, type HubWebRigOptions } from './hub-web-rig.js';
import type { Browser } from './web-client.js';

export type WebFixture = HubWebRig;

export const LEAK_SENSOR = 'bathroom leak sensor';
const HOUR = 3_600_000;

function vendor(contract: Contract, name: string, domain: string): Contract {
  contract.vendor = { name, contact: { email: `privacy@${domain}` } };
  contract.delivery.endpoint = `mqtts://ingest.${domain}:8883`;
  return contract;
}

export function greenWatt(): Contract {
  return vendor(energyAdvisor('greenwatt'), 'GreenWatt', 'greenwatt.example');
}

/** Version 2.1.0 widens (battery levels for risk pricing) and narrows (shorter vendor retention): the owner decides. */
export function aquaGuard(version = '2.0.0'): Contract {
  const c = makeContract({
    integration: 'aquaguard',
    purposes: [
      { id: 'leak-alerts', description: 'Telling you at once when water leaks.', requiresConsent: false },
      { id: 'risk-pricing', description: 'Pricing your home insurance by leak risk.', requiresConsent: true },
    ],
    streams: [{ stream: 'leak', fields: { water_leak: { purpose: 'leak-alerts', transform: { kind: 'keep' } } } }],
  });
  c.version = version;
  if (version !== '2.0.0') {
    c.streams.push({ stream: 'battery', fields: { battery: { purpose: 'risk-pricing', transform: { kind: 'bucket', edges: [20, 50] } } } });
    c.vendorStorage.retentionDays = 90;
  }
  return vendor(c, 'AquaGuard', 'aquaguard.example');
}

export function safeHome(): Contract {
  const c = makeContract({
    integration: 'safehome',
    purposes: [{ id: 'alarm-monitoring', description: 'Calling you when the alarm centre sees a leak.', requiresConsent: false }],
    streams: [{ stream: 'leak', fields: { water_leak: { purpose: 'alarm-monitoring', transform: { kind: 'keep' } } } }],
  });
  return vendor(c, 'SafeHome', 'safehome.example');
}

export function makeWebFixture(options: HubWebRigOptions = {}): WebFixture {
  const f = makeHubWebRig([greenWatt(), aquaGuard(), safeHome()], {}, { devices: [{ ieee_address: '0x00158d00045a1b2c', friendly_name: LEAK_SENSOR }], ...options });
  const { hub } = f;
  hub.giveConsent('greenwatt', 'energy-advice', 'owner:owner');
  // GreenWatt's cloud does not answer: its four readings wait in the hub, whenever its forwarder runs.
  f.transports.get('greenwatt')!.fallback = 'unreachable';
  for (let i = 0; i < 4; i++) {
    f.plug(120 + i * 15);
    hub.acceptMqtt(`zigbee2mqtt/${LEAK_SENSOR}`, utf8(JSON.stringify({ water_leak: false, battery: 87 })));
    f.host.clock.advance(60_000);
  }
  hub.installContract(aquaGuard('2.1.0'), 'vendor:aquaguard');
  hub.incidents.report({
    integration: 'safehome',
    reportedBy: 'owner',
    title: 'SafeHome reported unauthorised access to its alarm-event database',
    discoveredAt: f.host.clock.wallTime()! - 80 * HOUR,
  });
  return f;
}

/** Invites and enrols another account; returns its logged-in browser and secret. */
export async function enrol(fixture: Pick<WebFixture, 'browser' | 'code' | 'host'>, owner: Browser, name: string, role: 'member' | 'installer', accessHours?: number): Promise<{ browser: Browser; secret: string }> {
  const invited = await owner.post('/api/users/invite', { name, role, ...(accessHours ? { accessHours } : {}) });
  if (invited.status !== 201) throw new Error(`invite: ${invited.status} ${invited.text}`);
  const browser = fixture.browser();
  const started = await browser.post('/api/setup/start', { code: invited.json.code });
  if (started.status !== 200) throw new Error(`start: ${started.status} ${started.text}`);
  const finished = await browser.post('/api/setup/finish', { code: invited.json.code, password: `${name} password 1`, totp: fixture.code(started.json.secret) });
  if (finished.status !== 200) throw new Error(`finish: ${finished.status} ${finished.text}`);
  fixture.host.clock.advance(30_000);
  return { browser, secret: started.json.secret };
}
