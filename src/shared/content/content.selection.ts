import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** Entity properties that GraphQL fields of another name read. */
const NEEDS: Readonly<Record<string, readonly string[]>> = {
  source: ['sourceName', 'sourceExternalId', 'sourceUrl', 'sourceFetchedAt'],
  campaign: ['campaignId'],
  nation: ['countryCode'],
};

/** What every content row needs whatever is asked: its key, its class, and its cursor. */
const ALWAYS = ['id', 'type', 'publishedAt'];

/**
 * The entity properties the client asked for on the items of a list — e.g. for
 * `feed { edges { node { title nations { code } } } }`, `title` (and `id`, `type`,
 * `publishedAt`, always). Lists select just these columns, as PostGraphile does:
 * fewer columns to read, parse and hold per row. Names that are no column
 * (`nations`, `__typename`) are harmless: the reader ignores them.
 *
 * @param path the fields between the list field and its items: `edges.node` for a connection.
 */
export function requestedProperties(info: GraphQLResolveInfo, path: readonly string[] = ['edges', 'node']): string[] {
  let sets: SelectionSetNode[] = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const step of path) sets = sets.flatMap((set) => fieldsNamed(set, step, info.fragments).flatMap((f) => (f.selectionSet ? [f.selectionSet] : [])));
  const names = new Set<string>(ALWAYS);
  for (const set of sets) for (const name of fieldNames(set, info.fragments, new Set())) for (const p of NEEDS[name] ?? [name]) names.add(p);
  return [...names].sort();
}

function fieldsNamed(set: SelectionSetNode, name: string, fragments: Record<string, FragmentDefinitionNode>): FieldNode[] {
  const found: FieldNode[] = [];
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD && selection.name.value === name) found.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) found.push(...fieldsNamed(selection.selectionSet, name, fragments));
    else if (selection.kind === Kind.FRAGMENT_SPREAD && fragments[selection.name.value]) {
      found.push(...fieldsNamed(fragments[selection.name.value].selectionSet, name, fragments));
    }
  }
  return found;
}

function fieldNames(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen: Set<string>): string[] {
  const names: string[] = [];
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) names.push(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) names.push(...fieldNames(selection.selectionSet, fragments, seen));
    else if (!seen.has(selection.name.value) && fragments[selection.name.value]) {
      seen.add(selection.name.value);
      names.push(...fieldNames(fragments[selection.name.value].selectionSet, fragments, seen));
    }
  }
  return names;
}
