import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Content } from './content.entity';

/** A free tag on a content item, stored lowercase. */
@Entity({ name: 'content_tag' })
@Index('IDX_content_tag_tag', ['tag', 'contentId'])
export class ContentTag {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_content_tag' })
  contentId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_content_tag' })
  tag!: string;

  @ManyToOne(() => Content, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'content_id', foreignKeyConstraintName: 'FK_content_tag_content' })
  private content?: never;
}
