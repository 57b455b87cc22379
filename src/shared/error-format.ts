import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DATABASE_AWAY_MESSAGE, isConnectionFailure, isStatementTimeout, STATEMENT_TIMEOUT_WARNING } from '../db/failures';
import { ScopeCancelledError } from '../db/statement-scope';

/** Where {@link formatGatewayError} reports what it masks: the gateway's logger and the database's health. */
export interface ErrorReporting {
  readonly logger: {
    warn(details: Record<string, unknown>, message: string): void;
    error(details: Record<string, unknown>, message: string): void;
  };
  readonly health: { observe(error: unknown): void };
}

/**
 * The error a resolver threw, under graphql-js's located wrapper (a `GraphQLError` with a path
 * and an `originalError`); anything else as it is. What `@apollo/server/errors`'s `unwrapResolverError` does.
 */
function unwrapResolverError(error: unknown): unknown {
  return error instanceof GraphQLError && error.path && error.originalError ? error.originalError : error;
}

/**
 * An error as every transport of the gateway shows it to a client (HTTP
 * through Apollo's `formatError`, WebSocket subscriptions for each event):
 * errors the graph raised on purpose (`GraphQLError`s, with their codes) as
 * they are; a database that does not answer as `SERVICE_UNAVAILABLE` (and the
 * health monitor is told); a request past its time limit or a statement past
 * PostgreSQL's `statement_timeout` as `REQUEST_TIMEOUT` (the latter logged as
 * a warning); anything else is logged with its stack and reaches the client
 * only as `Internal server error` with `INTERNAL_SERVER_ERROR`, never with SQL
 * or a stack. Runs once per error, never per field.
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown, { logger, health }: ErrorReporting): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof GraphQLError) return formatted;
  if (isConnectionFailure(original)) {
    health.observe(original);
    return {
      message: DATABASE_AWAY_MESSAGE,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    };
  }
  if (original instanceof ScopeCancelledError) {
    return { message: 'The request ran past its time limit', locations: formatted.locations, path: formatted.path, extensions: { code: 'REQUEST_TIMEOUT' } };
  }
  // PostgreSQL's statement_timeout (DB_STATEMENT_TIMEOUT_MS): the request asked for more than one statement may cost, not a bug.
  if (isStatementTimeout(original)) {
    logger.warn({ path: formatted.path, statement: (original as { query?: string }).query?.slice(0, 500) }, STATEMENT_TIMEOUT_WARNING);
    return {
      message: 'A database statement of this request ran past its time limit; ask for less (a narrower filter or search, a smaller page)',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'REQUEST_TIMEOUT' },
    };
  }
  logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving');
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
