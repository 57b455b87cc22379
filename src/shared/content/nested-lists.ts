import type DataLoader from 'dataloader';
import { getArgumentValues, isObjectType, Kind, type FieldNode, type GraphQLField, type GraphQLResolveInfo, type SelectionSetNode, type ValueNode } from 'graphql';
import type { Context } from '../context';
import { eachField, type Fragments } from '../selection';
import type { Connection } from '../pagination/connection.type';
import type { PageRequest } from '../pagination/keyset';
import { listOptions, pageKeyText, type ListOptions, type PageKey, type PageLoader } from '../pagination/page.loader';
import type { Content } from './content.entity';
import { contentPageRequest, findContentPagesOfParentsIn, visibilityOf, type ContentQuery, type Partition, type Visibility } from './content.query';
import type { ContentReads } from './content.reads';
import { requestedProperties } from './content.selection';
import { Locale } from './locale';

/**
 * Lists nested under the items of a list, read in the same statement as the
 * list itself. A campaign's stories with each story's nations and each
 * nation's first projects (Q4) took two statements: the stories, then (once
 * their nations were known) every nation's projects. Seen from the stories'
 * selection, the second read needs nothing but the stories' ids, which a
 * subquery gives: both go to the database together, and the projects' pages
 * are put in their loader's cache under exactly the keys the nations'
 * resolver asks with, so that it finds them there. It runs only where it
 * saves the statement, and there it reads what the loader would: the outer
 * page must be read in the same statement (so that both see the same rows:
 * a nation its subquery did not list has no projects in that snapshot), and
 * the nested list's query is the loader's own ({@link NestedList.query}).
 * Anything else (another locale, a cursor on the nested list, a list asked
 * for twice, an outer page already read, SQLite) is read by the loader as
 * before: the prefetch can only save a statement, never change an answer.
 *
 * A domain declares its nested list here ({@link registerNestedList}), so
 * that the list above it need not know it (campaigns do not import projects).
 */
export interface NestedList {
  /** The field of the outer list's items, then the nested list's field on what that returns: `['nations', 'stabilisationProjects']`. */
  readonly path: readonly [string, string];
  /** The GraphQL type that declares the nested list's field (`MemberNation`). */
  readonly parentType: string;
  /** SQL listing the nested list's parents (as `parent`) of the items whose ids the subquery `ids` selects. */
  readonly parentsOf: (ids: string) => string;
  /** The nested list's parents that an outer item refers to (a story's nation codes); undefined when the item did not read them. */
  readonly parentsOfItem: (item: Content) => readonly string[] | undefined;
  /** The column naming each nested item's parent, and the entity property that holds it. */
  readonly partition: Partition;
  readonly property: string;
  /** The nested list's query, as its loader makes it (the same function, so that the two cannot drift apart). */
  readonly query: (reads: ContentReads, visible: Visibility, properties: readonly string[]) => ContentQuery;
  /** The nested list's loader in a request: the prefetched pages are put in its cache (its resolver finds them there with `loadNow`, at once). */
  readonly loader: (ctx: Context<any>) => PageLoader<Content, ListOptions | undefined>;
}

const NESTED_LISTS: NestedList[] = [];

/** Declares a list nested two fields under the items of content lists (see {@link prefetchNestedLists}). */
export function registerNestedList(list: NestedList): void {
  NESTED_LISTS.push(list);
}

/**
 * Reads, in the same statement as one page of `items`, the lists nested under
 * that page's items that the selection asks for, and puts their pages in their
 * loaders' caches before the page resolves. Only on PostgreSQL (SQLite has no
 * LATERAL join, and no round trip to save), only for English (the nested
 * resolvers key their pages by a locale the items decide otherwise), and only
 * for nested lists asked for once, from the start (no cursor).
 *
 * Every load of the outer list's loader must come through here, prefetching
 * or not, so it loads the page itself: a page asked for before in the request
 * (by another alias, or by the normal path after the fast path handed a
 * request over) is a page read, or being read, already, in a statement a
 * prefetch now would not join. It is served as it was the first time (after
 * its nested pages were primed, if they were), and never prefetched again.
 *
 * @param info the outer list's field (a connection: its items at `edges.node`).
 * @param items the outer page's query, as its loader makes it for one parent; null where it may not prefetch (a campaign in a list, or asked in a locale).
 * @param loader the outer list's loader, and `key` the page asked of it.
 */
export function prefetchNestedLists<T extends Content>(
  ctx: Context<{ contentReads: ContentReads }>,
  info: GraphQLResolveInfo,
  items: (() => ContentQuery) | null,
  loader: DataLoader<PageKey<ListOptions | undefined>, Connection<T>, string>,
  key: PageKey<ListOptions | undefined>,
): Promise<Connection<T>> {
  let seen = SEEN.get(loader);
  if (!seen) SEEN.set(loader, (seen = new Map()));
  const id = pageKeyText(key);
  const found = seen.get(id);
  if (found) return found as Promise<Connection<T>>;
  const listed = loader.load(key);
  const prefetching = items !== null && ctx.db.options.type === 'postgres' && (ctx.locale ?? Locale.EN) === Locale.EN && info.fieldNodes.length === 1;
  const primers = prefetching ? startPrefetches<T>(ctx, info, items, key.page) : [];
  const served =
    primers.length === 0
      ? listed
      : Promise.all([listed, Promise.all(primers)]).then(([connection, prime]) => {
          for (const primer of prime) primer?.(connection);
          return connection;
        });
  seen.set(id, served);
  return served;
}

/**
 * The outer pages asked for, by loader (one per request) and by the loader's
 * cache key: each page as served the first time. Keyed by the key's text, not
 * by the loader's promise: DataLoader hands out a new promise for every load,
 * a page it holds already included.
 */
const SEEN = new WeakMap<object, Map<string, Promise<unknown>>>();

/** Puts a nested list's pages in its loader's cache, given the outer page they were read for. */
type Primer<T> = (connection: Connection<T>) => void;

/** Asks for the nested lists' reads (in this turn of the event loop, so that they join the outer page's statement); each resolves to its primer, or null when it failed. */
function startPrefetches<T extends Content>(
  ctx: Context<{ contentReads: ContentReads }>,
  info: GraphQLResolveInfo,
  items: () => ContentQuery,
  page: PageRequest,
): Promise<Primer<T> | null>[] {
  const prefetches: Promise<Primer<T> | null>[] = [];
  try {
    let ids: ReturnType<ContentQuery['pageIds']> | undefined;
    for (const plan of plansOf(info)) {
      const request = plan.page !== undefined ? plan.page : nestedPage(plan, info.variableValues);
      if (!request) continue;
      const { nested, options } = plan;
      ids ??= items().pageIds(page);
      const pages = findContentPagesOfParentsIn<Content>(
        nested.query(ctx.loaders.contentReads, visibilityOf(ctx.viewer), plan.properties),
        nested.partition,
        nested.property,
        { sql: nested.parentsOf(ids.sql), parameters: ids.parameters },
        request,
      );
      const primer = (pagesOf: (parents: readonly string[]) => Connection<Content>[]): Primer<T> => (connection) => {
        const parents = new Set<string>();
        for (const edge of connection.edges) for (const parent of nested.parentsOfItem(edge.node) ?? []) parents.add(parent);
        const wanted = [...parents];
        const loader = nested.loader(ctx);
        pagesOf(wanted).forEach((found, i) => loader.prime({ parent: wanted[i], page: request, options }, found));
      };
      // A prefetch that fails on its own primes nothing: the loader reads those pages (an error of the statement is the outer page's too).
      prefetches.push(pages.then(primer, () => null));
    }
  } catch {
    // Nothing primed: the loader reads every page, as it would without the prefetch (reads already asked for still run, and are ignored).
    return [];
  }
  return prefetches;
}

/** A nested list a list's selection asks for, worked out once per parsed field (documents are cached, so their nodes are the same objects on every request). */
interface Plan {
  readonly nested: NestedList;
  readonly field: FieldNode;
  readonly definition: GraphQLField<unknown, unknown>;
  /** What its items are read with: the properties its selection asks for, and its partition's. */
  readonly properties: readonly string[];
  /** Its loader's options, as its resolver makes them (English). */
  readonly options: ListOptions;
  /** Its document's fragments: its page is worked out from its field as its resolver works it out (`contentPageRequest`). */
  readonly fragments: Fragments;
  /** Its page when its arguments are constant (null: not prefetched); undefined when they depend on variables. */
  readonly page: PageRequest | null | undefined;
}

const PLANS = new WeakMap<FieldNode, readonly Plan[]>();

function plansOf(info: GraphQLResolveInfo): readonly Plan[] {
  const node = info.fieldNodes[0];
  let plans = PLANS.get(node);
  if (plans) return plans;
  const found: Plan[] = [];
  for (const nested of NESTED_LISTS) {
    const field = singleField(node.selectionSet, ['edges', 'node', ...nested.path], info.fragments);
    const type = info.schema.getType(nested.parentType);
    const definition = field && isObjectType(type) ? type.getFields()[nested.path[1]] : undefined;
    if (!field || !definition) continue;
    // The properties the nested resolver asks its loader for (requestedProperties caches them by the same node).
    const properties = requestedProperties({ fieldNodes: [field], fragments: info.fragments } as unknown as GraphQLResolveInfo);
    const plan = {
      nested,
      field,
      definition,
      properties: Object.freeze([...new Set([...properties, nested.property])].sort()),
      options: listOptions(properties, undefined),
      fragments: info.fragments,
    };
    const constant = !(field.arguments ?? []).some((argument) => usesVariables(argument.value));
    found.push({ ...plan, page: constant ? nestedPage(plan, {}) : undefined });
  }
  plans = found.filter((plan) => plan.page !== null);
  PLANS.set(node, plans);
  return plans;
}

/** The nested list's page, when it is asked for from the start: its arguments read as its resolver reads them. */
function nestedPage(plan: Pick<Plan, 'definition' | 'field' | 'fragments'>, variables: Record<string, unknown>): PageRequest | null {
  try {
    const page = contentPageRequest(getArgumentValues(plan.definition, plan.field, variables), { fieldNodes: [plan.field], fragments: plan.fragments });
    return page.from === null ? page : null;
  } catch {
    // Arguments the resolver refuses: it says so itself, with no prefetch.
    return null;
  }
}

function usesVariables(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(usesVariables);
  if (value.kind === Kind.OBJECT) return value.fields.some((field) => usesVariables(field.value));
  return false;
}

/**
 * The one field at `path` under a selection (through fragments), or null when
 * there is none or more than one at any step, or when `@skip` or `@include`
 * (on a field of the path, or on a fragment around one) decides whether it is
 * there: the plan is made once per parsed field, for every request, whatever
 * their variables, and a skipped list must not be read (the cost limit does
 * not count one).
 */
function singleField(set: SelectionSetNode | undefined, path: readonly string[], fragments: Fragments): FieldNode | null {
  let field: FieldNode | null = null;
  for (const name of path) {
    if (!set) return null;
    const found: FieldNode[] = [];
    let conditional = false;
    eachField(set, fragments, new Set(), (candidate, decided) => {
      if (candidate.name.value !== name) return;
      found.push(candidate);
      conditional ||= decided || Boolean(candidate.directives?.length);
    });
    if (found.length !== 1 || conditional) return null;
    field = found[0];
    set = field.selectionSet;
  }
  return field;
}
