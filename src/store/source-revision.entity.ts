import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Content } from '../shared/content/content.entity';

/**
 * A source's new version of an item an editor has changed, held for an
 * editor to accept or reject rather than written over the editor's work. One
 * per item: a newer version from the source replaces it.
 */
@Entity({ name: 'source_revision' })
@ObjectType({ description: 'A new version of an item from its source, held because an editor has changed the item. Accept it to replace the editor’s version, or reject it to keep theirs.', simpleResolvers: true })
export class SourceRevision {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_source_revision' })
  contentId!: string;

  @ManyToOne(() => Content, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'content_id', foreignKeyConstraintName: 'FK_source_revision_content' })
  private content?: never;

  @Field({ description: 'SHA-256 of the held version’s content (as `Source.contentHash`).' })
  @Column({ type: 'varchar', length: 64 })
  contentHash!: string;

  @Field(() => Date, { description: 'When the source gave this version.' })
  @Column({ type: Date })
  fetchedAt!: Date;

  /** The item as the source gave it, as the writer's upsert takes it. */
  @Column({ type: 'simple-json' })
  payload!: Record<string, unknown>;

  @Field({ description: 'The held title.' })
  get title(): string {
    return String(this.payload.title ?? '');
  }

  @Field({ description: 'The held summary.' })
  get summary(): string {
    return String(this.payload.summary ?? '');
  }

  @Field(() => GraphQLJSONObject, { description: 'Every field of the held version, as the source gave it.' })
  get fields(): Record<string, unknown> {
    return this.payload;
  }
}
