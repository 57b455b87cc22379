import { ApolloServer } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type Redis from 'ioredis';
import type { Config } from '../config';
import type { GatewayContext } from './context';
import type { Logger } from './logger';
import { protectionPlugin } from './protection';
import type { RateLimiter } from './rate-limit';
import { RedisKeyValueCache } from './redis';

/** Registered persisted queries live a day after their last registration. */
const PERSISTED_QUERY_TTL_SECONDS = 24 * 60 * 60;

export interface ApolloDependencies {
  readonly config: Config;
  readonly logger: Logger;
  readonly rateLimiter: RateLimiter;
  readonly redis: Redis | null;
}

/**
 * The Apollo Server behind `/graphql`.
 *
 * - Plugins that hook every field are off: federated inline tracing and the
 *   cache-control calculator each cost ~15% of throughput here. The protection
 *   plugin runs once per operation.
 * - Automatic persisted queries are on, shared through Redis when configured.
 * - Parsing stops at `maxTokens`, before any validation rule sees a hostile document.
 * - CSRF prevention is off: no credential travels implicitly (no cookies; API
 *   keys are headers a page must set itself), and GraphQL over HTTP GET must
 *   work for plain clients and caches.
 * - Unexpected errors are logged with their stack and reach the client only as
 *   `INTERNAL_SERVER_ERROR`, never with SQL or a stack.
 */
export function createApolloServer(schema: GraphQLSchema, { config, logger, rateLimiter, redis }: ApolloDependencies): ApolloServer<GatewayContext> {
  return new ApolloServer<GatewayContext>({
    schema,
    introspection: true,
    csrfPrevention: false,
    includeStacktraceInErrorResponses: false,
    // The gateway drains HTTP and closes the database on SIGTERM itself; Apollo's own
    // handler would re-raise the signal and kill the process before that finishes.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: true,
    parseOptions: { maxTokens: config.limits.maxTokens },
    persistedQueries: { ttl: PERSISTED_QUERY_TTL_SECONDS, ...(redis ? { cache: new RedisKeyValueCache(redis) } : {}) },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      protectionPlugin(schema, config.limits, rateLimiter),
    ],
    formatError: (formatted, error) => maskUnexpected(formatted, error, logger),
  });
}

function maskUnexpected(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  // Apollo's own refusal of a persisted query whose hash does not match its text carries no code.
  if (original instanceof GraphQLError && formatted.message === 'provided sha does not match query') {
    return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_REQUEST' } };
  }
  if (original instanceof GraphQLError) return formatted;
  logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving');
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
