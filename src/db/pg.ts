import type { DataSource } from 'typeorm';

/** The parts of a node-postgres client this project uses beyond TypeORM. */
export interface PgClient {
  query(config: { name?: string; text: string; values?: unknown[] } | string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  query(config: { name?: string; text: string; values?: unknown[] }, callback: (error: Error | null, result: { rows: Record<string, unknown>[] }) => void): void;
  escapeIdentifier(name: string): string;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  /** The server process serving this connection, and the key a cancel request needs. */
  readonly processID?: number | null;
  readonly secretKey?: number | null;
  /** The statement being run, if any (read it with {@link activeQueryOf}). */
  readonly activeQuery?: object | null;
  /** The same, without the deprecation warning node-postgres 8.2x prints on the first read of `activeQuery`. */
  _getActiveQuery?(): object | null;
  /** What node-postgres keeps of the statements it has parsed on the connection (internal, stable since pg 7). */
  connection?: { parsedStatements?: Record<string, string>; stream?: { destroy(): void } };
}

/** The statement a client is running, if any; through node-postgres' own accessor where it has one, so that no warning is printed. */
export function activeQueryOf(client: PgClient): object | null {
  return client._getActiveQuery ? client._getActiveQuery() : (client.activeQuery ?? null);
}

/** A client checked out of the pool; `release(error)` drops it instead of returning it. */
export interface PooledClient extends PgClient {
  release(error?: Error | boolean): void;
}

/** node-postgres' pool, as TypeORM's PostgreSQL driver holds it. */
export interface PgPool {
  connect(): Promise<PooledClient>;
  on(event: 'acquire' | 'remove', listener: (client: PgClient) => void): unknown;
  on(event: 'release', listener: (error: Error | undefined, client: PgClient) => void): unknown;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  /** The options the pool was made with: connection parameters for extra connections (LISTEN, cancel requests). */
  readonly options: Record<string, unknown>;
}

/** The pool of a PostgreSQL DataSource; null on SQLite. */
export function pgPoolOf(db: DataSource): PgPool | null {
  if (db.options.type !== 'postgres') return null;
  return (db.driver as unknown as { master?: PgPool }).master ?? null;
}
