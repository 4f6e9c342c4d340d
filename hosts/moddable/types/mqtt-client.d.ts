// The ECMA-419 style MQTT client of the Moddable SDK (examples/io/tcp/mqttclient/mqttclient.js,
// mapped to "embedded:network/mqtt/client" by its manifest_mqttclient.json). Written from that
// source; @moddable/typings 5.6.0 also declares this module but types `onControl` as
// (opcode, message) while the source calls it with one message object, so the typings' file is
// left out of hosts/moddable/tsconfig.json and this one is used instead.

declare module 'embedded:network/mqtt/client' {
  import type { Buffer } from 'embedded:io/_common';

  export interface ControlMessage {
    /** MQTTClient.CONNACK, PUBACK, SUBACK, ... */
    operation: number;
    /** Packet identifier (PUBACK, SUBACK, ...). */
    id?: number;
    /** CONNACK return code; the client closes itself on a non-zero code. */
    returnCode?: number;
    /** SUBACK return codes. */
    payload?: number[];
  }

  export interface ReadableOptions {
    /** More bytes of this message follow. */
    more: boolean;
    /** Present on the first fragment of a message. */
    topic?: string;
    QoS?: number;
    /** Total payload size, on the first fragment. */
    byteLength?: number;
  }

  export interface Will {
    topic: string;
    message: string | ArrayBuffer;
    QoS?: 0 | 1 | 2;
    retain?: boolean;
  }

  export interface ClientOptions {
    host: string;
    port?: number;
    id?: string;
    user?: string;
    password?: string | ArrayBuffer;
    clean?: boolean;
    /** Milliseconds; 0 disables keep-alive. */
    keepAlive?: number;
    will?: Will;
    /** { io: Resolver, servers: [...], socket: { io: UDP } } */
    dns: Record<string, unknown>;
    /** { io: TCP } or { io: TLSSocket, TCP: { io: TCP }, secure: {...} } */
    socket: Record<string, unknown>;
    onReadable?: (this: MQTTClient, count: number, options: ReadableOptions) => void;
    /** `count` bytes may be written now. */
    onWritable?: (this: MQTTClient, count: number) => void;
    onControl?: (this: MQTTClient, message: ControlMessage) => void;
    onClose?: (this: MQTTClient) => void;
    onError?: (this: MQTTClient) => void;
  }

  export interface WriteOptions {
    operation?: number;
    /** Packet identifier for QoS 1 and 2; the client picks one when absent. */
    id?: number;
    topic?: string;
    QoS?: 0 | 1 | 2;
    retain?: boolean;
    duplicate?: boolean;
    /** Total payload size when `data` is only the first fragment; the rest follows with write(data). */
    byteLength?: number;
    items?: { topic: string; QoS?: 0 | 1 | 2 }[];
  }

  export default class MQTTClient {
    constructor(options: ClientOptions);
    /** Throws "overflow" when the socket cannot take the packet now; returns the bytes writable after it. */
    write(data: Buffer | null, options?: WriteOptions): number;
    read(count?: number): ArrayBuffer | undefined;
    close(): void;
    static readonly CONNECT: 1;
    static readonly CONNACK: 2;
    static readonly PUBLISH: 3;
    static readonly PUBACK: 4;
    static readonly PUBREC: 5;
    static readonly PUBREL: 6;
    static readonly PUBCOMP: 7;
    static readonly SUBSCRIBE: 8;
    static readonly SUBACK: 9;
    static readonly UNSUBSCRIBE: 10;
    static readonly UNSUBACK: 11;
    static readonly PINGREQ: 12;
    static readonly PINGRESP: 13;
    static readonly DISCONNECT: 14;
  }
}
