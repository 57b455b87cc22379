import { Field, Int, ObjectType } from 'type-graphql';

/** Where a page sits in its list (Relay cursor connections). */
@ObjectType({ description: 'Where a page sits in its list, and the cursors to fetch the pages around it.', simpleResolvers: true })
export class PageInfo {
  @Field({ description: 'True when more items follow this page in the list order: fetch them with `first` and `after: endCursor`.' })
  hasNextPage!: boolean;

  @Field({ description: 'True when items come before this page: fetch them with `last` and `before: startCursor`.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the page's first item; null when the page is empty." })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: "Cursor of the page's last item; null when the page is empty." })
  endCursor!: string | null;
}

/** One page of a list: the shape every `…Connection` resolver returns. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  /** How many items the whole list has; counted (one statement) only when read. */
  readonly totalCount?: number | Promise<number>;
}

/** Description of every connection's `totalCount`, with its price in the cost model. */
export const TOTAL_COUNT_DESCRIPTION =
  'How many items the whole list has (with its filter), not only this page. Counted only when asked for, with one statement that reads every matching entry of an index, so it costs 100 in the cost model, where a page item costs 1.';

// TypeGraphQL accepts abstract classes (interfaces) as well as concrete ones for a field's type.
type GraphQLClass = abstract new (...args: never[]) => object;

/**
 * Builds the `<Name>Connection` and `<Name>Edge` object types for a node type.
 * Extend the returned class to name it (TypeGraphQL's generic-types pattern):
 *
 * @example
 * @ObjectType({ description: 'A page of digest articles.' })
 * export class DigestArticleConnection extends ConnectionType(DigestArticle, 'DigestArticle') {}
 */
export function ConnectionType<T extends object>(nodeType: GraphQLClass, name: string) {
  @ObjectType(`${name}Edge`, { description: `One ${name} in a list, with the cursor that marks its place.`, simpleResolvers: true })
  class Edge {
    @Field(() => String, { description: 'Opaque position of this item; pass it as `after` or `before` to page from here.' })
    cursor!: string;

    @Field(() => nodeType, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType({ simpleResolvers: true })
  abstract class ConnectionBase implements Connection<T> {
    @Field(() => [Edge], { description: 'The items of this page, in list order.' })
    edges!: Edge[];

    @Field(() => PageInfo, { description: 'Cursors and flags to fetch the neighbouring pages.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: TOTAL_COUNT_DESCRIPTION })
    totalCount!: number;
  }
  return ConnectionBase;
}
