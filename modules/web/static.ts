/**
 * The page's static files, embedded in the firmware. Each asset is stored
 * gzip-compressed (built by tools/build-web-assets.ts); the identity bytes are
 * optional, so the ESP32 can keep only the compressed copy in flash. A client
 * that does not accept gzip gets the plain bytes when present, else 406.
 *
 * Paths are matched exactly against the table: there is no file system
 * behind this, so "../" cannot reach anything, but such requests are refused
 * explicitly with 400 so probes are visible.
 */
import { errorResponse, withSecurityHeaders, type WebRequest, type WebResponse } from './http.js';

export interface WebAsset {
  contentType: string;
  /** Strong validator, e.g. a hash prefix; sent as ETag. */
  etag: string;
  gzip: Uint8Array;
  identity?: Uint8Array;
}

/** Request path → asset. "/" is served from "/index.html". */
export type WebAssets = ReadonlyMap<string, WebAsset>;

export function isTraversal(path: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true; // a malformed escape is treated as hostile
  }
  return /(^|[\\/])\.\.([\\/]|$)/.test(decoded) || decoded.includes('\\') || decoded.includes('\0');
}

export function serveAsset(assets: WebAssets, request: WebRequest): WebResponse | undefined {
  if (isTraversal(request.path)) {
    return errorResponse(400, 'bad-path', `The path "${request.path.slice(0, 80)}" tries to leave the page's folder ("..", "\\" or NUL); ask for a file by its own name.`);
  }
  const asset = assets.get(request.path === '/' ? '/index.html' : request.path);
  if (!asset) return undefined;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return errorResponse(405, 'method-not-allowed', `${request.method} is not allowed on ${request.path}; use GET.`, [['Allow', 'GET, HEAD']]);
  }
  const etag = `"${asset.etag}"`;
  const common: [string, string][] = [
    ['Content-Type', asset.contentType],
    ['ETag', etag],
    ['Vary', 'Accept-Encoding'],
    // Revalidate every time: a firmware update changes the files behind the same names.
    ['Cache-Control', 'no-cache'],
  ];
  if (request.headers['if-none-match'] === etag) {
    return { status: 304, headers: withSecurityHeaders(common), body: new Uint8Array(0) };
  }
  const acceptsGzip = acceptsEncoding(request.headers['accept-encoding'], 'gzip');
  const [body, encoding] = acceptsGzip ? [asset.gzip, 'gzip'] : [asset.identity, undefined];
  if (!body) {
    return errorResponse(406, 'gzip-required', 'This hub stores its page compressed; use a browser that accepts gzip (all current browsers do).');
  }
  const headers = encoding ? [...common, ['Content-Encoding', encoding] as [string, string]] : common;
  return { status: 200, headers: withSecurityHeaders(headers), body: request.method === 'HEAD' ? new Uint8Array(0) : body };
}

/** Whether an Accept-Encoding header allows `encoding` (by name or "*", with a q-value above 0). */
export function acceptsEncoding(header: string | undefined, encoding: string): boolean {
  if (!header) return false;
  for (const item of header.split(',')) {
    const [name, ...params] = item.split(';').map((part) => part.trim().toLowerCase());
    if (name !== encoding && name !== '*') continue;
    const q = params.find((param) => param.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}
