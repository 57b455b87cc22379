import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What a change is about: content (which partners read), or what processes keep copies of or schedule (sources). */
export type ChangeSubject = 'CONTENT' | 'CAMPAIGN' | 'MEMBER' | 'KEY' | 'SOURCE' | 'WEBHOOK';

/**
 * One entry of the change log, appended in the same transaction as the change
 * it describes. Content entries are what partners read through
 * `feedChanges`, subscriptions and webhooks; campaign, member and key entries
 * tell every gateway process to drop its copies (catalogues, verified keys).
 *
 * A content entry keeps the item's filterable attributes as they were before
 * and after the change (their union), so that a reader filtering by them also
 * gets the change that takes an item out of its filter, or the tombstone of
 * an item that matched. Lists are stored as `,A,B,` so that one `LIKE
 * '%,A,%'` per value matches on both databases, a value's own commas and `%`
 * signs percent-encoded (see `listColumn`).
 *
 * `seq` orders the log. Writers append under a transaction-level lock taken
 * by a trigger on PostgreSQL (SQLite has one writer at a time anyway), so
 * `seq` order is commit order and a reader that has seen `seq` N has seen
 * every entry below it: no entry can commit late below a position a reader
 * has passed.
 */
@Entity({ name: 'change_log' })
@Index('IDX_change_log_at', ['at'])
export class ChangeEntry {
  /**
   * Position in the log. A 32-bit integer, because SQLite's AUTOINCREMENT
   * takes nothing else: two billion entries, decades at any rate this graph
   * sees, and positions are never reused.
   */
  @PrimaryGeneratedColumn({ type: 'integer', primaryKeyConstraintName: 'PK_change_log' })
  seq!: number;

  /** When the change was written. */
  @Column({ type: Date })
  at!: Date;

  @Column({ type: 'varchar', length: 16 })
  subject!: ChangeSubject;

  /** PUBLISHED, UPDATED, UNPUBLISHED or DELETED for content; CREATED, UPDATED, DELETED for the rest. */
  @Column({ type: 'varchar', length: 16 })
  kind!: string;

  /** The content item's or campaign's id, the member's code, the key's id. */
  @Column({ type: 'varchar', length: 64 })
  subjectId!: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  contentType!: string | null;

  /** Member codes, `,IRQ,NATO,`. */
  @Column({ type: 'text', nullable: true })
  nations!: string | null;

  /** ISO alpha-3 codes, `,IRQ,SYR,`. */
  @Column({ type: 'text', nullable: true })
  countries!: string | null;

  /** Campaign slugs, `,this-generation-learns,`. */
  @Column({ type: 'text', nullable: true })
  campaigns!: string | null;

  /** Tags, lowercase, `,education,`. */
  @Column({ type: 'text', nullable: true })
  tags!: string | null;

  /** The earliest and latest publication time the item had, before and after the change. */
  @Column({ type: Date, nullable: true })
  publishedFrom!: Date | null;

  @Column({ type: Date, nullable: true })
  publishedUntil!: Date | null;
}

/** Small facts the gateway keeps about itself, by name (e.g. how far the change log has been pruned). */
@Entity({ name: 'gateway_state' })
export class GatewayState {
  @Column({ type: 'varchar', length: 64, primary: true, primaryKeyConstraintName: 'PK_gateway_state' })
  name!: string;

  @Column({ type: 'text' })
  value!: string;

  @Column({ type: Date })
  updatedAt!: Date;
}
