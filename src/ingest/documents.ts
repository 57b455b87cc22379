import fs from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import { FetchError, safeFetch } from '../net/safe-fetch';
import type { FetchedDocument } from './connector';

/** How documents are fetched for a run. */
export interface FetchSettings {
  readonly allowedHosts: readonly string[];
  readonly maxBytes: number;
  readonly userAgent: string;
  /** Longest wait for the response headers and for each next body chunk; 30 s when absent. */
  readonly fetchTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A fetched document, or the source's "nothing new" (304). */
export type FetchOutcome = { readonly notModified: true; readonly status: 304; readonly headers: Readonly<Record<string, string>> } | (FetchedDocument & { readonly notModified: false });

/** Validators of the last full answer, sent back so that an unchanged source answers 304. */
export interface Validators {
  readonly etag: string | null;
  readonly lastModified: string | null;
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.xml': 'application/xml',
  '.rss': 'application/rss+xml',
  '.atom': 'application/atom+xml',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.js': 'application/javascript',
  '.csv': 'text/csv',
};

/**
 * Fetches one document of a run: over http(s) through the one outbound
 * client (address rules, redirects, size cap, decompression, retries), or
 * from a local file (a `file:` location, made with the CLI only) under the
 * same size cap. Failures are `FetchError`s with a readable reason.
 *
 * @param accepts the statuses other than 2xx whose answer is a document all the same (see `Connector.acceptsStatus`);
 *   any other is an `HTTP_STATUS` failure, as always.
 */
export async function fetchDocument(url: string, settings: FetchSettings, validators: Validators | null, accepts?: (status: number) => boolean): Promise<FetchOutcome> {
  if (url.startsWith('file:')) return readFile(url.slice('file:'.length), settings.maxBytes);
  const headers: Record<string, string> = {};
  if (validators?.etag) headers['if-none-match'] = validators.etag;
  if (validators?.lastModified) headers['if-modified-since'] = validators.lastModified;
  const response = await safeFetch({
    url,
    headers,
    allowedHosts: settings.allowedHosts,
    userAgent: settings.userAgent,
    maxBytes: settings.maxBytes,
    headersTimeoutMs: settings.fetchTimeoutMs,
    idleTimeoutMs: settings.fetchTimeoutMs,
    signal: settings.signal,
    // Retries go on as always (a 5xx is still retried); only the last answer comes back instead of throwing.
    throwOnStatus: !accepts,
  });
  const ok = response.status >= 200 && response.status <= 299;
  if (!response.notModified && !ok && !accepts?.(response.status)) {
    const failure = new FetchError('HTTP_STATUS', `HTTP ${response.status} ${STATUS_CODES[response.status] ?? ''}`.trim(), { url: response.url, status: response.status });
    failure.attempts = response.attempts;
    throw failure;
  }
  if (response.notModified) return { notModified: true, status: 304, headers: response.headers };
  const contentType = response.headers['content-type']?.split(';')[0].trim().toLowerCase() || null;
  return { notModified: false, url: response.url, status: response.status, contentType, headers: response.headers, body: response.body };
}

async function readFile(file: string, maxBytes: number): Promise<FetchedDocument & { notModified: false }> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile()) throw new FetchError('NETWORK', 'no such file', { url: `file:${file}` });
  if (stat.size > maxBytes) throw new FetchError('TOO_LARGE', `${stat.size} bytes, above the limit of ${maxBytes}`, { url: `file:${file}` });
  const body = await fs.readFile(file);
  return { notModified: false, url: `file:${file}`, status: 200, contentType: MEDIA_TYPES[path.extname(file).toLowerCase()] ?? null, headers: {}, body };
}
