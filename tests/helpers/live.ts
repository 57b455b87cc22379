import assert from 'node:assert/strict';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { waitFor } from './http';

/** How a socket ended, as the client saw it. */
export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** One subscription as a test follows it: what arrived, in order. */
export interface LiveSubscription {
  readonly results: { data?: any; errors?: any[] }[];
  /** The `error` message's payload (an array of GraphQL errors), when the server refused or ended the subscription with one. */
  error: any;
  completed: boolean;
  /** Waits until at least `count` results arrived; returns them all. */
  waitForResults(count: number, what?: string): Promise<{ data?: any; errors?: any[] }[]>;
  /** Waits for the subscription's error (refused or ended). */
  waitForError(what?: string): Promise<any>;
  unsubscribe(): void;
}

/** A graphql-ws client (the real `graphql-ws` client over the `ws` package), connected at once, never retrying. */
export interface LiveClient {
  readonly client: Client;
  /** Set once the server acknowledged `connection_init`. */
  connected: boolean;
  /** Set once the socket closed. */
  closed: Closed | null;
  subscribe(query: string, variables?: Record<string, unknown>, operationName?: string): LiveSubscription;
  /** Waits until the server acknowledged the connection. */
  waitForConnected(): Promise<void>;
  /** Waits until the socket closed; returns how. */
  waitForClose(what?: string): Promise<Closed>;
  dispose(): Promise<void>;
}

/** `http://…/graphql` as the `ws://…/graphql` graphql-ws connects to. */
export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

/** Opens a graphql-ws connection to `url`, with `key` (if any) in `connection_init` as the contract says, and `headers` on the upgrade request. */
export function connectLive(url: string, key?: string | Record<string, unknown>, headers?: Record<string, string>): LiveClient {
  const connectionParams = typeof key === 'string' ? { authorization: `Bearer ${key}` } : key;
  const live: LiveClient = {
    client: undefined as unknown as Client,
    connected: false,
    closed: null,
    subscribe(query, variables, operationName) {
      const subscription: LiveSubscription = {
        results: [],
        error: undefined,
        completed: false,
        async waitForResults(count, what = `${count} result(s)`) {
          await waitFor(what, () => subscription.results.length >= count || subscription.error !== undefined, { tries: 500, intervalMs: 20 });
          assert.equal(subscription.error, undefined, `the subscription failed: ${JSON.stringify(subscription.error)}`);
          return subscription.results;
        },
        async waitForError(what = 'the subscription’s error') {
          await waitFor(what, () => subscription.error !== undefined, { tries: 500, intervalMs: 20 });
          return subscription.error;
        },
        unsubscribe: () => undefined,
      };
      subscription.unsubscribe = live.client.subscribe(
        { query, variables, operationName },
        {
          next: (result) => void subscription.results.push(result as never),
          error: (error) => void (subscription.error = error),
          complete: () => void (subscription.completed = true),
        },
      );
      return subscription;
    },
    async waitForConnected() {
      await waitFor('the connection to be acknowledged', () => live.connected || live.closed, { tries: 500, intervalMs: 20 });
      assert.equal(live.closed, null, `the socket closed before it was acknowledged: ${JSON.stringify(live.closed)}`);
    },
    async waitForClose(what = 'the socket to close') {
      return waitFor(what, () => live.closed, { tries: 500, intervalMs: 20 });
    },
    async dispose() {
      await live.client.dispose();
    },
  };
  (live as { client: Client }).client = createClient({
    url: wsUrl(url),
    // Headers of the upgrade request (e.g. Accept-Language), which browsers set themselves.
    webSocketImpl: headers
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers });
          }
        }
      : WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    shouldRetry: () => false,
    onNonLazyError: () => undefined,
    on: {
      connected: () => void (live.connected = true),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        live.closed = { code, reason: String(reason) };
      },
    },
  });
  return live;
}

/** Opens `count` connections, each acknowledged. */
export async function connectMany(url: string, count: number, key?: string): Promise<LiveClient[]> {
  const clients = Array.from({ length: count }, () => connectLive(url, key));
  await Promise.all(clients.map((client) => client.waitForConnected()));
  return clients;
}

/**
 * A raw WebSocket upgrade on `url` with `headers` (an `Origin`, say), speaking
 * graphql-transport-ws: resolves with the HTTP status of a refused upgrade, or
 * 101 once it opened (and closes it).
 */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(url), 'graphql-transport-ws', { headers });
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      resolve(101);
      socket.close();
    });
    socket.on('error', (error) => reject(error));
  });
}
