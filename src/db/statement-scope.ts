import { Client } from 'pg';
import { activeQueryOf, type PgClient, type PgPool } from './pg';

/** Raised in place of a statement that a cancelled scope was about to send. */
export class ScopeCancelledError extends Error {
  override name = 'ScopeCancelledError';
}

/**
 * The statements of one unit of work (a GraphQL request, a subscription event,
 * an ingest batch): how many it sent, and a way to stop them. A request that
 * runs past its time limit cancels its scope: statements running on
 * PostgreSQL are cancelled with the protocol's cancel request (on a separate
 * connection, so it works even when the pool is exhausted), and statements not
 * yet sent are refused. Nothing here is asynchronous per statement, so
 * counting costs nothing measurable; it replaces an AsyncLocalStorage, which
 * cost 7–12% of a request's CPU here.
 */
export class StatementScope {
  /** Statements sent so far. */
  statements = 0;
  /** Told of each DataLoader batch of the unit of work: the loader's name and how many keys it held. */
  observeBatch?: (loader: string, size: number) => void;
  /** Why the scope was cancelled; null until it is. Not an AbortController: every request makes a scope, and nothing listened to its signal. */
  private cancelledFor: string | null = null;
  private readonly running = new Set<PgClient>();
  /** Connections sent a cancel request again: one may still be on its way when the statement ends (made on the first). */
  private resent: WeakSet<PgClient> | null = null;

  constructor(private readonly pool: PgPool | null = null) {}

  get cancelled(): boolean {
    return this.cancelledFor !== null;
  }

  /** Counts a statement about to be sent, and refuses it once the scope is cancelled. */
  begin(): void {
    if (this.cancelled) throw this.refusal();
    this.statements++;
  }

  /** The scope's statements run on `client` (PostgreSQL) until {@link detach}: a cancellation cancels what runs there. */
  attach(client: PgClient): void {
    if (this.cancelled) throw this.refusal();
    this.running.add(client);
  }

  detach(client: PgClient): void {
    this.running.delete(client);
  }

  /**
   * Stops the scope's work: cancels what runs on PostgreSQL, refuses what has
   * not started. PostgreSQL ignores a cancel request that reaches a backend
   * still reading the statement off its socket (one sent the moment before),
   * so the request is sent again, with growing pauses, for as long as a
   * statement of the scope is still running on that connection.
   */
  cancel(reason = ''): void {
    if (this.cancelled) return;
    this.cancelledFor = reason;
    if (this.pool) this.cancelRunning(this.pool, 0);
  }

  private refusal(): ScopeCancelledError {
    const why = this.cancelledFor ? ` (${this.cancelledFor})` : '';
    return new ScopeCancelledError(`The request was cancelled${why} before this statement ran`);
  }

  /**
   * Whether `client` was sent a cancel request again: a pool should close it
   * rather than reuse it, as a request still on its way could otherwise cancel
   * the next statement run there, another request's.
   */
  wasCancelledAgain(client: PgClient): boolean {
    return this.resent?.has(client) ?? false;
  }

  private cancelRunning(pool: PgPool, attempt: number): void {
    if (this.running.size === 0) return;
    for (const client of this.running) {
      if (attempt > 0) (this.resent ??= new WeakSet()).add(client);
      cancelStatement(pool, client);
    }
    if (attempt + 1 >= CANCEL_ATTEMPTS) return;
    setTimeout(() => this.cancelRunning(pool, attempt + 1), CANCEL_FIRST_PAUSE_MS * 2 ** attempt).unref();
  }
}

/** Cancel requests sent for a statement that runs on (100, 200, 400 … ms apart: about 6 s in all); its statement timeout bounds it after that. */
const CANCEL_ATTEMPTS = 7;
const CANCEL_FIRST_PAUSE_MS = 100;
/** How long a cancel request's own connection may take to be made and closed by the server. */
const CANCEL_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Sends PostgreSQL's cancel request for the statement `client` is running,
 * over a connection of its own, as node-postgres' `Client.cancel` does (which
 * reads the deprecated `Client.activeQuery`, and warns). A failure only means
 * the statement runs on until its `statement_timeout`.
 */
export function cancelStatement(pool: PgPool, client: PgClient): void {
  const { processID, secretKey } = client;
  // Null until the server has said them (node-postgres starts them at null).
  if (!activeQueryOf(client) || processID == null || secretKey == null) return;
  // The pool's connection settings, resolved as its own clients resolve them; the server closes the connection once it has the request.
  const canceller = new Client(pool.options as never) as unknown as {
    host: string;
    port: number;
    connection: {
      stream: { destroy(): void };
      on(event: string, listener: (...args: unknown[]) => void): void;
      connect(port: number | string, host?: string): void;
      cancel(processID: number, secretKey: number): void;
    };
  };
  const connection = canceller.connection;
  // A server that does not answer (the reason statements are being cancelled, often) is given up on, not waited for until the
  // kernel's own timeout; nor does the attempt hold the process open.
  const giveUp = setTimeout(() => connection.stream.destroy(), CANCEL_CONNECT_TIMEOUT_MS).unref();
  connection.on('end', () => clearTimeout(giveUp));
  connection.on('error', () => {});
  connection.on('connect', () => connection.cancel(processID, secretKey));
  if (canceller.host?.startsWith('/')) connection.connect(`${canceller.host}/.s.PGSQL.${canceller.port}`);
  else connection.connect(canceller.port, canceller.host);
}
