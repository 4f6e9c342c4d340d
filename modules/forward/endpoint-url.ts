/**
 * Splits a delivery endpoint URL into what a socket-level client needs
 * (scheme, host, port, path). The ESP32 has no `URL` global unless the
 * SDK's url module is built in, and the transports need only these parts,
 * so they are parsed here once, for every host, with the same rules.
 */

export interface EndpointParts {
  scheme: 'mqtt' | 'mqtts' | 'http' | 'https';
  host: string;
  port: number;
  /** "/..." for HTTP(S), the topic for MQTT (without the leading slash, percent-decoded). */
  path: string;
  tls: boolean;
}

const DEFAULT_PORTS: Record<EndpointParts['scheme'], number> = { mqtt: 1883, mqtts: 8883, http: 80, https: 443 };
// The rest keeps any `#`: in an MQTT topic it is the wildcard, which deserves its own message.
const SHAPE = /^([a-z]+):\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]+)(?::(\d+))?(.*)$/i;
const WHERE_TOPICS_COME_FROM = "the contract's delivery.topic names it, or an endpoint override's path (mqtts://host:8883/airlock/energy)";

export function parseEndpoint(endpoint: string): EndpointParts {
  const match = SHAPE.exec(endpoint);
  if (!match) throw new TypeError(`endpoint "${endpoint}" is not a URL like mqtts://host:8883/topic or https://host/path`);
  const scheme = match[1]!.toLowerCase();
  if (!(scheme in DEFAULT_PORTS)) throw new TypeError(`endpoint "${endpoint}": scheme "${scheme}" is not one of mqtt, mqtts, http, https`);
  const s = scheme as EndpointParts['scheme'];
  const port = match[3] === undefined ? DEFAULT_PORTS[s] : Number(match[3]);
  if (!(port > 0 && port < 65536)) throw new TypeError(`endpoint "${endpoint}": port ${match[3]} is outside 1..65535`);
  const rest = match[4] ?? '';
  let path: string;
  if (s === 'mqtt' || s === 'mqtts') {
    try {
      path = decodeURIComponent(rest.replace(/^\//, ''));
    } catch {
      throw new TypeError(`endpoint "${endpoint}": the topic has a malformed %-escape`);
    }
    if (!path) throw new TypeError(`endpoint "${endpoint}" names no topic: "" is not a topic to publish to; ${WHERE_TOPICS_COME_FROM}`);
    if (/[#+]/.test(path)) throw new TypeError(`endpoint "${endpoint}": "${path}" is not a topic to publish to, it has an MQTT wildcard (+ or #); ${WHERE_TOPICS_COME_FROM}`);
  } else {
    if (rest.includes('#')) throw new TypeError(`endpoint "${endpoint}" has a #fragment, which is never sent to the server; remove it`);
    path = rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`;
  }
  const host = match[2]!.replace(/^\[|\]$/g, '');
  return { scheme: s, host, port, path, tls: s === 'mqtts' || s === 'https' };
}
