import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { Limits } from '../config';
import { ForbiddenError } from '../shared/errors';
import { refuseNulInDocument, refuseNulInVariables } from '../shared/text-input';
import type { Viewer } from '../shared/viewer';
import { checkShape, costOf, fragmentsOf, refuseAbove } from './limits';

/** An operation about to run, as every entry point (HTTP, WebSocket, the fast path) sees it. */
export interface OperationToCheck {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly operationName?: string | null;
  readonly variables?: Record<string, unknown> | null;
  /** SHA-256 (hex) of the document's text, as persisted queries and allow-lists name operations. */
  readonly queryHash: string;
}

/**
 * The checks every operation passes before it runs, whichever way it came
 * (GraphQL over HTTP, a WebSocket subscription, a compiled fast path): the
 * key's allow-list of persisted operations, text without U+0000
 * (`shared/text-input.ts`), depth (introspection apart),
 * aliases, root fields and cost. Each refusal is a GraphQL error with a code
 * (`FORBIDDEN`, `QUERY_TOO_COMPLEX`) that names what it measured and the limit.
 * Returns the cost, or null when the variables do not fit the operation (the
 * executor refuses it then, before anything runs). Charging the cost to the
 * caller's rate limit is the caller's next step (`RateLimiter.consume`).
 */
export function checkOperation(schema: GraphQLSchema, operation: OperationToCheck, viewer: Viewer, limits: Limits): number | null {
  checkAllowList(viewer, operation.queryHash);
  refuseNulInDocument(operation.document);
  refuseNulInVariables(operation.variables);
  checkShape(operation.operation, fragmentsOf(operation.document), limits);
  const cost = costOf(schema, operation.document, operation.operationName, operation.variables);
  if (cost !== null) refuseAbove('cost', cost, limits.maxCost);
  return cost;
}

/** A key bound to persisted operations may run only those. */
export function checkAllowList(viewer: Viewer, queryHash: string): void {
  const allowed = viewer.allowedOperations;
  if (allowed && !allowed.includes(queryHash)) {
    throw new ForbiddenError('This API key may only run its allow-listed persisted operations', { queryHash, http: { status: 403 } });
  }
}
