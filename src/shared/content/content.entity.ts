import { Field, Int, InterfaceType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, TableInheritance, UpdateDateColumn, VersionColumn } from 'typeorm';
import { encodeGlobalId, type NodeTypeName } from '../node/global-id';
import { Node } from '../node/node.interface';
import { ContentStatus, ContentType } from './content-status';
import { SourceKind } from './source-kind';
import { Source } from './source.type';

/** The GraphQL type of each stored content type, for global ids. */
export const CONTENT_TYPE_NAMES: Record<ContentType, NodeTypeName> = {
  [ContentType.DIGEST_ARTICLE]: 'DigestArticle',
  [ContentType.CAMPAIGN_STORY]: 'CampaignStory',
  [ContentType.SOCIAL_POST]: 'SocialPost',
  [ContentType.STABILISATION_PROJECT]: 'StabilisationProject',
};

/**
 * Where an item read for a response keeps its global id once encoded:
 * `ContentReader` gives each item it makes this slot, an empty string until
 * `nodeId` is first read (always a string, so V8 keeps one field type). A
 * nested page repeats its items (Q4: each nation's projects under every story
 * naming the nation), and those read-only items never change id or type; a
 * copy (`serveAllIn`'s) carries the slot along with the same id and type.
 * Items made any other way, which may yet be given their id, encode it on
 * every read.
 */
export const NODE_ID: unique symbol = Symbol('nodeId');

/**
 * Every content item, of all four types, in one table (single-table inheritance,
 * `type` is the discriminator). One table makes the cross-type feed a single
 * index scan in `(published_at, id)` order, with no UNION whose branches could
 * disagree on column types, and lets one nation-tag table serve every type.
 * Type-specific columns live on the subclasses and are nullable in SQL.
 */
@Entity({ name: 'content' })
@TableInheritance({ column: { type: 'varchar', name: 'type', length: 32 } })
// Named so that TypeORM does not add an unnamed one for the discriminator.
@Index('IDX_content_type', ['type'])
@Index('IDX_content_feed', ['status', 'publishedAt', 'id'])
// Search's join from its matches: visibility and time by id, from the index alone (migration 1764700000000).
@Index('IDX_content_search', ['id', 'status', 'publishedAt'])
@Index('IDX_content_type_feed', ['type', 'status', 'publishedAt', 'id'])
@Index('IDX_content_campaign_feed', ['campaignId', 'status', 'publishedAt', 'id'])
@Index('IDX_content_campaign_type_feed', ['campaignId', 'type', 'status', 'publishedAt', 'id'])
@Index('UQ_content_type_slug', ['type', 'slug'], { unique: true })
@Index('UQ_content_source', ['sourceName', 'sourceExternalId'], { unique: true })
@InterfaceType({
  implements: Node,
  description: 'Fields every published item shares, whatever its type. The feed returns `Content`; use fragments for type-specific fields.',
})
export abstract class Content implements Node {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_content' })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  type!: ContentType;

  @Field({ description: 'URL-safe name, unique among items of the same type; use it for article pages.' })
  @Column({ type: 'varchar', length: 160 })
  slug!: string;

  @Field({ description: 'Headline, as published.' })
  @Column({ type: 'varchar', length: 300 })
  title!: string;

  @Field({ description: 'A short summary in plain text, for cards and feed entries.' })
  @Column({ type: 'text' })
  summary!: string;

  /** BCP 47 tag of the language the item was written in (`en`, `ar`, `fr-BE`); null reads as English. */
  @Column({ type: 'varchar', length: 35, nullable: true })
  language!: string | null;

  /** The locales the item is translated into, comma-separated and sorted (`AR,FR`), empty for none: kept with its translations, so reads need no lookup to know. */
  @Column({ name: 'translated_into', type: 'varchar', length: 32, default: '' })
  translatedInto!: string;

  /** The full text as sanitised HTML (no script, style, event handler or `javascript:` URL), when the item has one. */
  @Column({ type: 'text', nullable: true })
  body!: string | null;

  @Field(() => String, { nullable: true, description: 'Canonical web address of the item, when it has one.' })
  @Column({ type: 'varchar', length: 2048, nullable: true })
  url!: string | null;

  @Field(() => ContentStatus, { description: 'PUBLISHED for everything readers see; editors also see DRAFT items.' })
  @Column({ type: 'varchar', length: 16 })
  status!: ContentStatus;

  @Field(() => Date, { description: 'When the item was published. The feed is ordered by it, newest first.' })
  @Column({ type: Date })
  publishedAt!: Date;

  /**
   * Whether an editor gave the item's publication time, at its create or an
   * update, rather than leaving it to the moment it is published: a draft
   * carries a `published_at` from the start (the feed's sort key is never
   * null), so without this the time an editor chose looks like the time the
   * draft was created, and publishing dated both now. An update that leaves the
   * time as it is (out, or the same time sent back) keeps what it was; once the
   * item is published it no longer matters (a withdrawn item keeps its time when
   * published again). Ingestion never sets it: items from sources carry their
   * source's date.
   *
   * A column, not the audit log that `wasWithdrawn` reads: audit entries record
   * the item as stored, not what the editor sent, so they would need a mark of
   * their own, and publishing would read every update of the draft. The column
   * is written by the write that gives the time and read at publication with
   * the row the version check reads anyway: no statement more on either path.
   * No GraphQL field of an item reads it, so lists, which select only the
   * columns asked for, never carry it; the audit log's snapshots of an item,
   * which hold every column, show it to admins.
   */
  @Column({ type: 'boolean', default: false })
  publishedAtGiven!: boolean;

  /** Stories and posts may belong to a campaign; other types leave it null. */
  @Column({ type: 'uuid', nullable: true })
  campaignId!: string | null;

  // Named by string so that shared/ does not import the campaigns domain; only the FK is wanted.
  @ManyToOne('Campaign', { onDelete: 'SET NULL', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'campaign_id', foreignKeyConstraintName: 'FK_content_campaign' })
  private campaignRef?: never;

  @Column({ type: 'varchar', length: 100, nullable: true })
  sourceName!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  sourceExternalId!: string | null;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  sourceUrl!: string | null;

  @Column({ type: Date, nullable: true })
  sourceFetchedAt!: Date | null;

  /** The kind of system the item came from (a {@link SourceKind}); null for items written here. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  sourceKind!: SourceKind | null;

  /**
   * When ingestion withdrew the item because its source no longer listed it
   * or said it was gone; null otherwise. A later run that finds it at the
   * source again publishes it again. An editor's publish or withdrawal clears
   * it, so an editor's withdrawal stands (an item an editor publishes while
   * its source still lacks it is withdrawn again by the next complete listing).
   */
  @Column({ type: Date, nullable: true })
  sourceWithdrawnAt!: Date | null;

  /**
   * SHA-256 of the item's normalised content as its source last gave it: a
   * new fetch with the same hash changes nothing (no write, no version, no
   * audit entry, no change-log entry).
   */
  @Column({ type: 'varchar', length: 64, nullable: true })
  contentHash!: string | null;

  /**
   * When an editor last changed the item's content (not merely published or
   * withdrawn it). Ingestion holds a source's new version of an item an editor
   * changed for review instead of overwriting the editor's work.
   */
  @Column({ type: Date, nullable: true })
  editedAt!: Date | null;

  /** Incremented on every update; editors send it back to detect concurrent edits. */
  @Field(() => Int, { description: 'Increases with every change. Pass it as `expectedVersion` when editing, so that nobody’s change is overwritten unseen.' })
  @VersionColumn()
  version!: number;

  @CreateDateColumn()
  createdAt!: Date;

  @UpdateDateColumn()
  updatedAt!: Date;

  /**
   * The codes of the members the item is tagged with, when the list that read it
   * was asked for `nations`: read in the same statement, so they cost no other.
   */
  nationCodes?: readonly string[];

  get nodeId(): string {
    const self = this as { [NODE_ID]?: string };
    const memo = self[NODE_ID];
    if (memo) return memo;
    const id = encodeGlobalId(CONTENT_TYPE_NAMES[this.type], this.id);
    if (memo === '') self[NODE_ID] = id;
    return id;
  }

  @Field(() => Source, { nullable: true, description: 'Where the item was imported from; null for items written here.' })
  get source(): Source | null {
    if (this.sourceName === null || this.sourceExternalId === null) return null;
    return {
      name: this.sourceName,
      kind: this.sourceKind ?? SourceKind.DEMO,
      externalId: this.sourceExternalId,
      url: this.sourceUrl,
      fetchedAt: this.sourceFetchedAt,
      contentHash: this.contentHash ?? '',
      withdrawnAt: this.sourceWithdrawnAt,
    };
  }
}
