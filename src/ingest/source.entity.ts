import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { ContentType } from '../shared/content/content-status';
import { SourceKind } from '../shared/content/source-kind';

/** The status a source's new items get. */
export enum PublishAs {
  PUBLISHED = 'PUBLISHED',
  DRAFT = 'DRAFT',
}

registerEnumType(PublishAs, {
  name: 'PublishAs',
  description: 'The status new items of a source get.',
  valuesConfig: {
    PUBLISHED: { description: 'New items are published at once (the default).' },
    DRAFT: { description: 'New items wait as drafts for an editor to publish them.' },
  },
});

/**
 * A system content comes in from: a news feed, a WordPress site, a social
 * archive, a partner's project register or spreadsheet. Its items are upserted
 * by (name, external id), so a source's name is its items' identity: it
 * cannot change. The fetch state (ETag, Last-Modified) makes unchanged
 * sources cheap; the lease lets one process at a time run it.
 */
@Entity({ name: 'content_source' })
@Index('UQ_content_source_name', ['name'], { unique: true })
@Index('IDX_content_source_next_run', ['nextRunAt'])
@ObjectType({ description: 'A source content is imported from, with its schedule and the state of its last run. Admins only.' })
export class ContentSource {
  @Field(() => ID, { description: 'Identifier of the source.' })
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_content_source' })
  id!: string;

  @Field({ description: 'Unique name; items record it as `Source.name`. It cannot change: it is the identity of the items it imported.' })
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Field(() => SourceKind, { description: 'The format the source speaks, which decides the connector that reads it.' })
  @Column({ type: 'varchar', length: 16 })
  kind!: SourceKind;

  /** An http(s) URL, or `file:` and an absolute path for a local file (made with the CLI only). */
  @Field({ description: 'What the source reads: an http(s) URL, or `file:/path` for a local file added with the command line.' })
  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Field(() => ContentType, { description: 'The content type its items become.' })
  @Column({ type: 'varchar', length: 32 })
  targetType!: ContentType;

  @Field(() => GraphQLJSONObject, {
    description:
      'Options of its kind: `outlet` (FEED, WORDPRESS); `campaignMap`, `completeListings`, `fullListingEvery` (WORDPRESS); `authorHandle`, `includeRetweets`, `includeReplies` (SOCIAL_ARCHIVE); `fieldMap`, `fullSnapshot`, `delimiter`, `dateColumn` (CSV).',
  })
  @Column({ type: 'simple-json' })
  options!: Record<string, unknown>;

  /** Seconds between scheduled runs; null: on demand only. */
  @Column({ type: 'integer', nullable: true })
  everySeconds!: number | null;

  @Field(() => PublishAs, { description: 'The status its new items get; items already imported keep theirs.' })
  @Column({ type: 'varchar', length: 16 })
  publishAs!: PublishAs;

  /** Validators from the last 200 response, sent back as If-None-Match and If-Modified-Since. */
  @Column({ type: 'varchar', length: 512, nullable: true })
  etag!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  lastModified!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the source last answered a fetch (a 304 included).' })
  @Column({ type: Date, nullable: true })
  lastFetchedAt!: Date | null;

  /** When the last successful run started: connectors that can ask for changes only (WordPress) ask from here. */
  @Column({ type: Date, nullable: true })
  lastSuccessAt!: Date | null;

  /** When the last complete listing ran (WordPress: withdrawals need one). */
  @Column({ type: Date, nullable: true })
  lastFullListingAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  lastRunId!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the next scheduled run is due; null for a source run on demand only. While a run goes on, the time a failure of that run would make it (so that a run whose process dies is not retried at once); its end sets the time it earns.' })
  @Column({ type: Date, nullable: true })
  nextRunAt!: Date | null;

  @Field(() => Int, {
    description:
      'Runs in a row that failed (0 after one that did not). From the second, scheduled runs are spaced out: twice the interval after the second failure, four times after the third, and so on, to at most 6 hours (or the interval, when that is longer). A run whose process stopped before it ended counts as one. Changing the source’s settings, or a run that succeeds, ends this.',
  })
  @Column({ type: 'integer', default: 0 })
  consecutiveFailures!: number;

  /** Which process runs the source now, and until when its claim holds unless renewed (a process that died lets it lapse). */
  @Column({ type: 'varchar', length: 100, nullable: true })
  leaseOwner!: string | null;

  @Column({ type: Date, nullable: true })
  leaseUntil!: Date | null;

  @Field(() => Int, { description: 'Increases with every change of the source’s settings or state.' })
  @VersionColumn()
  version!: number;

  @Field(() => Date, { description: 'When the source was added.' })
  @CreateDateColumn()
  createdAt!: Date;

  @UpdateDateColumn()
  updatedAt!: Date;

  @Field(() => String, { nullable: true, description: 'How often it runs on its own, e.g. `30m` or `6h`; null when it runs on demand only.' })
  get every(): string | null {
    return this.everySeconds === null ? null : formatInterval(this.everySeconds);
  }
}

/** `90` → `90s`, `1800` → `30m`, `21600` → `6h`, `86400` → `1d`: the largest unit that divides it. */
export function formatInterval(seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

/** Reads `30m`, `6h`, `1d`, `90s` (or a number of seconds); null when it is none of those. Between a minute and 30 days. */
export function parseInterval(text: string): number | null {
  const match = /^\s*(\d+)\s*(s|m|h|d)?\s*$/i.exec(text);
  if (!match) return null;
  const seconds = Number(match[1]) * { s: 1, m: 60, h: 3_600, d: 86_400 }[(match[2] ?? 's').toLowerCase() as 's' | 'm' | 'h' | 'd'];
  return seconds >= 60 && seconds <= 30 * 86_400 ? seconds : null;
}
