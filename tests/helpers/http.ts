import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig, type DatabaseConfig } from '../../src/config';
import { startGateway, type RunningGateway } from '../../src/main';
import { dropDatabase, freshDatabase, type Driver } from './drivers';
import type { GraphQLResponse } from './server';

/** What a raw request returned: the status, the headers and the body as text (and as JSON when it parses). */
export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

/** POSTs `body` exactly as given (a string or raw bytes) to `url`; nothing is added but the headers passed. */
export async function postRaw(url: string, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<RawResponse> {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A GraphQL-over-HTTP request body: an operation, or (for APQ) only its hash. */
export interface OperationPayload {
  readonly query?: string;
  readonly variables?: Record<string, unknown>;
  readonly operationName?: string;
  readonly extensions?: Record<string, unknown>;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };

/**
 * POSTs one operation payload (any shape, e.g. a persisted-query hash without a query)
 * and returns it as `TestGateway.post` does: `extensions` moved out of `body`.
 * A `signal` (e.g. `AbortSignal.timeout(ms)`) makes a request that never ends fail instead of hang.
 */
export async function postOperation<T = any>(url: string, payload: OperationPayload, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(payload), signal });
  const { extensions, ...body } = (await response.json()) as GraphQLResponse<T>['body'] & Pick<GraphQLResponse, 'extensions'>;
  return { status: response.status, headers: response.headers, body, extensions };
}

/** POSTs a batch (a JSON array of operations) and returns the status and the parsed body, whatever its shape. */
export async function postBatch(url: string, operations: readonly OperationPayload[], headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(operations) });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** SHA-256 of a text, hex: an APQ `sha256Hash`, and what an API key's allow-list holds. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The `extensions` of an automatic persisted query for `query`. */
export function persisted(query: string): Record<string, unknown> {
  return { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
}

/**
 * Asserts one of the gateway's own HTTP-level refusals: the status, a JSON body
 * that is exactly `{ errors: [{ message, extensions: { code } }] }` with a non-empty message.
 * Returns the message, for tests that check what it names.
 */
export function assertHttpError(response: { status: number; json?: unknown; body?: unknown }, status: number, code: string): string {
  const body = (response.json ?? response.body) as { errors?: { message?: unknown }[] } | undefined;
  assert.equal(response.status, status, JSON.stringify(body));
  const message = body?.errors?.[0]?.message;
  assert.equal(typeof message, 'string');
  assert.notEqual(message, '');
  assert.deepEqual(body, { errors: [{ message, extensions: { code } }] });
  return message as string;
}

/**
 * Checks `condition` until it returns a value other than `undefined`, `null` or
 * `false`, at most `tries` times `intervalMs` apart; fails with `what` otherwise.
 * Waits on a condition, never asserts how long it took.
 */
export async function waitFor<T>(what: string, condition: () => Promise<T> | T, { tries = 100, intervalMs = 20 } = {}): Promise<NonNullable<T>> {
  for (let attempt = 0; attempt < tries; attempt++) {
    const value = await condition();
    if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
    await delay(intervalMs);
  }
  assert.fail(`gave up waiting for ${what}`);
}

/**
 * A valid query over the demo content whose deepest field sits exactly `depth`
 * levels down (`campaign → stories → edges → node → campaign → …`, ending in
 * `__typename`), for depth limits: any depth, without tripping other rules first.
 */
export function queryOfDepth(depth: number): string {
  const cycle = ['stories(first: 1)', 'edges', 'node', 'campaign'];
  const fields = ['campaign(slug: "this-generation-learns")'];
  while (fields.length < depth - 1) fields.push(cycle[(fields.length - 1) % cycle.length]);
  return `{ ${fields.map((f) => `${f} { `).join('')}__typename${' }'.repeat(fields.length)} }`;
}

/** A gateway started with non-default settings over a fresh database of its own. */
export interface ConfiguredGateway {
  readonly url: string;
  readonly gateway: RunningGateway;
  readonly database: DatabaseConfig;
  post<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

/**
 * Starts the real app like `startTestGateway` does, but with `env` added to the
 * test environment (limits, rate limits, Redis, trusted proxies, key cache).
 */
export async function startConfiguredGateway(env: Record<string, string>, driver: Driver = 'sqlite'): Promise<ConfiguredGateway> {
  const database = freshDatabase(driver);
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(loadConfig({ NODE_ENV: 'test', ...env }, { port: 0, host: '127.0.0.1', database }));
  } catch (error) {
    await dropDatabase(database);
    throw error;
  }
  return {
    url: gateway.url,
    gateway,
    database,
    post: (query, variables, headers) => postOperation(gateway.url, { query, variables }, headers),
    async stop() {
      await gateway.stop();
      await dropDatabase(database);
    },
  };
}
