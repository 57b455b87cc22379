import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Content } from './content.entity';

/** A country (ISO 3166-1 alpha-3, member or not) that a content item concerns. */
@Entity({ name: 'content_country' })
@Index('IDX_content_country_code', ['countryCode', 'contentId'])
export class ContentCountry {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_content_country' })
  contentId!: string;

  @PrimaryColumn({ type: 'varchar', length: 3, primaryKeyConstraintName: 'PK_content_country' })
  countryCode!: string;

  @ManyToOne(() => Content, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'content_id', foreignKeyConstraintName: 'FK_content_country_content' })
  private content?: never;
}
