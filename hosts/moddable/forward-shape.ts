/** The forwarder's Transport seam, shared with every host (modules/forward/transport.ts). */
export type { OutboundMessage, SendOptions, Transport, TransportState } from '../../modules/forward/transport.js';
