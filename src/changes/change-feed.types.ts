import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ContentType } from '../shared/content/content-status';
import { Content } from '../shared/content/content.entity';
import { PageInfo } from '../shared/pagination/connection.type';
import { ContentChangeKind } from './change-log';

registerEnumType(ContentChangeKind, {
  name: 'ContentChangeKind',
  description: 'What happened to an item, as readers of published content see it.',
  valuesConfig: {
    PUBLISHED: { description: 'The item became visible: its first publication, or a publication after it was withdrawn.' },
    UPDATED: { description: 'A visible item changed (its content, its tags, its campaign).' },
    UNPUBLISHED: { description: 'The item was withdrawn: remove it from your copy.' },
    DELETED: { description: 'The item was deleted for good: remove it from your copy.' },
  },
});

/** One entry of the change feed. */
@ObjectType({
  description:
    'One change to the published content, in the order changes were committed. To mirror the feed: apply each change in order, upserting `item` when it is present and removing `id` when it is null.',
  simpleResolvers: true,
})
export class ContentChange {
  @Field({ description: 'Opaque position of this change; pass it as `after` to read the changes that follow it.' })
  cursor!: string;

  @Field(() => ContentChangeKind, { description: 'What happened.' })
  kind!: ContentChangeKind;

  @Field(() => ID, { description: 'The global id of the item that changed (as `Content.id` and `node(id:)` use it).' })
  id!: string;

  @Field(() => ContentType, { description: 'The type of the item that changed.' })
  type!: ContentType;

  @Field(() => Date, { description: 'When the change was written.' })
  at!: Date;

  @Field(() => Content, {
    nullable: true,
    description:
      'The item as it is now, if it is published (and, for a filtered read, still matches the filter); null for UNPUBLISHED and DELETED, and for any change to an item that is no longer visible to this reader: a tombstone.',
  })
  item!: Content | null;
}

@ObjectType({ description: 'One change in a page of the change feed, with its cursor.', simpleResolvers: true })
export class ContentChangeEdge {
  @Field({ description: 'Opaque position of this change; pass it as `after` to read what follows.' })
  cursor!: string;

  @Field(() => ContentChange, { description: 'The change.' })
  node!: ContentChange;
}

@ObjectType({ description: 'A page of the change feed, oldest change first.', simpleResolvers: true })
export class ContentChangeConnection {
  @Field(() => [ContentChangeEdge], { description: 'The changes of this page, in the order they were committed.' })
  edges!: ContentChangeEdge[];

  @Field(() => PageInfo, {
    description:
      '`hasNextPage` is true while more changes are already committed after this page. `endCursor` is where to continue: the last change’s cursor, or, when no change matched, the position the log was read up to (the cursor you passed when nothing at all is new). Keep polling with it.',
  })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many changes matching the filter are committed after `after` (this page and the ones that follow). Counted only when asked for; costs 100 in the cost model.' })
  totalCount!: number | Promise<number>;
}
