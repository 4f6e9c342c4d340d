/**
 * The forwarder's Transport, as the forwarder issue defines it in
 * modules/forward/transport.ts (not in this branch). Lead: when merging,
 * replace this file's declarations with
 *   export type { ForwardMessage, Transport } from '../../modules/forward/transport.js';
 * The Moddable transports below match it structurally.
 */
export interface ForwardMessage {
  integration: string;
  firstSeq: number;
  lastSeq: number;
  body: Uint8Array;
  contentType: string;
}

export interface Transport {
  /** Resolves once the endpoint acknowledged (PUBACK for MQTT QoS 1, a 2xx for HTTPS). */
  send(message: ForwardMessage): Promise<void>;
}
