import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ContentStatus, ContentType } from '../shared/content/content-status';
import { Content } from '../shared/content/content.entity';
import { MemberNation } from './member-nation.entity';

/**
 * Tags a content item with a member nation. The item's type, status and
 * publication time are copied here so that "a nation's newest items (of a type)"
 * is one range scan of an index on this table, without probing `content` for
 * every candidate row.
 */
@Entity({ name: 'content_nation' })
@Index('IDX_content_nation_feed', ['nationCode', 'status', 'publishedAt', 'contentId'])
@Index('IDX_content_nation_type_feed', ['nationCode', 'contentType', 'status', 'publishedAt', 'contentId'])
export class ContentNation {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_content_nation' })
  contentId!: string;

  @PrimaryColumn({ type: 'varchar', length: 16, primaryKeyConstraintName: 'PK_content_nation' })
  nationCode!: string;

  @Column({ type: 'varchar', length: 32 })
  contentType!: ContentType;

  @Column({ type: 'varchar', length: 16 })
  status!: ContentStatus;

  @Column({ type: Date })
  publishedAt!: Date;

  @ManyToOne(() => Content, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'content_id', foreignKeyConstraintName: 'FK_content_nation_content' })
  private content?: never;

  @ManyToOne(() => MemberNation, { onDelete: 'CASCADE', onUpdate: 'CASCADE' })
  @JoinColumn({ name: 'nation_code', referencedColumnName: 'code', foreignKeyConstraintName: 'FK_content_nation_nation' })
  nation?: MemberNation;
}
