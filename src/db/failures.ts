import { QueryFailedError } from 'typeorm';

/** Socket-level failures: the server is down, unreachable or went away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** What pg-pool says when no connection came in time: a new one did not connect, or every one was in use. */
const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect';

/** What node-postgres and pg-pool say when a connection cannot be made or has gone. */
const NETWORK_MESSAGES = [
  'Connection terminated',
  POOL_WAIT_TIMEOUT,
  'Client has encountered a connection error and is not queryable',
  'Query read timeout',
  'Connection is not established',
  'Cannot use a pool after calling end on the pool',
];

/** What the driver (pg, better-sqlite3) raised, under TypeORM's wrapper if there is one. */
function driverErrorOf(error: unknown): unknown {
  return error instanceof QueryFailedError ? error.driverError : error;
}

/**
 * True when `error` says that the database could not be reached or stopped
 * answering, rather than that a statement was wrong: connection refused or
 * reset, a connect or read timeout, SQLSTATE class 08 (connection exception),
 * 57P01–57P03 (the server is shutting down or starting), 53300 (too many
 * connections). These become `SERVICE_UNAVAILABLE` (HTTP 503) for clients and
 * mark the database down until it answers again; anything else is a bug or a
 * bad statement and stays an internal error.
 */
export function isConnectionFailure(error: unknown): boolean {
  const cause = driverErrorOf(error);
  if (!cause || typeof cause !== 'object') return false;
  const { code, message } = cause as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code) || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
  }
  return typeof message === 'string' && NETWORK_MESSAGES.some((text) => message.includes(text));
}

/** True when `error` is pg-pool's timeout waiting for a connection (`DatabaseHealth.observe` tells its two causes apart). */
export function isPoolWaitTimeout(error: unknown): boolean {
  const message = (driverErrorOf(error) as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.includes(POOL_WAIT_TIMEOUT);
}

/** What every transport (GraphQL, feeds, WebSockets, an API key's check) tells a client while {@link isConnectionFailure} holds. */
export const DATABASE_AWAY_MESSAGE = 'The database is not answering; try again shortly';

/** The `Retry-After` (seconds) sent with {@link DATABASE_AWAY_MESSAGE}: long enough for a pool to reconnect, short enough for a reader. */
export const DATABASE_AWAY_RETRY_SECONDS = 5;

/** The warning both transports (GraphQL, feeds) log when {@link isStatementTimeout} holds. */
export const STATEMENT_TIMEOUT_WARNING = 'a statement ran past DB_STATEMENT_TIMEOUT_MS and was cancelled';

/** True when PostgreSQL ended a statement at its `statement_timeout` (not at a cancel request). */
export function isStatementTimeout(error: unknown): boolean {
  const cause = driverErrorOf(error) as { code?: unknown; message?: unknown } | null;
  return cause?.code === '57014' && typeof cause.message === 'string' && cause.message.includes('statement timeout');
}

/**
 * True when a write broke the unique index `name` on `table`(`columns`):
 * PostgreSQL's 23505 names the index; SQLite's message names the columns
 * (`UNIQUE constraint failed: content.type, content.slug`).
 */
export function isUniqueViolation(error: unknown, index: { readonly name: string; readonly table: string; readonly columns: readonly string[] }): boolean {
  const cause = driverErrorOf(error);
  if (!cause || typeof cause !== 'object') return false;
  const { code, constraint, message } = cause as { code?: unknown; constraint?: unknown; message?: unknown };
  if (code === '23505') return constraint === index.name;
  return (
    typeof code === 'string' &&
    code.startsWith('SQLITE_CONSTRAINT') &&
    typeof message === 'string' &&
    message.endsWith(`constraint failed: ${index.columns.map((column) => `${index.table}.${column}`).join(', ')}`)
  );
}

/** True when PostgreSQL broke a deadlock by cancelling this transaction (40P01): it may simply run again. */
export function isDeadlock(error: unknown): boolean {
  const cause = driverErrorOf(error);
  return (cause as { code?: unknown } | null)?.code === '40P01';
}

/**
 * True when SQLite refused a write because another connection (another
 * process on the same file) holds or has just committed a write: `SQLITE_BUSY`
 * once the busy timeout ran out, or `SQLITE_BUSY_SNAPSHOT` at once, when a
 * transaction that read first tries to write after another commit. The whole
 * transaction may simply run again.
 */
export function isSqliteBusy(error: unknown): boolean {
  const cause = driverErrorOf(error);
  const code = (cause as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
}
