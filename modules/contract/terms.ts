/**
 * What a contract's terms say, read off the parsed contract: where its
 * records go and which data categories leave the home.
 */
import type { Contract } from './types.js';

/** scheme://authority, then the path, then ?query#fragment; a plain split (no URL class on every host). */
const URL_PARTS = (): RegExp => /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(.*)$/is;

/**
 * The URL the transport delivers to. The contract's endpoint with its topic
 * (MQTT) or path (HTTPS). An installer's override (a relay, a local stand-in)
 * replaces where to connect: scheme, host and port. What is addressed stays the
 * contract's topic or path, unless the override URL carries a path of its own,
 * which then replaces it (docs/delivery.md, "Endpoint overrides").
 */
export function deliveryUrl(contract: Contract, override?: string): string {
  const d = contract.delivery;
  const own = d.topic ? `${d.endpoint.replace(/\/$/, '')}/${d.topic}` : d.endpoint.replace(/\/$/, '') + (d.path ?? '');
  if (!override) return own;
  const given = URL_PARTS().exec(override);
  if (!given) return override; // not a URL: the configuration check names it
  const [, origin, path, rest] = given as unknown as [string, string, string, string];
  if (path !== '' && path !== '/') return override;
  const contractTarget = URL_PARTS().exec(own)?.[2] ?? '';
  return origin + contractTarget + rest;
}

/** The data categories a contract lets leave the home: "<stream>.<field>". */
export function dataCategories(contract: Contract | undefined): string[] {
  const out: string[] = [];
  for (const s of contract?.streams ?? []) for (const field of Object.keys(s.fields)) out.push(`${s.stream}.${field}`);
  return out;
}
