import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, InputType } from 'type-graphql';
import { ContentType } from '../shared/content/content-status';
import { SourceKind } from '../shared/content/source-kind';
import { PublishAs } from './source.entity';

/** A new source. */
@InputType({ description: 'A source to import content from. Local files are added with the command line only.' })
export class SourceInput {
  @Field({ description: 'Unique name (letters, digits, dots, dashes, underscores); it becomes `Source.name` of its items and cannot change.' })
  name!: string;

  @Field(() => SourceKind, { description: 'The format: FEED, WORDPRESS, SOCIAL_ARCHIVE, IATI or CSV.' })
  kind!: SourceKind;

  @Field({ description: 'The http(s) URL to read: a feed, a WordPress site (its root), a JSON Lines archive, an IATI file, a CSV file.' })
  url!: string;

  @Field(() => ContentType, { description: 'The content type its items become, e.g. DIGEST_ARTICLE for a news feed.' })
  type!: ContentType;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Options of its kind, e.g. `{ "outlet": "The Washington Post" }` (see `ContentSource.options`).' })
  options?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'How often to run it on its own: `30m`, `6h`, `1d` (1 minute to 30 days); on demand only when omitted.' })
  every?: string | null;

  @Field(() => PublishAs, { nullable: true, description: 'The status its new items get: PUBLISHED (default) or DRAFT.' })
  publishAs?: PublishAs | null;
}

/** Changes to a source; omitted fields keep their value. */
@InputType({ description: 'Changes to a source’s settings; omitted fields keep their value. The name cannot change.' })
export class SourceUpdateInput {
  @Field(() => SourceKind, { nullable: true, description: 'The format.' })
  kind?: SourceKind | null;

  @Field(() => String, { nullable: true, description: 'The http(s) URL to read.' })
  url?: string | null;

  @Field(() => ContentType, { nullable: true, description: 'The content type its items become.' })
  type?: ContentType | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Options of its kind; replaces the options as a whole.' })
  options?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'How often to run it: `30m`, `6h`, `1d`; an empty string for on demand only.' })
  every?: string | null;

  @Field(() => PublishAs, { nullable: true, description: 'The status its new items get.' })
  publishAs?: PublishAs | null;
}
