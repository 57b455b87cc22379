import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isLeafType,
  isListType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Limits } from '../config';
import { ForbiddenError } from '../shared/errors';
import { DEFAULT_PAGE_SIZE } from '../shared/pagination/keyset';
import type { GatewayContext } from './context';
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
          const depth = depthOf(operation.selectionSet, fragments, 0, new Set());
          refuseAbove('depth', depth, limits.maxDepth);
          refuseAbove('aliases', countAliases(operation.selectionSet, fragments, new Set()), limits.maxAliases);
          refuseAbove('root fields', countFields(operation.selectionSet, fragments, new Set()), limits.maxRootFields);
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

function costOf(schema: GraphQLSchema, request: GraphQLRequestContextDidResolveOperation<GatewayContext>): number | null {
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

type Fragments = Record<string, FragmentDefinitionNode>;

/** Deepest field nesting; fragments are followed once per path, introspection is not counted. */
export function depthOf(selectionSet: SelectionSetNode, fragments: Fragments, depth: number, visiting: Set<string>): number {
  let deepest = depth;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (INTROSPECTION.has(selection.name.value)) continue;
      deepest = Math.max(deepest, selection.selectionSet ? depthOf(selection.selectionSet, fragments, depth + 1, visiting) : depth + 1);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, depth, visiting));
    } else {
      const fragment = fragments[selection.name.value];
      // A cycle is a validation error already; the guard only keeps this walk finite.
      if (!fragment || visiting.has(fragment.name.value)) continue;
      visiting.add(fragment.name.value);
      deepest = Math.max(deepest, depthOf(fragment.selectionSet, fragments, depth, visiting));
      visiting.delete(fragment.name.value);
    }
  }
  return deepest;
}

/** Aliased fields in the operation, counting each fragment where it is spread. */
function countAliases(selectionSet: SelectionSetNode, fragments: Fragments, visiting: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.alias) count++;
      if (selection.selectionSet) count += countAliases(selection.selectionSet, fragments, visiting);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countAliases(selection.selectionSet, fragments, visiting);
    } else {
      const fragment = fragments[selection.name.value];
      if (!fragment || visiting.has(fragment.name.value)) continue;
      visiting.add(fragment.name.value);
      count += countAliases(fragment.selectionSet, fragments, visiting);
      visiting.delete(fragment.name.value);
    }
  }
  return count;
}

/** Fields selected at this level, through fragments: at the root, how many entry points one request hits. */
function countFields(selectionSet: SelectionSetNode, fragments: Fragments, visiting: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count++;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += countFields(selection.selectionSet, fragments, visiting);
    else {
      const fragment = fragments[selection.name.value];
      if (!fragment || visiting.has(fragment.name.value)) continue;
      visiting.add(fragment.name.value);
      count += countFields(fragment.selectionSet, fragments, visiting);
      visiting.delete(fragment.name.value);
    }
  }
  return count;
}
