import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { eachField, type Fragments } from '../selection';

/** Entity properties that GraphQL fields of another name read. */
const NEEDS: Readonly<Record<string, readonly string[]>> = {
  source: ['sourceName', 'sourceExternalId', 'sourceUrl', 'sourceFetchedAt', 'sourceKind', 'contentHash', 'sourceWithdrawnAt'],
  campaign: ['campaignId'],
  nation: ['countryCode'],
};

/** What every content row needs whatever is asked: its key, its class, its language and its translations' locales (to serve it in a locale). */
const ALWAYS = ['id', 'type', 'language', 'translatedInto'];

/** The sort key that cursors encode: read only when a cursor is asked for (parsing timestamps was measurable). */
const CURSOR = ['publishedAt'];

/**
 * The entity properties the client asked for on the items of a list — e.g. for
 * `feed { edges { node { title nations { code } } } }`, `title` (and `id` and `type`,
 * always; `publishedAt` when the list's cursors are asked for, through
 * `edges { cursor }` or `pageInfo`). Lists select just these columns, as PostGraphile does:
 * fewer columns to read, parse and hold per row. Names that are no column
 * (`nations`, `__typename`) are harmless: the reader ignores them.
 *
 * @param path the fields between the list field and its items: `edges.node` for a connection.
 */
export function requestedProperties(info: GraphQLResolveInfo, path: readonly string[] = EDGES_NODE): readonly string[] {
  // Parsed documents are cached, so a field's node is the same object on every request that sends it.
  const node = info.fieldNodes[0];
  // A connection's path is named without joining it (called for each parent of a nested list: each of Q4's sixty nations).
  const key = path === EDGES_NODE ? 'edges.node' : path.join('.');
  const cached = info.fieldNodes.length === 1 ? CACHE.get(node)?.get(key) : undefined;
  if (cached) return cached;
  // Frozen: loaders' options, the reads' unions and the projections are cached by this array.
  const properties = Object.freeze(collect(info, path));
  if (info.fieldNodes.length === 1) {
    let byPath = CACHE.get(node);
    if (!byPath) CACHE.set(node, (byPath = new Map()));
    byPath.set(key, properties);
  }
  return properties;
}

const EDGES_NODE: readonly string[] = Object.freeze(['edges', 'node']);

const CACHE = new WeakMap<FieldNode, Map<string, readonly string[]>>();

function collect(info: GraphQLResolveInfo, path: readonly string[]): string[] {
  let sets: SelectionSetNode[] = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const step of path) sets = descend(sets, step, info.fragments);
  const names = new Set<string>(ALWAYS);
  for (const set of sets) for (const name of fieldNames(set, info.fragments)) for (const p of NEEDS[name] ?? [name]) names.add(p);
  if (asksForCursors(info)) for (const p of CURSOR) names.add(p);
  return [...names].sort();
}

/**
 * Whether a connection's selection asks whether another page follows or
 * precedes (`pageInfo { hasNextPage }` or `hasPreviousPage`): when it does
 * not, its page is read without the row past it (`withoutLookahead`).
 */
export function asksWhetherMore(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): boolean {
  const node = info.fieldNodes[0];
  const cached = info.fieldNodes.length === 1 ? ASKS_WHETHER_MORE.get(node) : undefined;
  if (cached !== undefined) return cached;
  const sets = descend(
    info.fieldNodes.flatMap((field) => (field.selectionSet ? [field.selectionSet] : [])),
    'pageInfo',
    info.fragments,
  );
  const asks = sets.some((set) => fieldNames(set, info.fragments).some((name) => name === 'hasNextPage' || name === 'hasPreviousPage'));
  if (info.fieldNodes.length === 1) ASKS_WHETHER_MORE.set(node, asks);
  return asks;
}

const ASKS_WHETHER_MORE = new WeakMap<FieldNode, boolean>();

/** Whether a connection's selection includes `pageInfo` or `edges { cursor }`. */
function asksForCursors(info: GraphQLResolveInfo): boolean {
  const sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  return descend(sets, 'pageInfo', info.fragments).length > 0 || descend(descend(sets, 'edges', info.fragments), 'cursor', info.fragments).length > 0;
}

/** The selection sets of the fields called `name` in `sets` (leaf fields count, with an empty set). */
function descend(sets: readonly SelectionSetNode[], name: string, fragments: Fragments): SelectionSetNode[] {
  return sets.flatMap((set) => fieldsNamed(set, name, fragments).map((field) => field.selectionSet ?? EMPTY));
}

const EMPTY: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: [] };

function fieldsNamed(set: SelectionSetNode, name: string, fragments: Fragments): FieldNode[] {
  const found: FieldNode[] = [];
  eachField(set, fragments, new Set(), (field) => field.name.value === name && found.push(field));
  return found;
}

function fieldNames(set: SelectionSetNode, fragments: Fragments): string[] {
  const names: string[] = [];
  eachField(set, fragments, new Set(), (field) => names.push(field.name.value));
  return names;
}
