import type { EntityManager } from 'typeorm';
import { localisedNationName } from '../member-nations/localised-names';
import { searchDocument, tsvectorOf, type SearchDocument, type SearchableText } from '../search/document';
import { TEXT_SEARCH_CONFIG } from '../search/normalise';
import { Locale } from '../shared/content/locale';

/** Rows per INSERT of index entries. */
const ROWS_PER_STATEMENT = 200;

/**
 * Indexes (again) the items `ids`, with their translations: reads their text
 * (two statements) and upserts their entries in `search_entry`, which the
 * full-text index follows (on PostgreSQL a tsvector made from the normalised
 * text, under a GIN index; on SQLite the normalised text, with an
 * external-content FTS5 table kept by triggers).
 * Items whose text the writer has in hand (`known`: new items, which have no
 * translations yet) are indexed from it, whether or not `ids` names them, and
 * not read back. Runs in the writer's transaction: an
 * item is findable exactly when its change is committed.
 */
export async function indexContent(manager: EntityManager, ids: readonly string[], known: ReadonlyMap<string, SearchableText> = new Map()): Promise<void> {
  const entries = [...known].map(([id, text]) => ({ type: 'CONTENT' as const, id, document: searchDocument([text]) }));
  const toRead = ids.filter((id) => !known.has(id));
  for (let start = 0; start < toRead.length; start += 500) {
    const batch = toRead.slice(start, start + 500);
    // One after the other: a transaction's connection runs one statement at a time.
    const items = await query(manager, `SELECT id, title, summary, body, place, text FROM content WHERE id IN (:...ids)`, { ids: batch });
    const translations = await query(manager, `SELECT content_id, title, summary, body, place FROM content_translation WHERE content_id IN (:...ids)`, { ids: batch });
    const byItem = new Map<string, SearchableText[]>();
    for (const row of translations) {
      const list = byItem.get(String(row.content_id)) ?? [];
      list.push(searchableTextOf(row));
      byItem.set(String(row.content_id), list);
    }
    entries.push(...items.map((row) => ({ type: 'CONTENT' as const, id: String(row.id), document: searchDocument([searchableTextOf(row), ...(byItem.get(String(row.id)) ?? [])]) })));
  }
  await upsertEntries(manager, entries);
}

/** Removes items from the index (they were deleted). */
export async function unindexContent(manager: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length) await execute(manager, `DELETE FROM search_entry WHERE subject_type = 'CONTENT' AND subject_id IN (:...ids)`, { ids });
}

/** Indexes members by their names in the three locales, their code, region and aliases. */
export async function indexNations(manager: EntityManager, nations: readonly { code: string; name: string; region: string | null }[]): Promise<void> {
  await upsertEntries(
    manager,
    nations.map((nation) => ({
      type: 'NATION' as const,
      id: nation.code,
      document: nationDocument(nation),
    })),
  );
}

/** What a member is found by: its code and its name in the three locales, then its region. */
export function nationDocument(nation: { code: string; name: string; region: string | null }): SearchDocument {
  return searchDocument([{ title: [nation.code, ...Object.values(Locale).map((locale) => localisedNationName(nation.code, nation.name, locale))].join('\n'), summary: nation.region ?? '' }]);
}

/** Removes a member from the index. */
export async function unindexNation(manager: EntityManager, code: string): Promise<void> {
  await execute(manager, `DELETE FROM search_entry WHERE subject_type = 'NATION' AND subject_id = :code`, { code });
}

/** What a stored item is found by, from its row or the entity just inserted: title, summary, body, and a project's place or a post's text. */
export function searchableTextOf(row: Record<string, unknown>): SearchableText {
  return { title: String(row.title ?? ''), summary: String(row.summary ?? ''), body: (row.body as string | null) ?? null, extra: [row.place as string | null, row.text as string | null] };
}

/**
 * The columns of `search_entry` a bulk loader fills on each database: the
 * vector on PostgreSQL (as a literal, {@link searchEntryValues}), the
 * normalised text on SQLite.
 */
export function searchEntryColumns(postgres: boolean): readonly string[] {
  return postgres ? ['subject_type', 'subject_id', 'content_id', 'document'] : ['subject_type', 'subject_id', 'content_id', 'title', 'summary', 'body'];
}

/** One entry's values for {@link searchEntryColumns}. */
export function searchEntryValues(postgres: boolean, type: EntryType, id: string, document: SearchDocument): (string | null)[] {
  const head = [type, id, type === 'CONTENT' ? id : null];
  return postgres ? [...head, tsvectorOf(document)] : [...head, document.title, document.summary, document.body];
}

type EntryType = 'CONTENT' | 'NATION';

/**
 * On PostgreSQL the vector is made by the database from the normalised text it
 * is sent (the text itself is not stored), as the generated column did. Sending
 * a literal instead (`tsvectorOf`) would spare PostgreSQL's parser (about
 * 140 µs a row, 2.5 times reading the literal), but building it costs the
 * gateway, the busier process, as much: an ingest was 9% slower with literals.
 * Both give the same vector (search-vector.test.ts).
 */
export function postgresVectorSql(title: string, summary: string, body: string): string {
  return `setweight(to_tsvector('${TEXT_SEARCH_CONFIG}', ${title}), 'A') || setweight(to_tsvector('${TEXT_SEARCH_CONFIG}', ${summary}), 'B') || setweight(to_tsvector('${TEXT_SEARCH_CONFIG}', ${body}), 'C')`;
}

async function upsertEntries(manager: EntityManager, entries: readonly { type: EntryType; id: string; document: SearchDocument }[]): Promise<void> {
  const postgres = manager.connection.options.type === 'postgres';
  const text = postgres ? 'document' : 'title, summary, body';
  const updates = postgres ? 'document = excluded.document' : 'title = excluded.title, summary = excluded.summary, body = excluded.body';
  for (let start = 0; start < entries.length; start += ROWS_PER_STATEMENT) {
    const batch = entries.slice(start, start + ROWS_PER_STATEMENT);
    const parameters: Record<string, unknown> = {};
    const rows = batch.map((entry, i) => {
      Object.assign(parameters, {
        [`t${i}`]: entry.type,
        [`i${i}`]: entry.id,
        [`k${i}`]: entry.type === 'CONTENT' ? entry.id : null,
        [`a${i}`]: entry.document.title,
        [`b${i}`]: entry.document.summary,
        [`c${i}`]: entry.document.body,
      });
      return `(:t${i}, :i${i}, :k${i}, ${postgres ? postgresVectorSql(`:a${i}`, `:b${i}`, `:c${i}`) : `:a${i}, :b${i}, :c${i}`})`;
    });
    await execute(
      manager,
      `INSERT INTO search_entry (subject_type, subject_id, content_id, ${text}) VALUES ${rows.join(', ')} ` +
        `ON CONFLICT (subject_id) DO UPDATE SET subject_type = excluded.subject_type, content_id = excluded.content_id, ${updates}`,
      parameters,
    );
  }
}

async function query(manager: EntityManager, sql: string, parameters: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const [statement, values] = manager.connection.driver.escapeQueryWithParameters(sql, parameters);
  return (await manager.query(statement, values)) as Record<string, unknown>[];
}

async function execute(manager: EntityManager, sql: string, parameters: Record<string, unknown>): Promise<void> {
  const [statement, values] = manager.connection.driver.escapeQueryWithParameters(sql, parameters);
  await manager.query(statement, values);
}
