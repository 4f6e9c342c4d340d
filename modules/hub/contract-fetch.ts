/**
 * Fetching a vendor's contract from an https:// address, judged the same on
 * both hosts. The host only performs one GET (its `FetchContract` power: no
 * redirects followed, a time limit, a byte limit); what the answer means is
 * decided here, so every refusal reads the same on the board and the desktop:
 * a redirect, a time-out, an answer over the size limit, a non-2xx status or
 * something that is not JSON is refused with the reason.
 */
import { fromUtf8 } from '../bytes.js';

/** Contracts larger than this are refused (pasted, uploaded or fetched): the archive bank and the page's request both hold it. */
export const CONTRACT_MAX_BYTES = 12 * 1024;
export const FETCH_TIMEOUT_MS = 10_000;

export interface FetchAnswer {
  status: number;
  /** The Location header of a redirect. */
  location?: string;
  contentType?: string;
  /** At most `maxBytes` bytes. */
  body: Uint8Array;
  /** The answer had more than `maxBytes` bytes; the host stopped reading. */
  overLimit?: boolean;
}

/**
 * One GET of `url`, redirects not followed. Rejects with an Error whose
 * message says what happened (time-out after `timeoutMs`, refused connection,
 * certificate not trusted).
 */
export type FetchContract = (url: string, limits: { maxBytes: number; timeoutMs: number }) => Promise<FetchAnswer>;

/** Why the hub will not fetch from this address, or undefined. */
export function checkFetchUrl(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.trim() === '') return 'give the https:// address of the contract';
  if (url.length > 300) return 'the address is over 300 characters';
  if (!url.startsWith('https://')) return 'the hub fetches contracts only over https:// (the vendor\'s certificate proves where it came from)';
  if (/\s/.test(url)) return 'the address has spaces in it';
  if (/^https:\/\/[^/]*@/.test(url)) return 'the address must not carry a user name or password';
  return undefined;
}

/** The contract text of a fetch answer, or why it is refused. */
export function judgeFetch(answer: FetchAnswer, maxBytes = CONTRACT_MAX_BYTES): { text: string } | { error: string } {
  if (answer.status >= 300 && answer.status < 400) {
    return { error: `the server redirects (${answer.status}) to ${answer.location ?? 'another address'}; the hub does not follow redirects: give the final address` };
  }
  if (answer.status < 200 || answer.status >= 300) return { error: `the server answered ${answer.status} instead of the contract` };
  if (answer.overLimit || answer.body.length > maxBytes) return { error: `the contract is over the size limit of ${maxBytes} bytes` };
  let text: string;
  try {
    text = fromUtf8(answer.body);
  } catch {
    return { error: 'the answer is not UTF-8 text, so not a JSON contract' };
  }
  try {
    JSON.parse(text);
  } catch {
    const type = answer.contentType ? ` (${answer.contentType.split(';')[0]})` : '';
    return { error: `the answer is not JSON${type}; give the address of the contract's .json file` };
  }
  return { text };
}
