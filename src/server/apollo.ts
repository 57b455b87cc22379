import { ApolloServer } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from './context';
import type { Logger } from './logger';

/**
 * The Apollo Server behind `/graphql`.
 *
 * - Plugins that hook every field are off: federated inline tracing and the
 *   cache-control calculator each cost ~15% of throughput here.
 * - CSRF prevention is off: no credential travels implicitly (no cookies; API
 *   keys are headers a page must set itself), and GraphQL over HTTP GET must
 *   work for plain clients and caches.
 * - Unexpected errors are logged with their stack and reach the client only as
 *   `INTERNAL_SERVER_ERROR`, never with SQL or a stack.
 */
export function createApolloServer(schema: GraphQLSchema, logger: Logger): ApolloServer<GatewayContext> {
  return new ApolloServer<GatewayContext>({
    schema,
    introspection: true,
    csrfPrevention: false,
    includeStacktraceInErrorResponses: false,
    // The gateway drains HTTP and closes the database on SIGTERM itself; Apollo's own
    // handler would re-raise the signal and kill the process before that finishes.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
    ],
    formatError: (formatted, error) => maskUnexpected(formatted, error, logger),
  });
}

function maskUnexpected(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof GraphQLError) return formatted;
  logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving');
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
