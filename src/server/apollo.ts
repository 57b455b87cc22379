import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { checkOperation } from '../protection/checks';
import { RateLimitedError } from '../protection/rate-limit';
import { formatGatewayError } from '../shared/error-format';
import type { GatewayContext } from './context';
import type { Services } from './services';

/** Registered persisted queries live a day after their last registration. */
const PERSISTED_QUERY_TTL_SECONDS = 24 * 60 * 60;

/**
 * The Apollo Server behind `/graphql`.
 *
 * - Plugins that hook every field are off: federated inline tracing and the
 *   cache-control calculator each cost ~15% of throughput here. The protection
 *   plugin runs once per operation.
 * - Automatic persisted queries are on, shared through Redis when configured
 *   (and kept in the process too, for when Redis is away).
 * - Parsing stops at `maxTokens`, before any validation rule sees a hostile document.
 * - CSRF prevention is off: no credential travels implicitly (no cookies; API
 *   keys are headers a page must set itself), and GraphQL over HTTP GET must
 *   work for plain clients and caches.
 * - Unexpected errors are logged with their stack and reach the client only as
 *   `INTERNAL_SERVER_ERROR`, never with SQL or a stack; a database that does
 *   not answer is `SERVICE_UNAVAILABLE` (HTTP 503).
 */
export function createApolloServer(schema: GraphQLSchema, services: Services, knownOperations: ReadonlySet<string>): ApolloServer<GatewayContext> {
  const { config, logger } = services;
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
    persistedQueries: { ttl: PERSISTED_QUERY_TTL_SECONDS, cache: services.persistedQueries },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      protectionPlugin(schema, services, knownOperations),
    ],
    formatError: (formatted, error) => formatError(formatted, error, services),
  });
}

/**
 * Runs the checks of `protection/` once per operation (never per field),
 * charges its cost to the caller's rate limit, and notes what metrics and the
 * request log need: the operation's label, its cost, its outcome and error codes.
 */
function protectionPlugin(schema: GraphQLSchema, { config, rateLimiter }: Services, knownOperations: ReadonlySet<string>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let cost: number | null = null;
      let headers: Readonly<Record<string, string>> | null = null;
      return {
        async didResolveOperation(request) {
          const { operation, document, contextValue: ctx } = request;
          const name = request.operationName;
          if (name && (knownOperations.has(name) || ctx.viewer.allowedOperations?.includes(request.queryHash))) ctx.measured.operation = name;
          if (!operation) return;
          cost = checkOperation(schema, { document, operation, operationName: name, variables: request.request.variables, queryHash: request.queryHash }, ctx.viewer, config.limits);
          // Variables that do not fit the operation: Apollo refuses it with 400 before anything runs.
          if (cost === null) return;
          ctx.measured.cost = cost;
          try {
            const charged = ctx.measured.charged;
            if (charged && 'error' in charged) throw charged.error;
            headers = charged ? charged.headers : await rateLimiter.consume(ctx, Math.max(1, cost));
          } catch (error) {
            if (!(error instanceof RateLimitedError)) throw error;
            throw new GraphQLError(error.message, {
              extensions: { ...error.extensions, http: { status: 429, headers: new HeaderMap(Object.entries(error.headers)) } },
            });
          }
        },
        async willSendResponse({ response, contextValue: ctx }) {
          for (const [name, value] of Object.entries(headers ?? {})) response.http.headers.set(name, value);
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (cost !== null) result.extensions = { ...result.extensions, cost: { cost, limit: config.limits.maxCost } };
          const codes = (result.errors ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
          ctx.measured.errorCodes = [...(ctx.measured.errorCodes ?? []), ...codes];
          if (codes.includes('SERVICE_UNAVAILABLE')) response.http.status = 503;
        },
      };
    },
  };
}

/** Apollo's own refusals as the graph's codes, then what every transport does: see {@link formatGatewayError}. */
function formatError(formatted: GraphQLFormattedError, error: unknown, services: Services): GraphQLFormattedError {
  // Apollo's own refusal of a persisted query whose hash does not match its text carries no code.
  if (formatted.message === 'provided sha does not match query' && unwrapResolverError(error) instanceof GraphQLError) {
    return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_REQUEST' } };
  }
  return formatGatewayError(formatted, error, services);
}
