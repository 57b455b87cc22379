import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Node } from '../shared/node/node.interface';
import { PageInfo, TOTAL_COUNT_DESCRIPTION } from '../shared/pagination/connection.type';

@ObjectType({ description: 'Where a match lies in a text: an offset and a length in UTF-16 code units, as JavaScript counts them.', simpleResolvers: true })
export class TextRange {
  @Field(() => Int, { description: 'Offset of the first character of the match.' })
  start!: number;

  @Field(() => Int, { description: 'Length of the match.' })
  length!: number;
}

@ObjectType({ description: 'A passage of a field that matches the query, as plain text, with the ranges of the words that match: render them as you like, no HTML comes in.', simpleResolvers: true })
export class SearchHighlight {
  @Field({ description: 'The field: `title` or `summary` (`name` for a member).' })
  field!: string;

  @Field({ description: 'The passage, plain text; long fields are cut to about 160 characters around the matches, with "…".' })
  text!: string;

  @Field(() => [TextRange], { description: 'The matching words in `text`.' })
  ranges!: TextRange[];
}

@ObjectType({ description: 'One search result with its cursor, relevance and highlights.', simpleResolvers: true })
export class SearchResultEdge {
  @Field({ description: 'Opaque position of this result; pass it as `after` for the next page.' })
  cursor!: string;

  @Field(() => Node, { description: 'The item or member nation found.' })
  node!: Node;

  @Field(() => Float, { description: 'Relevance: higher is better. Comparable within one search, not between searches or databases.' })
  score!: number;

  @Field(() => [SearchHighlight], { description: 'The matching passages of the title and summary (a member: its name).' })
  highlights!: SearchHighlight[];
}

@ObjectType({ description: 'A page of search results, most relevant first (ties: newest first, then by id).', simpleResolvers: true })
export class SearchResultConnection {
  @Field(() => [SearchResultEdge], { description: 'The results of this page.' })
  edges!: SearchResultEdge[];

  @Field(() => PageInfo, { description: 'Cursors to fetch the next page with `after`.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: TOTAL_COUNT_DESCRIPTION })
  totalCount!: number | Promise<number>;
}
