// What @moddable/typings 5.6.0 leaves out of the HTTP server's callback, written from the
// SDK's modules/network/http/http.js and documentation/network/network.md ("class HTTP Server"):
// on headersComplete the callback may return the String or ArrayBuffer constructor to receive
// the request body as that type (or false to ignore the body), and it may return undefined from
// responseFragment to end a streamed body.
declare module 'http' {
  export type HTTPServerCallbackComplete = (
    this: Request,
    message: ServerMessages,
    val1?: any,
    val2?: any,
  ) =>
    | void
    | undefined
    | number
    | boolean
    | string
    | ArrayBuffer
    | StringConstructor
    | ArrayBufferConstructor
    | { status?: number; reason?: string; headers?: string[]; body: true | string | ArrayBuffer };
}
