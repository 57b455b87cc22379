import type { DataSource } from 'typeorm';

/** The tables a batch of new or changed items writes to, whose statistics the planner's choices rest on. */
const CONTENT_TABLES = ['content', 'content_nation', 'content_country', 'content_tag', 'search_entry'];

/** Fewer items than this never warrant it. */
const MIN_ROWS = 500;

/**
 * After a bulk write of `written` items, refreshes PostgreSQL's statistics of
 * the content tables when the write was at least a tenth of the table, the
 * rule autovacuum follows (which may be a minute late, or off): with none, or
 * with those of a far smaller table, the planner guessed that a type matched a
 * few rows and read every item of it to check 200 slugs, 43 ms a batch at
 * 100,000 items, a fifth of an ingest's time. ANALYZE reads a sample of fixed
 * size, so it costs well under a second at a million items. Returns whether
 * it ran. SQLite plans without statistics well enough here.
 */
export async function refreshStatisticsAfter(db: DataSource, written: number): Promise<boolean> {
  if (db.options.type !== 'postgres' || written < MIN_ROWS) return false;
  const [row] = (await db.query(`SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = 'content'::regclass`)) as { rows: number }[];
  if (written < 0.1 * Number(row?.rows ?? 0)) return false;
  await db.query(`ANALYZE ${CONTENT_TABLES.join(', ')}`);
  return true;
}
