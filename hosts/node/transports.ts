/**
 * Builds an integration's transport from its endpoint URL and the contract's
 * credential reference (resolved from the secrets file, never from the contract).
 * With a session pool the connection opens on demand and is shared by the
 * integrations of one endpoint (modules/forward/sessions.ts, mqtt-session.ts).
 */
import type { Contract } from '../../modules/contract/types.js';
import { commandTopic } from '../../modules/forward/commands.js';
import { plaintextRefusal, refusingTransport } from '../../modules/forward/refusing-transport.js';
import type { SessionPool } from '../../modules/forward/sessions.js';
import type { Transport } from '../../modules/forward/transport.js';
import { HttpsLink, HttpsTransport } from './https-transport.js';
import { MqttLink, SessionMqttTransport } from './mqtt-session.js';
import { MqttTransport } from './mqtt-transport.js';
import { readFileSync } from 'node:fs';

export interface TransportContext {
  hubId: string;
  secret(name: string): string;
  /** PEM CA file for the endpoint, when the vendor uses a private CA. */
  caFile?: string;
  /** Connections on demand, capped; without it each transport keeps its own connection open. */
  sessions?: SessionPool;
}

const isPem = (text: string) => text.includes('-----BEGIN');

export function makeTransport(endpoint: string, contract: Contract, ctx: TransportContext): Transport {
  const integration = contract.integration;
  const credentials = contract.delivery.credentials;
  const secret = credentials ? ctx.secret(credentials.secret) : '';
  const ca = ctx.caFile ? readFileSync(ctx.caFile) : undefined;
  const refusal = plaintextRefusal(endpoint);
  if (refusal) return refusingTransport(endpoint, `${contract.integration}: ${refusal}`);
  const url = new URL(endpoint);
  if (url.protocol === 'mqtt:' || url.protocol === 'mqtts:') {
    const certificate = credentials?.type === 'client-certificate' && isPem(secret) && url.protocol === 'mqtts:';
    const topic = decodeURIComponent(url.pathname.replace(/^\//, ''));
    const connection = {
      // Shared by the integrations of one endpoint: the first one's id names the connection.
      clientId: `airlock-${ctx.hubId}-${integration}`.slice(0, 64),
      ...(ca ? { ca } : {}),
      ...(credentials?.type === 'mqtt-password' ? { username: ctx.hubId, password: secret } : {}),
      // A client certificate secret holds the certificate and its key in one PEM file.
      ...(certificate ? { cert: secret, key: secret } : {}),
    };
    // The vendor's command channel, on the same connection (docs/delivery.md).
    const commands = topic ? { commandTopic: commandTopic(topic, ctx.hubId) } : {};
    if (!ctx.sessions) return new MqttTransport({ endpoint, ...commands, ...connection });
    const claim = ctx.sessions.claim(sessionKey(url, contract, ctx.caFile), integration, () => new MqttLink(endpoint, connection));
    return new SessionMqttTransport({ endpoint, topic, ...commands, link: claim.link, session: claim });
  }
  const headers: Record<string, string> = {};
  if (credentials?.type === 'bearer') headers.authorization = `Bearer ${secret}`;
  if (credentials?.type === 'basic') headers.authorization = `Basic ${Buffer.from(secret).toString('base64')}`;
  const session = ctx.sessions && ctx.sessions.claim(sessionKey(url, contract, ctx.caFile), integration, () => new HttpsLink(endpoint, ca ? { ca } : {}));
  return new HttpsTransport({
    endpoint,
    hub: ctx.hubId,
    headers,
    ...(ca ? { ca } : {}),
    // Plain http:// only reaches loopback or home-network stand-ins; the transport refuses others.
    insecurePlainHttpForLocalTests: url.protocol === 'http:',
    ...(session ? { session: { link: session.link, claim: session } } : {}),
  });
}

/**
 * Integrations share a connection when they reach the same server with the
 * same credentials (and CA): scheme, host and port, the credential's type and
 * secret name (never its value), the CA file.
 */
function sessionKey(url: URL, contract: Contract, caFile: string | undefined): string {
  const credentials = contract.delivery.credentials;
  return `${url.protocol}//${url.host} ${credentials ? `${credentials.type}:${credentials.secret}` : '-'} ${caFile ?? '-'}`;
}
