import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isLeafType,
  isListType,
  Kind,
  type FragmentDefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Limits } from '../config';
import { ForbiddenError } from '../shared/errors';
import { DEFAULT_PAGE_SIZE } from '../shared/pagination/keyset';
import type { GatewayContext } from './context';
import { eachField, type Fragments } from '../shared/selection';
import type { RateLimiter } from './rate-limit';

/** A plain list field (such as `nations`) counts as this many items. */
const LIST_ESTIMATE = 5;

/** Introspection is exempt from depth and cost: the playground and code generators need it whole. */
const INTROSPECTION = new Set(['__schema', '__type']);

/**
 * The cost of a field: 0 for a scalar, 1 for an object, and for lists the cost of
 * one item times how many the arguments ask for (`first`/`last` on connections,
 * the number of `representations` for `_entities`, of `ids` for `nodes`).
 */
export const estimateCost: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (INTROSPECTION.has(field.name)) return 0;
  const named = getNamedType(field.type);
  if (isLeafType(named)) return 0;
  let items = 1;
  // A connection's page size already counts its edges.
  if (type.name.endsWith('Connection')) items = 1;
  else if (named.name.endsWith('Connection')) items = Number(args.first ?? args.last ?? DEFAULT_PAGE_SIZE);
  else if (field.name === '_entities') items = Array.isArray(args.representations) ? args.representations.length : 1;
  else if (field.name === 'nodes') items = Array.isArray(args.ids) ? args.ids.length : 1;
  else if (isListType(getNullableType(field.type))) items = LIST_ESTIMATE;
  return 1 + Math.max(0, items) * childComplexity;
};

/** What an operation measured, for `extensions.cost` and the request log. */
export interface OperationCost {
  readonly cost: number;
  readonly limit: number;
}

/**
 * Checks every operation before it runs: the key's allow-list of persisted
 * operations, depth, aliases, root fields and cost, then charges the cost to the
 * caller's rate limit. Runs once per operation (never per field). Each refusal is
 * a GraphQL error with a 4xx status that names the measured value and the limit.
 */
export function protectionPlugin(schema: GraphQLSchema, limits: Limits, rateLimiter: RateLimiter): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let measured: OperationCost | undefined;
      return {
        async didResolveOperation(request) {
          checkAllowList(request);
          const { operation, document } = request;
          if (!operation) return;
          const fragments = Object.fromEntries(
            document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
          );
          const depth = depthOf(operation.selectionSet, fragments);
          refuseAbove('depth', depth, limits.maxDepth);
          refuseAbove('aliases', countAliases(operation.selectionSet, fragments), limits.maxAliases);
          refuseAbove('root fields', countFields(operation.selectionSet, fragments), limits.maxRootFields);
          const cost = costOf(schema, request);
          // Variables that do not fit the operation: Apollo refuses it with 400 before anything runs.
          if (cost === null) return;
          refuseAbove('cost', cost, limits.maxCost);
          measured = { cost, limit: limits.maxCost };
          request.contextValue.cost = cost;
          await rateLimiter.consume(request.contextValue, Math.max(1, cost), request.response.http.headers);
        },
        async willSendResponse({ response }) {
          if (measured && response.body.kind === 'single') {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, cost: measured };
          }
        },
      };
    },
  };
}

/** Costs already computed, by parsed document (Apollo caches those) and by operation name and variables. */
const COSTS = new WeakMap<DocumentNode, Map<string, number | null>>();

function costOf(schema: GraphQLSchema, request: GraphQLRequestContextDidResolveOperation<GatewayContext>): number | null {
  const key = `${request.operationName ?? ''}\u0000${JSON.stringify(request.request.variables ?? {})}`;
  let costs = COSTS.get(request.document);
  if (!costs) COSTS.set(request.document, (costs = new Map()));
  if (costs.has(key)) return costs.get(key)!;
  const cost = computeCost(schema, request);
  if (costs.size >= 100) costs.clear();
  costs.set(key, cost);
  return cost;
}

function computeCost(schema: GraphQLSchema, request: GraphQLRequestContextDidResolveOperation<GatewayContext>): number | null {
  try {
    return getComplexity({
      schema,
      query: request.document,
      operationName: request.operationName ?? undefined,
      variables: request.request.variables ?? {},
      estimators: [estimateCost],
    });
  } catch (error) {
    if (error instanceof GraphQLError) return null;
    throw error;
  }
}

function checkAllowList(request: GraphQLRequestContextDidResolveOperation<GatewayContext>): void {
  const allowed = request.contextValue.viewer.allowedOperations;
  if (allowed && !allowed.includes(request.queryHash)) {
    throw new ForbiddenError('This API key may only run its allow-listed persisted operations', { queryHash: request.queryHash, http: { status: 403 } });
  }
}

function refuseAbove(what: string, value: number, limit: number): void {
  if (value <= limit) return;
  throw new GraphQLError(`Query ${what} is ${value}, above the limit of ${limit}`, {
    extensions: { code: 'QUERY_TOO_COMPLEX', measure: what, value, limit, http: { status: 400 } },
  });
}


/** Deepest field nesting below a selection set; introspection is not counted. */
export function depthOf(set: SelectionSetNode, fragments: Fragments, visiting: Set<string> = new Set()): number {
  let deepest = 0;
  eachField(set, fragments, visiting, (field) => {
    if (INTROSPECTION.has(field.name.value)) return;
    deepest = Math.max(deepest, 1 + (field.selectionSet ? depthOf(field.selectionSet, fragments, visiting) : 0));
  });
  return deepest;
}

/** Aliased fields in the operation, counting each fragment where it is spread. */
function countAliases(set: SelectionSetNode, fragments: Fragments, visiting: Set<string> = new Set()): number {
  let count = 0;
  eachField(set, fragments, visiting, (field) => {
    if (field.alias) count++;
    if (field.selectionSet) count += countAliases(field.selectionSet, fragments, visiting);
  });
  return count;
}

/** Fields selected at this level, through fragments: at the root, how many entry points one request hits. */
function countFields(set: SelectionSetNode, fragments: Fragments): number {
  let count = 0;
  eachField(set, fragments, new Set(), () => count++);
  return count;
}
