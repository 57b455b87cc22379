import fs from 'node:fs';
import path from 'node:path';
import { DataSource, type EntityManager, type EntityTarget, type Logger as TypeOrmLogger, type MixedList, type QueryRunner } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { MIGRATIONS } from '../../migrations';
import type { DatabaseConfig } from '../config';
import { inTurn, transaction, type TurnTaking } from './in-turn';
import { SnakeNamingStrategy } from './naming-strategy';
import { PG_TYPES } from './timestamps';
import { INLINE_CHECKPOINT_PAGES, SqliteCheckpointer, WAL_SIZE_LIMIT_BYTES } from './sqlite-checkpoint';

export interface DataSourceOptions {
  /** Every entity class of the graph; the composition root passes them in. */
  readonly entities: MixedList<EntityTarget<unknown> & Function>;
  /** Sees every SQL statement (tests count them); none by default. */
  readonly logger?: TypeOrmLogger;
  /** Upper bound for the connection pool (PostgreSQL). */
  readonly poolSize?: number;
  /** PostgreSQL cancels any statement running longer than this; 0 for no limit. */
  readonly statementTimeoutMs?: number;
  /** Giving up on opening a PostgreSQL connection; node-postgres waits forever by default. */
  readonly connectTimeoutMs?: number;
}

/** SQLite's page cache per connection, in KiB (its default is 2,000). */
const CACHE_KIB = 32_768;

/** How the gateway's connections show in `pg_stat_activity`. */
export const APPLICATION_NAME = 'coalition-graph';

/**
 * Makes the TypeORM DataSource for the configured database. The schema comes
 * from migrations only (`synchronize` is off on both databases).
 */
export function createDataSource(database: DatabaseConfig, options: DataSourceOptions): DataSource {
  const common = {
    entities: options.entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logger: new ScopeCountingLogger(options.logger),
  };
  if (database.kind === 'sqlite') {
    const file = database.path !== ':memory:';
    return new SqliteDataSource(file ? database.path : null, {
      ...common,
      logging: ['query', 'error'],
      type: 'better-sqlite3',
      database: database.path,
      enableWAL: file,
      // Wait for a concurrent writer (another CLI run, say) rather than failing at once.
      timeout: 5000,
      prepareDatabase: (connection: { pragma(source: string): unknown }) => {
        // In WAL mode, NORMAL syncs at checkpoints rather than at every commit (SQLite's advice for WAL):
        // a crash of the process loses nothing and the file stays consistent; a power cut can lose the
        // last commits. Checkpoints run on a thread of their own (sqlite-checkpoint.ts).
        connection.pragma('synchronous = NORMAL');
        // Statement journals and sorts in memory: a multi-row INSERT in a transaction keeps a journal of the
        // pages it changes, and at the default it spilled to a temporary file (as many writes again as the
        // log got: 68,000 of them for 1,000 ingested items at 100,000 stored).
        connection.pragma('temp_store = MEMORY');
        // Random-keyed indexes touch pages all over the file; at the default 2 MB cache a batch re-read them.
        connection.pragma(`cache_size = -${CACHE_KIB}`);
        connection.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
        connection.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      },
    });
  }
  return new DataSource({
    ...common,
    logging: ['query', 'error'],
    type: 'postgres',
    url: database.url,
    poolSize: options.poolSize ?? 10,
    applicationName: APPLICATION_NAME,
    connectTimeoutMS: options.connectTimeoutMs ?? 10_000,
    // The schema goes on the search path rather than into TypeORM's `schema` option,
    // so migrations and hand-written SQL stay unqualified and work in any schema.
    extra: {
      // The session's zone is UTC too, for what the database fills in itself (a column's `DEFAULT now()`, TypeORM's
      // `updated_at = CURRENT_TIMESTAMP`), and its dates ISO, which the timestamp readers expect (see timestamps.ts).
      options: [`-c TimeZone=UTC -c DateStyle=ISO,YMD`, ...(database.schema ? [`-c search_path=${database.schema}`] : [])].join(' '),
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      // A server that vanished without closing the socket is noticed by the kernel too, not only by our own timeouts.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      types: PG_TYPES,
    },
  });
}

/** What TypeORM's SQLite runner sends to begin a transaction, and what the transactions' runner sends instead (see `transactionRunner`). */
const DEFERRED_BEGIN = 'BEGIN TRANSACTION';
const IMMEDIATE_BEGIN = 'BEGIN IMMEDIATE TRANSACTION';

/**
 * A SQLite DataSource whose file's log is checkpointed on a thread of its own
 * while it is open, and whose statements take turns on its one connection
 * (see `in-turn.ts`): TypeORM's better-sqlite3 driver gives every caller the
 * same query runner, so this one hands out two over the same connection. One
 * runs the transactions (`transactionRunner`, whose caller takes the turn);
 * the other, which everything else gets from `createQueryRunner` (`db.query`,
 * `db.getRepository(…)`, query builders), runs each statement in a turn of its
 * own, so never inside a transaction of the other runner. (TypeORM's migrations
 * begin their transactions on this one; they run when the database is opened,
 * before anything else.)
 */
class SqliteDataSource extends DataSource implements TurnTaking {
  private checkpointer: SqliteCheckpointer | null = null;
  private outside: QueryRunner | null = null;
  private inside: QueryRunner | null = null;

  constructor(
    private readonly file: string | null,
    options: ConstructorParameters<typeof DataSource>[0],
  ) {
    super(options);
  }

  override async initialize(): Promise<this> {
    await super.initialize();
    if (this.file) this.checkpointer = new SqliteCheckpointer(this.file);
    return this;
  }

  override async destroy(): Promise<void> {
    await this.checkpointer?.stop();
    this.checkpointer = null;
    await super.destroy();
    // Their prepared statements belong to the closed connection.
    this.outside = this.inside = null;
  }

  /** TypeORM's `transaction()`, on the transactions' runner and in turn (tests call it; the gateway calls `in-turn.ts`'s). SQLite's transactions are serializable whatever level is asked for. */
  override transaction<T>(...args: [(manager: EntityManager) => Promise<T>] | [IsolationLevel, (manager: EntityManager) => Promise<T>]): Promise<T> {
    return transaction(this, args.length === 1 ? args[0] : args[1]);
  }

  /** The runner for statements outside transactions: each one waits for its turn. */
  override createQueryRunner(mode: 'master' | 'slave' = 'master'): QueryRunner {
    if (this.outside) return this.outside;
    const runner = this.newRunner(mode);
    const statement = runner.query.bind(runner);
    runner.query = ((...args: Parameters<QueryRunner['query']>) => inTurn(this, () => statement(...args))) as QueryRunner['query'];
    return (this.outside = runner);
  }

  /**
   * The transactions' runner. Its transactions begin IMMEDIATE (TypeORM's
   * `BEGIN TRANSACTION` is deferred): a deferred one reads first and asks for
   * the write lock at its first write, and when another process (a second
   * gateway, the CLI) committed in between, SQLite refuses that at once with
   * `SQLITE_BUSY`, as its reads are stale; waiting cannot help, so the busy
   * timeout does not apply. Editors writing through two processes got
   * INTERNAL_SERVER_ERROR for every such overlap. Taking the lock at BEGIN,
   * a transaction waits (up to the busy timeout) for the other's commit, and
   * then reads what it wrote. This process's own transactions already take
   * turns (`in-turn.ts`), so the lock costs nothing among them.
   */
  transactionRunner(): QueryRunner {
    if (this.inside) return this.inside;
    const runner = this.newRunner('master');
    const statement = runner.query.bind(runner);
    runner.query = ((query: string, ...rest: unknown[]) => {
      // Loudly, should TypeORM ever begin otherwise: its transactions would silently be deferred again.
      if (query !== DEFERRED_BEGIN && /^\s*BEGIN\b/i.test(query)) throw new Error(`unexpected transaction start from TypeORM: ${query}`);
      return statement(query === DEFERRED_BEGIN ? IMMEDIATE_BEGIN : query, ...(rest as [])) as ReturnType<QueryRunner['query']>;
    }) as QueryRunner['query'];
    return (this.inside = runner);
  }

  /**
   * Called as a transaction's turn ends, however it ended: it leaves no
   * transaction open, and the runner counting none. A ROLLBACK that failed
   * with the transaction still open would leave every later write inside it;
   * one that failed because SQLite had ended the transaction already (a full
   * disk, say) would leave TypeORM counting it open, so that the next write
   * began as a savepoint, and after one that failed nothing committed again.
   */
  endTransactionTurn(): void {
    const runner = this.inside as (QueryRunner & { transactionDepth: number; isTransactionActive: boolean }) | null;
    if (!runner) return;
    const connection = (this.driver as unknown as { databaseConnection: { inTransaction: boolean; exec(sql: string): unknown } }).databaseConnection;
    if (runner.transactionDepth > 0 && connection.inTransaction) connection.exec('ROLLBACK');
    runner.transactionDepth = 0;
    runner.isTransactionActive = false;
  }

  /** A runner of its own over the driver's one connection (the driver would hand everyone the same). */
  private newRunner(mode: 'master' | 'slave'): QueryRunner {
    const shared = this.driver.createQueryRunner(mode);
    const runner = new (shared.constructor as new (driver: unknown) => QueryRunner)(this.driver);
    return Object.assign(runner, { manager: this.createEntityManager(runner) });
  }
}

/**
 * Counts the statements TypeORM runs for a write in a request's scope (the
 * writer puts the scope in its query runner's `data`), then hands each
 * statement to the given logger, if any (tests count statements with one).
 */
class ScopeCountingLogger implements TypeOrmLogger {
  constructor(private readonly inner: TypeOrmLogger | undefined) {}

  logQuery(query: string, parameters?: unknown[], queryRunner?: QueryRunner): void {
    const scope = (queryRunner?.data as { scope?: { statements: number } } | undefined)?.scope;
    if (scope) scope.statements++;
    this.inner?.logQuery(query, parameters, queryRunner);
  }

  logQueryError(error: string | Error, query: string, parameters?: unknown[], queryRunner?: QueryRunner): void {
    this.inner?.logQueryError(error, query, parameters, queryRunner);
  }

  logQuerySlow(time: number, query: string, parameters?: unknown[], queryRunner?: QueryRunner): void {
    this.inner?.logQuerySlow(time, query, parameters, queryRunner);
  }

  logSchemaBuild(message: string, queryRunner?: QueryRunner): void {
    this.inner?.logSchemaBuild(message, queryRunner);
  }

  logMigration(message: string, queryRunner?: QueryRunner): void {
    this.inner?.logMigration(message, queryRunner);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown, queryRunner?: QueryRunner): void {
    this.inner?.log(level, message, queryRunner);
  }
}

/**
 * Connects, creates the SQLite folder or the PostgreSQL schema if missing, and
 * runs pending migrations. Returns the ready DataSource.
 */
export async function openDatabase(database: DatabaseConfig, options: DataSourceOptions): Promise<DataSource> {
  if (database.kind === 'sqlite' && database.path !== ':memory:') {
    makeFolder(path.dirname(database.path));
  }
  if (database.kind === 'postgres' && database.schema) await createSchema(database.url, database.schema);
  const db = createDataSource(database, options);
  await db.initialize();
  try {
    await db.runMigrations({ transaction: 'each' });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/**
 * Creates `folder` and any missing parents, one level at a time. Node's
 * `mkdirSync(…, { recursive: true })` never returns under `/proc` (a parent
 * that exists but takes no folders answers ENOENT, and it tries the parent
 * again, for ever): `DATABASE_URL=sqlite:/proc/…` hung the gateway at start.
 * One level at a time, the same mistake is an error that names the folder.
 */
function makeFolder(folder: string): void {
  if (fs.existsSync(folder)) {
    // TypeORM's own mkdir would say only EEXIST.
    if (!fs.statSync(folder).isDirectory()) throw new Error(`${folder} is a file, not a folder: the SQLite database cannot be made in it`);
    return;
  }
  const parent = path.dirname(folder);
  if (parent !== folder) makeFolder(parent);
  try {
    fs.mkdirSync(folder);
  } catch (error) {
    // Another process made it in between: what was wanted holds, if what it made is a folder.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(folder).isDirectory()) throw error;
  }
}

/**
 * Creates a PostgreSQL schema before the real connection opens: TypeORM reads
 * `current_schema()` once at connect, and a search path naming a schema that
 * does not exist yet would make it inspect the wrong one.
 */
async function createSchema(url: string, schema: string): Promise<void> {
  const bootstrap = await new DataSource({ type: 'postgres', url, poolSize: 1 }).initialize();
  try {
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await bootstrap.destroy();
  }
}
