import type { DataSource } from 'typeorm';
import { isConnectionFailure, isPoolWaitTimeout } from './failures';
import { activeQueryOf, pgPoolOf, type PgClient, type PgPool } from './pg';

/** How often a stuck statement is looked for, and how often a database marked down is probed. */
const WATCH_INTERVAL_MS = 250;
const PROBE_INTERVAL_MS = 1_000;

export interface HealthOptions {
  /** A statement whose answer has not come after this long has its connection dropped. */
  readonly queryTimeoutMs: number;
  /** How long a probe waits for `SELECT 1`. */
  readonly probeTimeoutMs?: number;
  /** Told when the database goes down and when it answers again. */
  readonly onChange?: (available: boolean, reason: string) => void;
}

/**
 * Whether the database answers, as the gateway last saw it. A connection
 * failure seen by any statement marks it down: requests then get 503 at once
 * instead of each waiting for its own timeouts, and a probe (`SELECT 1`) runs
 * every second until the database answers again, without a restart.
 *
 * On PostgreSQL it also watches the pool for statements whose answer never
 * comes (a network that drops packets silently: the server never sees them,
 * so its `statement_timeout` cannot fire) and drops their connections after
 * `queryTimeoutMs`, so that they fail, leave the pool, and are replaced by
 * fresh connections once the network is back. The watch runs only while
 * connections are checked out and issues no statement.
 *
 * SQLite is a file in the process: always available.
 */
export class DatabaseHealth {
  private down: string | null = null;
  /** Counts changes of state, so that a probe can tell its answer came after a newer one. */
  private epoch = 0;
  private probing: NodeJS.Timeout | null = null;
  private watching: NodeJS.Timeout | null = null;
  private readonly checkedOut = new Map<PgClient, { query: object | null | undefined; since: number }>();
  private readonly pool: PgPool | null;
  private closed = false;

  constructor(
    private readonly db: DataSource,
    private readonly options: HealthOptions,
  ) {
    this.pool = pgPoolOf(db);
    if (this.pool) {
      this.pool.on('acquire', (client) => {
        this.checkedOut.set(client, { query: null, since: Date.now() });
        this.watching ??= setInterval(() => this.watch(), WATCH_INTERVAL_MS).unref();
      });
      const forget = (client: PgClient) => {
        this.checkedOut.delete(client);
        if (this.checkedOut.size === 0 && this.watching) {
          clearInterval(this.watching);
          this.watching = null;
        }
      };
      this.pool.on('release', (_error, client) => forget(client));
      this.pool.on('remove', forget);
    }
  }

  /** False while the database is known not to answer. */
  get available(): boolean {
    return this.down === null;
  }

  /** Why the database is marked down, for logs and `/readyz`. */
  get reason(): string | null {
    return this.down;
  }

  /**
   * Looks at a failed statement's error: a connection failure marks the
   * database down. Not a wait for a connection that timed out while every
   * connection of the pool was in use: the database is busy (slow statements
   * hold them all), not gone, and marking it down would refuse every request,
   * cheap ones too, until a probe got through. That request alone is refused
   * (503); were the connections held by statements that get no answer, the
   * watch below marks the database down.
   */
  observe(error: unknown): void {
    if (!isConnectionFailure(error) || this.closed || this.poolExhausted(error)) return;
    this.markDown((error as Error).message ?? String(error));
  }

  /** Whether `error` is node-postgres' pool giving up waiting for a connection while it held all it may open. */
  private poolExhausted(error: unknown): boolean {
    return isPoolWaitTimeout(error) && this.poolFull();
  }

  /** Whether the pool holds every connection it may open (a wait for one that timed out then means they were all in use). */
  private poolFull(): boolean {
    const max = Number(this.pool?.options.max);
    return this.pool !== null && max > 0 && this.pool.totalCount >= max;
  }

  /**
   * Asks the database now, answering within `probeTimeoutMs` (1.5 s) whatever
   * the network does; updates the state either way.
   */
  async probe(): Promise<boolean> {
    const timeoutMs = this.options.probeTimeoutMs ?? 1_500;
    // Probes overlap (one a second, each waiting up to 1.5 s): the answer to one asked before the
    // state last changed is stale. A probe sent into an outage that times out after the database
    // came back must not mark it down again (nor a late success undo a newer failure).
    const epoch = this.epoch;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      const answer = await Promise.race([this.db.query('SELECT 1').then(() => 'ok' as const), timeout]);
      if (this.epoch !== epoch) return this.available;
      if (answer === 'timeout') {
        // Still waiting for a connection of a full pool: the database is busy, not gone (see observe).
        if (this.poolFull()) return this.available;
        this.markDown(`no answer to SELECT 1 within ${timeoutMs} ms`);
        return false;
      }
      this.markUp();
      return true;
    } catch (error) {
      if (this.epoch !== epoch || this.poolExhausted(error)) return this.available;
      this.markDown((error as Error).message ?? String(error));
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.closed = true;
    if (this.probing) clearInterval(this.probing);
    if (this.watching) clearInterval(this.watching);
    this.probing = this.watching = null;
  }

  private markDown(reason: string): void {
    if (this.closed) return;
    const wasUp = this.down === null;
    this.down = reason;
    if (!wasUp) return;
    this.epoch++;
    this.options.onChange?.(false, reason);
    this.probing = setInterval(() => void this.probe(), PROBE_INTERVAL_MS).unref();
  }

  private markUp(): void {
    if (this.down === null) return;
    this.down = null;
    this.epoch++;
    if (this.probing) clearInterval(this.probing);
    this.probing = null;
    this.options.onChange?.(true, 'answers again');
  }

  /** Drops connections whose statement has waited for its answer longer than the query timeout. */
  private watch(): void {
    const now = Date.now();
    for (const [client, seen] of this.checkedOut) {
      const query = activeQueryOf(client);
      if (query !== seen.query) {
        seen.query = query;
        seen.since = now;
      } else if (query && now - seen.since > this.options.queryTimeoutMs) {
        this.checkedOut.delete(client);
        this.markDown(`a statement got no answer within ${this.options.queryTimeoutMs} ms`);
        // The statement fails with "Connection terminated", and the pool drops the client when it is released.
        client.connection?.stream?.destroy();
      }
    }
  }
}
