/**
 * The portable shape of an HTTP exchange, and the helpers that build
 * responses. Host adapters (hosts/node/http-server.ts,
 * hosts/moddable/http-server.ts) translate their server's requests into
 * `WebRequest` and write `WebResponse` back.
 */
import { utf8 } from '../bytes.js';

export interface WebRequest {
  method: string;
  /** The path without the query string, still percent-encoded. */
  path: string;
  query: Record<string, string>;
  /** Lowercase header names. */
  headers: Record<string, string>;
  body: Uint8Array | undefined;
  /** The peer's address, for the audit log and login throttling. */
  remote?: string;
}

export interface WebResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array | string;
}

/** Request bodies above this are refused with 413 (adapters stop reading past it). */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Sent with every response. The pages load only their own script and style
 * (no inline script, nothing from elsewhere), can't be framed, and leak no
 * referrer. `img-src data:` is for nothing but the enrolment QR code's SVG.
 */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = Object.freeze([
  [
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
      "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  ],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Permissions-Policy', 'camera=(), microphone=(), geolocation=()'],
] as const);

export function withSecurityHeaders(headers: [string, string][]): [string, string][] {
  return [...SECURITY_HEADERS.map(([name, value]) => [name, value] as [string, string]), ...headers];
}

export function jsonResponse(status: number, value: unknown, extraHeaders: [string, string][] = []): WebResponse {
  return {
    status,
    headers: withSecurityHeaders([
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Cache-Control', 'no-store'],
      ...extraHeaders,
    ]),
    body: utf8(JSON.stringify(value)),
  };
}

/** A JSON error: `code` for programs, `message` for people. */
export function errorResponse(status: number, code: string, message: string, extraHeaders: [string, string][] = []): WebResponse {
  return jsonResponse(status, { error: code, message }, extraHeaders);
}

/** Thrown inside handlers to answer with an error; the router catches it. */
export class HttpError extends Error {
  // A class field (define semantics): assigning `name` would hit the frozen Error.prototype.name on a hardened XS.
  override readonly name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly headers: [string, string][];
  constructor(status: number, code: string, message: string, headers: [string, string][] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Splits a request target ("/a/b?x=1") into path and query; adapters use it. */
export function splitTarget(target: string): { path: string; query: Record<string, string> } {
  const at = target.indexOf('?');
  const path = at < 0 ? target : target.slice(0, at);
  const query: Record<string, string> = {};
  if (at >= 0) {
    for (const pair of target.slice(at + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      try {
        query[decodeURIComponent(key.replace(/\+/g, ' '))] = decodeURIComponent(value.replace(/\+/g, ' '));
      } catch {
        // A malformed escape in the query: drop that pair; the handler sees it missing and says so.
      }
    }
  }
  return { path, query };
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
