// The ECMA-419 style HTTP server of the Moddable SDK (examples/io/listener/httpserver/httpserver.js,
// mapped to "embedded:network/http/server" by its manifest_httpserver.json), not in
// @moddable/typings 5.6.0. Written from that source: a connection's onResponse may answer later
// with respond(), which an asynchronous router needs (the classic `http` Server asks for the
// response synchronously right after the request body).

declare module 'embedded:network/http/server' {
  export interface IncomingRequest {
    method: string;
    path: string;
    /** Header names in lowercase. */
    headers: Map<string, string>;
  }

  export interface OutgoingResponse {
    status: number;
    headers: Map<string, string | number>;
  }

  export interface Route {
    onRequest?(this: Connection, request: IncomingRequest): void;
    /** `count` request-body bytes can be read with this.read(count). */
    onReadable?(this: Connection, count: number): void;
    /** Called once the request body is in; answer now or later with this.respond(response). */
    onResponse?(this: Connection, response: OutgoingResponse): void;
    /** `count` response-body bytes may be written with this.write(). */
    onWritable?(this: Connection, count: number): void;
    onDone?(this: Connection): void;
    onError?(this: Connection, message?: string): void;
  }

  export interface Connection {
    accept(route: Route): void;
    read(count?: number): ArrayBuffer | undefined;
    /** Throws "would block" when more than the writable count is given. */
    write(data: ArrayBuffer | ArrayBufferView | undefined): number;
    respond(response: OutgoingResponse): void;
    close(): void;
    route: Route;
  }

  export default class HTTPServer {
    constructor(options: { io: unknown; port?: number; onConnect(connection: Connection): void });
    close(): void;
    readonly port: number;
  }
}
