/**
 * Builds an integration's transport on the ESP32 from its endpoint URL and
 * the contract's credential reference, like hosts/node/transports.ts does on
 * the desktop: MQTT(S) over a connection of its own (QoS 1, PUBACK), HTTP(S)
 * over the SDK's HTTP client. The Hub calls this while it is composed, so it
 * never throws: an endpoint the board cannot serve becomes a transport that
 * refuses every send with the reason, which the page shows as the
 * integration's last error.
 */
import { toBase64, utf8 } from '../../modules/bytes.js';
import type { Contract } from '../../modules/contract/types.js';
import { commandTopic } from '../../modules/forward/commands.js';
import { parseEndpoint } from '../../modules/forward/endpoint-url.js';
import { plaintextRefusal, refusingTransport } from '../../modules/forward/refusing-transport.js';
import type { SessionPool } from '../../modules/forward/sessions.js';
import { DeliveryError, endpointScope, type Transport } from '../../modules/forward/transport.js';
import type { Logger, Timers } from '../../modules/host.js';
import { HttpLink, httpsTransport } from './http-client.js';
import { MqttConnection, MqttSessionLink, MqttTransport } from './mqtt.js';

export interface TransportContext {
  hubId: string;
  /** The credential a contract names (hosts/moddable/secrets.ts), or undefined when none is provisioned. */
  secret(name: string): string | undefined;
  timers: Timers;
  log: Logger;
  /** Connections to open once Wi-Fi is up (and again after it returns); on-demand sessions are not among them. */
  connections: MqttConnection[];
  online(): boolean;
  /**
   * Connections on demand (modules/forward/sessions.ts): opened when an
   * integration has records to send, shared per endpoint, closed when idle,
   * at most the profile's cap open at once. Without it each integration keeps
   * its own connection open.
   */
  sessions?: SessionPool;
}

export { refusingTransport } from '../../modules/forward/refusing-transport.js';

export function makeTransport(integration: string, endpoint: string, contract: Contract, ctx: TransportContext): Transport {
  try {
    const parts = parseEndpoint(endpoint);
    const credentials = contract.delivery.credentials;
    const secret = credentials ? ctx.secret(credentials.secret) : undefined;
    if (credentials && secret === undefined) {
      ctx.log.warn(`${integration}: credential "${credentials.secret}" is not provisioned; the vendor will likely refuse the hub (docs/esp32.md, "Credentials")`);
    }
    const refusal = plaintextRefusal(endpoint);
    if (refusal) return refusingTransport(endpoint, `${integration}: ${refusal}`);
    if (credentials?.type === 'client-certificate') {
      return refusingTransport(endpoint, `${integration}: client certificates are not supported by the ESP32 build yet; ask the vendor for mqtt-password or bearer credentials`);
    }
    // Integrations share a connection when they reach the same server with the same credential (its name, never its value).
    const key = `${parts.scheme}://${parts.host}:${parts.port} ${credentials ? `${credentials.type}:${credentials.secret}` : '-'}`;
    if (parts.scheme === 'mqtt' || parts.scheme === 'mqtts') {
      const commands = parts.path ? commandTopic(parts.path, ctx.hubId) : undefined;
      const broker = {
        host: parts.host,
        port: parts.port,
        tls: parts.tls,
        // Shared by the integrations of one endpoint: the first one's id names the connection.
        clientId: `airlock-${ctx.hubId}-${integration}`.slice(0, 64),
        ...(credentials?.type === 'mqtt-password' && secret !== undefined ? { username: ctx.hubId, password: secret } : {}),
      };
      if (ctx.sessions) {
        // Persistent session: the broker keeps the vendor's commands while the connection is closed.
        const claim = ctx.sessions.claim(key, integration, () => new MqttSessionLink(new MqttConnection({ ...broker, persistentSession: true, reconnect: false }, { timers: ctx.timers, log: ctx.log })));
        return new MqttTransport(endpoint, parts.path, claim.link.connection, ctx.timers, commands, claim);
      }
      const connection = new MqttConnection(broker, { timers: ctx.timers, log: ctx.log });
      ctx.connections.push(connection);
      if (ctx.online()) connection.open();
      return new MqttTransport(endpoint, parts.path, connection, ctx.timers, commands);
    }
    if (parts.scheme === 'http' && endpointScope(endpoint) !== 'local') {
      return refusingTransport(endpoint, `${integration}: plain http:// is only allowed to the home network; use https://`);
    }
    const headers: [string, string][] = [];
    if (credentials?.type === 'bearer' && secret !== undefined) headers.push(['authorization', `Bearer ${secret}`]);
    if (credentials?.type === 'basic' && secret !== undefined) headers.push(['authorization', `Basic ${toBase64(utf8(secret))}`]);
    return httpsTransport(
      { url: endpoint, host: parts.host, port: parts.port, path: parts.path, hub: ctx.hubId, headers, insecure: !parts.tls },
      { log: ctx.log, timers: ctx.timers },
      ctx.sessions?.claim(key, integration, () => new HttpLink()),
    );
  } catch (error) {
    return refusingTransport(endpoint, `${integration}: ${(error as Error).message}`);
  }
}
