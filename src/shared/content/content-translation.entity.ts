import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { Content } from './content.entity';
import type { Locale } from './locale';

/**
 * An item's text in another locale: title, summary, body and (for projects)
 * place. Editors write each with its own version and audit entry; a field
 * left null falls back to the original's.
 */
@Entity({ name: 'content_translation' })
export class ContentTranslation {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_content_translation' })
  contentId!: string;

  @PrimaryColumn({ type: 'varchar', length: 2, primaryKeyConstraintName: 'PK_content_translation' })
  locale!: Locale;

  @ManyToOne(() => Content, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'content_id', foreignKeyConstraintName: 'FK_content_translation_content' })
  private content?: never;

  @Column({ type: 'varchar', length: 300 })
  title!: string;

  @Column({ type: 'text' })
  summary!: string;

  /** Sanitised HTML, as `Content.body`; null to show the original's. */
  @Column({ type: 'text', nullable: true })
  body!: string | null;

  /** A project's place in this locale; null to show the original's. */
  @Column({ type: 'varchar', length: 300, nullable: true })
  place!: string | null;

  @VersionColumn()
  version!: number;

  @UpdateDateColumn()
  updatedAt!: Date;
}
