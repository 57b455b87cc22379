import type { DataSource } from 'typeorm';

/** The tables a batch of new or changed items writes to, whose statistics the planner's choices rest on. */
const CONTENT_TABLES = ['content', 'content_nation', 'content_country', 'content_tag', 'search_entry'];

/** Fewer items than this never warrant it. */
const MIN_ROWS = 500;

/** The share of the table (as the statistics last saw it) a bulk write must reach. */
const FRACTION = 0.5;

/**
 * During a bulk write, once `written` items went in since the last refresh,
 * refreshes PostgreSQL's statistics of the content tables if that is at least
 * half the table as they last counted it (at least 500 items). Autovacuum does
 * the same at a tenth, but only at its next round (a minute later) and not at
 * all where it is off: with no statistics, or with those of a far smaller
 * table, the planner guessed that a type matched a few rows and read every
 * item of it to check a batch's 200 slugs, 43 ms a batch at 100,000 items, a
 * fifth of an ingest's time. Half, not a tenth, because ANALYZE costs about a
 * second once the table holds more than its sample (30,000 rows): a run of
 * 100,000 items into an empty table refreshes about a dozen times, mostly
 * while the table is small. Returns whether it ran. SQLite plans without
 * statistics well enough here.
 */
export async function refreshStatisticsAfter(db: DataSource, written: number, known: { tableRows?: number } = {}): Promise<boolean> {
  if (db.options.type !== 'postgres' || written < MIN_ROWS) return false;
  // The table's size as the statistics count it changes only when they are refreshed: a caller that checks after
  // every batch keeps it in `known` and reads it once per refresh, not once per batch.
  if (known.tableRows === undefined) {
    const [row] = (await db.query(`SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = 'content'::regclass`)) as { rows: number }[];
    known.tableRows = Number(row?.rows ?? 0);
  }
  if (written < FRACTION * known.tableRows) return false;
  // SKIP_LOCKED: a table autovacuum (or another run) is analysing is left to it rather than waited for.
  await db.query(`ANALYZE (SKIP_LOCKED) ${CONTENT_TABLES.join(', ')}`);
  known.tableRows = undefined;
  return true;
}
