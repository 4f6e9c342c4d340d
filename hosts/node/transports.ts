/**
 * Builds an integration's transport from its endpoint URL and the contract's
 * credential reference (resolved from the secrets file, never from the contract).
 */
import type { Contract } from '../../modules/contract/types.js';
import { commandTopic } from '../../modules/forward/commands.js';
import { plaintextRefusal, refusingTransport } from '../../modules/forward/refusing-transport.js';
import type { Transport } from '../../modules/forward/transport.js';
import { HttpsTransport } from './https-transport.js';
import { MqttTransport } from './mqtt-transport.js';
import { readFileSync } from 'node:fs';

export interface TransportContext {
  hubId: string;
  secret(name: string): string;
  /** PEM CA file for the endpoint, when the vendor uses a private CA. */
  caFile?: string;
}

const isPem = (text: string) => text.includes('-----BEGIN');

export function makeTransport(endpoint: string, contract: Contract, ctx: TransportContext): Transport {
  const credentials = contract.delivery.credentials;
  const secret = credentials ? ctx.secret(credentials.secret) : '';
  const ca = ctx.caFile ? readFileSync(ctx.caFile) : undefined;
  const refusal = plaintextRefusal(endpoint);
  if (refusal) return refusingTransport(endpoint, `${contract.integration}: ${refusal}`);
  const url = new URL(endpoint);
  if (url.protocol === 'mqtt:' || url.protocol === 'mqtts:') {
    const certificate = credentials?.type === 'client-certificate' && isPem(secret) && url.protocol === 'mqtts:';
    const topic = decodeURIComponent(url.pathname.replace(/^\//, ''));
    return new MqttTransport({
      endpoint,
      // The vendor's command channel, on the same connection (docs/delivery.md).
      ...(topic ? { commandTopic: commandTopic(topic, ctx.hubId) } : {}),
      clientId: `airlock-${ctx.hubId}-${contract.integration}`.slice(0, 64),
      ...(ca ? { ca } : {}),
      ...(credentials?.type === 'mqtt-password' ? { username: ctx.hubId, password: secret } : {}),
      // A client certificate secret holds the certificate and its key in one PEM file.
      ...(certificate ? { cert: secret, key: secret } : {}),
    });
  }
  const headers: Record<string, string> = {};
  if (credentials?.type === 'bearer') headers.authorization = `Bearer ${secret}`;
  if (credentials?.type === 'basic') headers.authorization = `Basic ${Buffer.from(secret).toString('base64')}`;
  return new HttpsTransport({
    endpoint,
    hub: ctx.hubId,
    headers,
    ...(ca ? { ca } : {}),
    // Plain http:// only reaches loopback or home-network stand-ins; the transport refuses others.
    insecurePlainHttpForLocalTests: url.protocol === 'http:',
  });
}
