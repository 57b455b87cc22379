import { ArgsType, Field, Int } from 'type-graphql';

/** Relay's four paging arguments, shared by every list in the graph. */
@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, {
    nullable: true,
    description: 'Return at most this many items after `after` (or from the start). Default 20, at most 100. Not with `last`/`before`.',
  })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Return items after this cursor, taken from `edges.cursor` or `pageInfo.endCursor` of an earlier page.',
  })
  after?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Return at most this many items before `before` (or from the end). At most 100. Not with `first`/`after`.',
  })
  last?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Return items before this cursor, taken from `edges.cursor` or `pageInfo.startCursor` of an earlier page.',
  })
  before?: string | null;
}
