import fs from 'node:fs';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { pgPoolOf } from '../db/pg';
import { backoffMs } from '../shared/backoff';
import { CHANGE_COLUMNS, readTimestamp, toChangeRow, type ChangeRow } from './change-row';

/** The NOTIFY channel the change log's trigger sends on; the payload is the schema's name. */
export const CHANGES_CHANNEL = 'coalition_graph_changes';

/**
 * How a process reads the change log in the background, on a connection of
 * its own (never the pool, so background reads neither wait for nor block
 * requests, and never show in a request's statement count), and how it
 * learns that there is something new: a PostgreSQL notification, or on
 * SQLite a change of `PRAGMA data_version`, which moves when any other
 * connection commits.
 */
export interface LogReader {
  /**
   * Starts listening; `wake` is called whenever the log may have grown (and
   * once connected again after a failure). `failed` is told when looking for
   * changes fails in the background (SQLite's poll), once until it works again.
   */
  start(wake: () => void, failed: (error: unknown) => void): Promise<void>;
  /** Entries after `position`, oldest first, at most `limit`. */
  read(position: number, limit: number): Promise<ChangeRow[]>;
  /** The newest position, and the time of the oldest entry (null when empty). */
  bounds(): Promise<{ head: number; oldest: Date | null }>;
  close(): Promise<void>;
}

export interface LogReaderOptions {
  /** SQLite: how often to look for other processes' commits; 0 to look only when this process commits. */
  readonly pollIntervalMs: number;
  /**
   * PostgreSQL: how often the log is read even when no notification came
   * (0: never). A notification lost on the way is made up within this, and
   * the read proves the listening connection still answers.
   */
  readonly heartbeatMs?: number;
  /**
   * PostgreSQL: how long a statement on the listening connection may go
   * unanswered before the connection is dropped and replaced (0: no limit).
   * A network that drops packets silently would otherwise leave a read
   * waiting for ever, and the process deaf to every other process's changes.
   */
  readonly queryTimeoutMs?: number;
  /** Told of a lost connection and of each reconnection. */
  readonly onConnection?: (connected: boolean, error?: unknown) => void;
}

/** The reader for the database `db` is on. */
export function createLogReader(db: DataSource, options: LogReaderOptions): LogReader {
  if (db.options.type === 'postgres') return new PostgresLogReader(db, options);
  const file = String(db.options.database);
  return file === ':memory:' || !fs.existsSync(file) ? new SharedConnectionLogReader(db) : new SqliteLogReader(file, options);
}

const READ_SQL = `SELECT ${CHANGE_COLUMNS} FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2`;
const BOUNDS_SQL = 'SELECT max(seq) AS "head", min(at) AS "oldest" FROM change_log';

/**
 * A dedicated connection that LISTENs, reconnecting with backoff; a
 * reconnection wakes the tailer, so a notification missed while away loses
 * nothing. A connection can also go silent without closing (a network or a
 * middlebox dropping its packets): every statement on it has a deadline, past
 * which the socket is destroyed and a new connection made, and the heartbeat
 * reads the log at intervals, so that silence is found even while nothing is
 * written and a lost notification delays a change by one interval at most.
 */
class PostgresLogReader implements LogReader {
  private client: Client | null = null;
  private schema = 'public';
  private wake: () => void = () => {};
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private attempts = 0;

  constructor(
    private readonly db: DataSource,
    private readonly options: LogReaderOptions,
  ) {}

  async start(wake: () => void): Promise<void> {
    this.wake = wake;
    await this.connect();
    const every = this.options.heartbeatMs ?? 0;
    if (every > 0 && !this.closed) {
      // The tailer's read is the heartbeat: it answers, or its deadline replaces the connection (and the reconnection wakes the tailer again).
      this.heartbeat = setInterval(() => {
        if (this.client) this.wake();
      }, every);
      this.heartbeat.unref();
    }
  }

  private async connect(): Promise<void> {
    const pool = pgPoolOf(this.db)!;
    const client = new Client({ ...(pool.options as object), application_name: 'coalition-graph changes' } as never);
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel === CHANGES_CHANNEL && message.payload === this.schema) this.wake();
    });
    try {
      await client.connect();
      // A listener must not keep the process alive on its own: the gateway stops it on shutdown, and tools that forget to still exit.
      streamOf(client)?.unref?.();
      const [{ schema }] = (await this.query<{ schema: string }>(client, 'SELECT current_schema() AS schema')).rows;
      this.schema = schema;
      await this.query(client, `LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      // Connected but not listening: this connection is ended here, or each failed reconnection would leave one open.
      await endClient(client);
      throw error;
    }
    if (this.closed) {
      // Closed while connecting: this connection must not outlive the reader.
      await endClient(client);
      return;
    }
    this.client = client;
    this.attempts = 0;
  }

  /**
   * A statement on `client`, within the deadline. Past it the socket is
   * destroyed (ending it politely would wait for an answer that is not
   * coming), which fails the statement with {@link SilentConnectionError} and
   * makes the reader connect again.
   */
  private query<R extends object = Record<string, unknown>>(client: Client, text: string, values?: unknown[]): Promise<{ rows: R[] }> {
    const answer = client.query(text, values) as unknown as Promise<{ rows: R[] }>;
    const deadline = this.options.queryTimeoutMs ?? 0;
    if (deadline <= 0) return answer;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new SilentConnectionError(deadline);
        reject(error);
        // The statement's own failure, once the socket is gone, has nobody left to hear it.
        answer.catch(() => {});
        this.lost(client, error);
        streamOf(client)?.destroy?.();
      }, deadline);
      // Like the socket, the deadline does not keep a process alive on its own.
      timer.unref();
      answer.then(
        (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private lost(client: Client, error?: unknown): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    void endClient(client);
    this.options.onConnection?.(false, error);
    this.reconnect();
  }

  private reconnect(): void {
    if (this.closed || this.retry) return;
    const delay = backoffMs(250, ++this.attempts, 5_000);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().then(
        () => {
          this.options.onConnection?.(true);
          this.wake();
        },
        (error) => {
          this.options.onConnection?.(false, error);
          this.reconnect();
        },
      );
    }, delay);
    this.retry.unref();
  }

  async read(position: number, limit: number): Promise<ChangeRow[]> {
    if (!this.client) return [];
    const { rows } = await this.query(this.client, READ_SQL, [position, limit]);
    return rows.map((row) => toChangeRow(row, readTimestamp));
  }

  async bounds(): Promise<{ head: number; oldest: Date | null }> {
    if (!this.client) throw new Error('the change log connection is not open');
    const [row] = (await this.query<{ head: unknown; oldest: unknown }>(this.client, BOUNDS_SQL)).rows;
    return { head: Number(row?.head ?? 0), oldest: row?.oldest == null ? null : readTimestamp(row.oldest) };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.heartbeat) clearInterval(this.heartbeat);
    const client = this.client;
    this.client = null;
    if (client) await endClient(client);
  }
}

/**
 * A statement on the change log's connection that got no answer in time: the
 * network lost the connection without closing it. Its code is the socket
 * timeout's, so that it counts as a connection failure (`db/failures.ts`).
 */
export class SilentConnectionError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(deadlineMs: number) {
    super(`The change log connection did not answer within ${deadlineMs} ms (DB_QUERY_TIMEOUT_MS); it was dropped and is being replaced`);
    this.name = 'SilentConnectionError';
  }
}

/** The socket under a pg client (not part of pg's typed API). */
function streamOf(client: Client): { ref?: () => void; unref?: () => void; destroy?: () => void } | undefined {
  return (client as unknown as { connection?: { stream?: { ref?: () => void; unref?: () => void; destroy?: () => void } } }).connection?.stream;
}

/**
 * Ends a listening connection. Its socket is unreferenced while it listens;
 * it is referenced again for the goodbye, or a process with nothing else to
 * do would exit before the server's reply and leave `end()` pending forever.
 */
async function endClient(client: Client): Promise<void> {
  streamOf(client)?.ref?.();
  // On a connection that went silent the server's reply never comes: past a bound the socket is destroyed instead.
  const destroy = setTimeout(() => streamOf(client)?.destroy?.(), END_WAIT_MS);
  destroy.unref();
  await client.end().catch(() => {});
  clearTimeout(destroy);
}

/** How long ending a listening connection waits for the server's reply before destroying the socket. */
const END_WAIT_MS = 2_000;

/** A read-only connection of its own to the SQLite file, polling `PRAGMA data_version`. */
class SqliteLogReader implements LogReader {
  private readonly connection: Database.Database;
  private timer: NodeJS.Timeout | null = null;
  private version = -1;
  /** The last look failed: what other processes committed meanwhile is unknown. */
  private pollFailed = false;

  constructor(
    file: string,
    private readonly options: LogReaderOptions,
  ) {
    this.connection = new Database(file, { readonly: true, fileMustExist: true, timeout: 5_000 });
  }

  async start(wake: () => void, failed: (error: unknown) => void): Promise<void> {
    this.version = this.dataVersion();
    if (this.options.pollIntervalMs <= 0) return;
    this.timer = setInterval(() => this.poll(wake, failed), this.options.pollIntervalMs);
    this.timer.unref();
  }

  /**
   * Wakes the tailer when another connection committed. A failure must not
   * escape: thrown in a timer, it would end the process. It is told once
   * (not every interval while it lasts), the poll goes on, and the first look
   * that works again wakes the tailer, as other processes may have committed
   * meanwhile.
   */
  private poll(wake: () => void, failed: (error: unknown) => void): void {
    let version: number;
    try {
      version = this.dataVersion();
    } catch (error) {
      if (!this.pollFailed) failed(error);
      this.pollFailed = true;
      return;
    }
    if (version !== this.version || this.pollFailed) {
      this.version = version;
      this.pollFailed = false;
      wake();
    }
  }

  private dataVersion(): number {
    return Number(this.connection.pragma('data_version', { simple: true }));
  }

  async read(position: number, limit: number): Promise<ChangeRow[]> {
    const rows = this.connection.prepare(READ_SQL.replace('$1', '?').replace('$2', '?')).all(position, limit) as Record<string, unknown>[];
    return rows.map((row) => toChangeRow(row, readTimestamp));
  }

  async bounds(): Promise<{ head: number; oldest: Date | null }> {
    const row = this.connection.prepare(BOUNDS_SQL).get() as { head: unknown; oldest: unknown } | undefined;
    return { head: Number(row?.head ?? 0), oldest: row?.oldest == null ? null : readTimestamp(row.oldest) };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.connection.close();
  }
}

/** An in-memory SQLite database has no file to open twice: read through the DataSource, woken only by this process's commits. */
class SharedConnectionLogReader implements LogReader {
  constructor(private readonly db: DataSource) {}

  async start(): Promise<void> {}

  async read(position: number, limit: number): Promise<ChangeRow[]> {
    const rows = (await this.db.query(READ_SQL.replace('$1', '?').replace('$2', '?'), [position, limit])) as Record<string, unknown>[];
    return rows.map((row) => toChangeRow(row, readTimestamp));
  }

  async bounds(): Promise<{ head: number; oldest: Date | null }> {
    const [row] = (await this.db.query(BOUNDS_SQL)) as { head: unknown; oldest: unknown }[];
    return { head: Number(row?.head ?? 0), oldest: row?.oldest == null ? null : readTimestamp(row.oldest) };
  }

  async close(): Promise<void> {}
}
