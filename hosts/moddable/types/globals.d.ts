// On Moddable, TextEncoder/TextDecoder come from the "text/encoder" and "text/decoder"
// modules; hosts/moddable/globals.ts installs them on globalThis before the core runs.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBuffer | ArrayBufferView): string;
}
