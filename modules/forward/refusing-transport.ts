/**
 * Transport policy shared by every host: records never cross the internet
 * unencrypted, and an endpoint the hub will not serve becomes a transport that
 * refuses every send with the reason (the page and MQTT show it as the
 * integration's last error; records stay buffered within quota and retention).
 */
import { DeliveryError, endpointScope, type Transport } from './transport.js';

/** Why the hub refuses to deliver to `endpoint`, or undefined when it may. */
export function plaintextRefusal(endpoint: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(endpoint)?.[1]?.toLowerCase();
  if (scheme !== 'mqtt' && scheme !== 'http') return undefined;
  let scope: Transport['scope'];
  try {
    scope = endpointScope(endpoint);
  } catch {
    return `endpoint "${endpoint}" is not a URL`;
  }
  if (scope === 'local') return undefined; // a relay or stand-in on the home network
  return `${scheme}:// to an internet host would send records unencrypted; the hub refuses it: ask the vendor for ${scheme}s://`;
}

/** A transport that cannot deliver, saying why on every attempt. */
export function refusingTransport(endpoint: string, reason: string): Transport {
  let scope: Transport['scope'] = 'internet';
  try {
    scope = endpointScope(endpoint);
  } catch {
    // not a URL: the reason says so
  }
  return {
    endpoint,
    scope,
    send: () => Promise.reject(new DeliveryError('rejected', reason)),
    state: () => 'disconnected',
    onStateChange: () => () => undefined,
    close: () => Promise.resolve(),
  };
}
