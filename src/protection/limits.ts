import {
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isLeafType,
  isListType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Limits } from '../config';
import { DEFAULT_PAGE_SIZE } from '../shared/pagination/keyset';
import type { Fragments } from '../shared/selection';

/** What `totalCount` costs on any connection: it reads every matching index entry, where a page reads 20 to 100. */
export const TOTAL_COUNT_COST = 100;

/** A plain list field (such as `nations`) counts as this many items. */
const LIST_ESTIMATE = 5;

/** Root fields of introspection: measured against their own depth limit, and free in the cost model. */
const INTROSPECTION = new Set(['__schema', '__type']);

/**
 * The cost of a field: 0 for a scalar, 1 for an object, and for lists the cost of
 * one item times how many the arguments ask for (`first`/`last` on connections,
 * the number of `representations` for `_entities`, of `ids` for `nodes`). A
 * connection's `totalCount` is one statement whatever the page size, so it is
 * added once per connection, not once per item as the edges are.
 */
export const estimateCost: ComplexityEstimator = ({ type, field, node, args, childComplexity, context }) => {
  if (INTROSPECTION.has(field.name)) return 0;
  // A count reads every matching index entry: priced like a page of 100 items.
  if (field.name === 'totalCount') return TOTAL_COUNT_COST;
  const named = getNamedType(field.type);
  if (isLeafType(named)) return 0;
  let items = 1;
  let counts = 0;
  // A connection's page size already counts its edges.
  if (type.name.endsWith('Connection')) items = 1;
  else if (named.name.endsWith('Connection')) {
    items = Number(args.first ?? args.last ?? DEFAULT_PAGE_SIZE);
    counts = TOTAL_COUNT_COST * countsSelected(node.selectionSet, context as CostContext | undefined);
  } else if (field.name === '_entities') items = Array.isArray(args.representations) ? args.representations.length : 1;
  else if (field.name === 'nodes') items = Array.isArray(args.ids) ? args.ids.length : 1;
  else if (isListType(getNullableType(field.type))) items = LIST_ESTIMATE;
  return 1 + Math.max(0, items) * (childComplexity - counts) + counts;
};

/** What the cost calculator hands {@link estimateCost} besides the field: the document's fragments and the variables. */
interface CostContext {
  readonly fragments: Fragments;
  readonly variables: Record<string, unknown>;
}

/**
 * How many `totalCount` fields a connection's selection holds, through inline
 * and named fragments, leaving out those `@skip` or `@include` drop: exactly
 * the ones the calculator priced into the connection's child complexity.
 */
function countsSelected(set: SelectionSetNode | undefined, context: CostContext | undefined, open: Set<string> = new Set()): number {
  if (!set || !context) return 0;
  let counts = 0;
  for (const selection of set.selections) {
    if (!isIncluded(selection, context.variables)) continue;
    if (selection.kind === Kind.FIELD) counts += selection.name.value === 'totalCount' ? 1 : 0;
    else if (selection.kind === Kind.INLINE_FRAGMENT) counts += countsSelected(selection.selectionSet, context, open);
    else {
      const name = selection.name.value;
      const fragment = context.fragments[name];
      if (!fragment || open.has(name)) continue;
      open.add(name);
      counts += countsSelected(fragment.selectionSet, context, open);
      open.delete(name);
    }
  }
  return counts;
}

/** The variables as the calculator reads them (defaults applied), for `@skip` and `@include`; none when they do not fit. */
function coercedVariables(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const operation = getOperationAST(document, operationName);
  if (!operation) return {};
  const { coerced } = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  return coerced ?? {};
}

/** False when a selection's `@skip` or `@include` leaves it out, as the calculator reads them. */
function isIncluded(selection: SelectionNode, variables: Record<string, unknown>): boolean {
  if (!selection.directives?.length) return true;
  try {
    const skip = getDirectiveValues(GraphQLSkipDirective, selection, variables);
    const include = getDirectiveValues(GraphQLIncludeDirective, selection, variables);
    return skip?.if !== true && include?.if !== false;
  } catch {
    // Variables that do not fit: the calculator gives up on them too, and the executor refuses the operation.
    return true;
  }
}

/** The fragments of a document, by name. */
export function fragmentsOf(document: DocumentNode): Fragments {
  return Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
}

/**
 * Checks an operation's shape against the limits: depth (introspection
 * apart, with a depth limit of its own), aliases and root fields. Throws
 * `QUERY_TOO_COMPLEX` naming the measure, the value and the limit.
 */
export function checkShape(operation: OperationDefinitionNode, fragments: Fragments, limits: Limits): void {
  refuseAbove('depth', depthOf(operation.selectionSet, fragments), limits.maxDepth);
  refuseAbove('introspection depth', introspectionDepthOf(operation.selectionSet, fragments), limits.maxIntrospectionDepth);
  refuseAbove('aliases', countAliases(operation.selectionSet, fragments), limits.maxAliases);
  refuseAbove('root fields', countFields(operation.selectionSet, fragments), limits.maxRootFields);
}

/**
 * The operation's cost, or null when its variables do not fit it (the
 * executor then refuses it with its own error before anything runs).
 * Throws `QUERY_TOO_COMPLEX` when its fragments expand to more than
 * {@link MAX_EXPANDED_FIELDS} fields. Cached per parsed document, operation
 * name and variables, within bounds clients cannot push (see {@link COSTS}).
 */
export function costOf(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): number | null {
  const variablesJson = JSON.stringify(variables ?? {});
  let documentId = DOCUMENT_IDS.get(document);
  if (documentId === undefined) DOCUMENT_IDS.set(document, (documentId = nextDocumentId++));
  const key = variablesJson.length <= MAX_CACHED_VARIABLES_LENGTH ? `${documentId}\u0000${operationName ?? ''}\u0000${variablesJson}` : null;
  if (key !== null) {
    const cached = COSTS.get(key);
    if (cached !== undefined) return cached;
  }
  let cost: number | null;
  try {
    const context: CostContext = { fragments: fragmentsOf(document), variables: coercedVariables(schema, document, operationName, variables) };
    cost = getComplexity({ schema, query: document, operationName: operationName ?? undefined, variables: variables ?? {}, estimators: [estimateCost], maxQueryNodes: MAX_EXPANDED_FIELDS, context });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    // Past its node limit the calculator gives up: too complex to cost, not variables that do not fit.
    if (error.message === TOO_MANY_NODES) throw tooManyFields();
    cost = null;
  }
  if (key !== null) {
    // The oldest entry goes first (a Map iterates in insertion order).
    if (COSTS.size >= MAX_CACHED_COSTS) COSTS.delete(COSTS.keys().next().value!);
    COSTS.set(key, cost);
  }
  return cost;
}

/**
 * Costs already computed, by parsed document (parsed documents are cached, so
 * a document's requests share one), operation name and variables. One map for
 * all documents, bounded in entries, and variables past a length are costed
 * without caching: a client varying its variables (or sending ones the
 * operation does not declare) cannot make it grow past about 10 MB.
 */
const COSTS = new Map<string, number | null>();
const MAX_CACHED_COSTS = 10_000;
const MAX_CACHED_VARIABLES_LENGTH = 1_024;
/** How many costs are cached now (the tests check the bound). */
export function cachedCosts(): number {
  return COSTS.size;
}

/** Parsed documents' numbers in {@link COSTS}' keys. */
const DOCUMENT_IDS = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;

/**
 * Fields (selections, with fragments expanded at each spread) the cost
 * calculator walks before giving up, graphql-query-complexity's default. A
 * document whose fragments spread one another a few times each reaches it long
 * before any other limit, and executing it would walk the same expansion.
 */
const MAX_EXPANDED_FIELDS = 10_000;

/** What graphql-query-complexity throws past `maxQueryNodes`. */
const TOO_MANY_NODES = 'Query exceeds the maximum allowed number of nodes.';

function tooManyFields(): GraphQLError {
  return new GraphQLError(`Query has more than ${MAX_EXPANDED_FIELDS} fields once its fragments are expanded, above the limit of ${MAX_EXPANDED_FIELDS}`, {
    extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'fields', limit: MAX_EXPANDED_FIELDS, http: { status: 400 } },
  });
}

/** Throws `QUERY_TOO_COMPLEX` when `value` is above `limit`. */
export function refuseAbove(what: string, value: number, limit: number): void {
  if (value <= limit) return;
  throw new GraphQLError(`Query ${what} is ${value}, above the limit of ${limit}`, {
    extensions: { code: 'QUERY_TOO_COMPLEX', measure: what, value, limit, http: { status: 400 } },
  });
}

/** Deepest field nesting below a selection set; introspection is not counted. */
export function depthOf(set: SelectionSetNode, fragments: Fragments, walk: Walk = newWalk()): number {
  return fold(set, fragments, walk, Math.max, (field) =>
    INTROSPECTION.has(field.name.value) ? 0 : 1 + (field.selectionSet ? depthOf(field.selectionSet, fragments, walk) : 0),
  );
}

/** Deepest nesting below the operation's introspection root fields, counting them (0 without introspection). */
export function introspectionDepthOf(set: SelectionSetNode, fragments: Fragments): number {
  const below = newWalk();
  return fold(set, fragments, newWalk(), Math.max, (field) =>
    INTROSPECTION.has(field.name.value) ? 1 + (field.selectionSet ? fullDepthOf(field.selectionSet, fragments, below) : 0) : 0,
  );
}

function fullDepthOf(set: SelectionSetNode, fragments: Fragments, walk: Walk): number {
  return fold(set, fragments, walk, Math.max, (field) => 1 + (field.selectionSet ? fullDepthOf(field.selectionSet, fragments, walk) : 0));
}

/** Aliased fields in the operation, counting each fragment where it is spread. */
function countAliases(set: SelectionSetNode, fragments: Fragments, walk: Walk = newWalk()): number {
  return fold(set, fragments, walk, add, (field) => (field.alias ? 1 : 0) + (field.selectionSet ? countAliases(field.selectionSet, fragments, walk) : 0));
}

/** Fields selected at this level, through fragments: at the root, how many entry points one request hits. */
function countFields(set: SelectionSetNode, fragments: Fragments): number {
  return fold(set, fragments, newWalk(), add, () => 1);
}

const add = (a: number, b: number): number => a + b;

/** One measure's walk over a document: what each named fragment measured, and the fragments open on the current path. */
interface Walk {
  readonly measured: Map<string, number>;
  readonly visiting: Set<string>;
}

const newWalk = (): Walk => ({ measured: new Map(), visiting: new Set() });

/**
 * Combines `measure` over the fields of a selection set, looking through
 * inline and named fragments. A named fragment is measured once per walk and
 * its value reused wherever it is spread again: what it measures does not
 * depend on where it is spread, and walking it at every spread takes
 * exponential time when fragments spread one another several times
 * (`fragment A on T { ofType { ...B ...B } ...B }`, B the same with C, and so
 * on), which a document of 2 KB does 40 levels deep. A fragment already open on
 * the current path is skipped: a cycle is a validation error anyway, and this
 * keeps the walk finite.
 */
function fold(set: SelectionSetNode, fragments: Fragments, walk: Walk, combine: (a: number, b: number) => number, measure: (field: FieldNode) => number): number {
  let result = 0;
  for (const selection of set.selections) {
    let value: number;
    if (selection.kind === Kind.FIELD) value = measure(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) value = fold(selection.selectionSet, fragments, walk, combine, measure);
    else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || walk.visiting.has(name)) continue;
      let measured = walk.measured.get(name);
      if (measured === undefined) {
        walk.visiting.add(name);
        measured = fold(fragment.selectionSet, fragments, walk, combine, measure);
        walk.visiting.delete(name);
        walk.measured.set(name, measured);
      }
      value = measured;
    }
    result = combine(result, value);
  }
  return result;
}
