import type { EntityManager } from 'typeorm';
import type { ChangeSubject } from './change.entity';
import { listColumn } from './change-row';
import { PRUNED_THROUGH } from './retention';

/** How a content change looks to readers. */
export enum ContentChangeKind {
  PUBLISHED = 'PUBLISHED',
  UPDATED = 'UPDATED',
  UNPUBLISHED = 'UNPUBLISHED',
  DELETED = 'DELETED',
}

/** How a change to an API key is logged. Only a revocation ends the key's open WebSockets. */
export enum KeyChangeKind {
  CREATED = 'CREATED',
  REVOKED = 'REVOKED',
}

/** What readers may filter a content change by: the union of the item's attributes before and after it. */
export interface FilterAttributes {
  readonly nations: readonly string[];
  readonly countries: readonly string[];
  /** Campaign slugs. */
  readonly campaigns: readonly string[];
  readonly tags: readonly string[];
  readonly publishedFrom: Date;
  readonly publishedUntil: Date;
}

/** One change to append. */
export interface ChangeInput {
  readonly subject: ChangeSubject;
  readonly kind: string;
  readonly subjectId: string;
  /** Content only. */
  readonly contentType?: string | null;
  /** Content only. */
  readonly attributes?: FilterAttributes | null;
}

const COLUMNS = ['at', 'subject', 'kind', 'subject_id', 'content_type', 'nations', 'countries', 'campaigns', 'tags', 'published_from', 'published_until'];

/** Rows per INSERT: well inside both databases' parameter limits. */
const ROWS_PER_STATEMENT = 500;

/**
 * Appends changes to the log inside the writer's transaction: one INSERT for
 * up to 500 changes, so a write costs one more statement whatever it touched.
 * On PostgreSQL a trigger takes a transaction-level advisory lock first (see
 * the migration), so entries commit in `seq` order, and notifies the gateway
 * processes' listeners when the transaction commits. Returns the positions
 * the entries got.
 */
export async function appendChanges(manager: EntityManager, changes: readonly ChangeInput[], at: Date = new Date()): Promise<number[]> {
  const postgres = manager.connection.options.type === 'postgres';
  const positions: number[] = [];
  for (let start = 0; start < changes.length; start += ROWS_PER_STATEMENT) {
    const batch = changes.slice(start, start + ROWS_PER_STATEMENT);
    const values: unknown[] = [];
    const rows = batch.map((change) => {
      const a = change.attributes;
      const row = [at, change.subject, change.kind, change.subjectId, change.contentType ?? null, listColumn(a?.nations), listColumn(a?.countries), listColumn(a?.campaigns), listColumn(a?.tags), a?.publishedFrom ?? null, a?.publishedUntil ?? null];
      const placeholders = row.map((value) => {
        values.push(postgres || !(value instanceof Date) ? value : manager.connection.driver.preparePersistentValue(value, { type: Date } as never));
        return postgres ? `$${values.length}` : '?';
      });
      return `(${placeholders.join(', ')})`;
    });
    const inserted = (await manager.query(`INSERT INTO "change_log" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${rows.join(', ')} RETURNING "seq"`, values)) as { seq: unknown }[];
    for (const row of inserted) positions.push(Number(row.seq));
  }
  return positions;
}

/**
 * The log's head as an SQL expression: the newest entry's position; when
 * retention has pruned every entry (a spell quieter than the retention
 * period), the position it pruned through, since positions are never reused
 * and the next entry comes after it; 0 for a log never written. A reader
 * starting from an empty log's `max(seq)` (0) would hold a position below what
 * was pruned, which the change feed refuses as expired.
 */
export const LOG_HEAD_SQL = `COALESCE((SELECT max(seq) FROM change_log), (SELECT CAST(value AS integer) FROM gateway_state WHERE name = '${PRUNED_THROUGH}'), 0)`;
