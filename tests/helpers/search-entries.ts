import type { DataSource } from 'typeorm';

/** One entry of the search index as normalised text, field by field. */
export interface SearchEntryText {
  subject_id: string;
  title: string;
  summary: string;
  body: string;
}

/**
 * The search index's entries of `subjectType` as normalised text, on either
 * database: SQLite stores the text; PostgreSQL only the vector, whose lexemes
 * are put back in the order of their positions, field by field (its weight:
 * A title, B summary, C body). The same text on both, for what the tests
 * here index (no word is repeated past PostgreSQL's 255 positions).
 */
export async function searchEntryTexts(db: DataSource, subjectType: 'CONTENT' | 'NATION' = 'CONTENT'): Promise<SearchEntryText[]> {
  const sql =
    db.options.type === 'postgres'
      ? `SELECT e.subject_id,
                COALESCE(string_agg(w.lexeme, ' ' ORDER BY w.position) FILTER (WHERE w.weight = 'A'), '') AS title,
                COALESCE(string_agg(w.lexeme, ' ' ORDER BY w.position) FILTER (WHERE w.weight = 'B'), '') AS summary,
                COALESCE(string_agg(w.lexeme, ' ' ORDER BY w.position) FILTER (WHERE w.weight = 'C'), '') AS body
           FROM search_entry e
           LEFT JOIN LATERAL (SELECT u.lexeme, p.position, p.weight FROM unnest(e.document) AS u, unnest(u.positions, u.weights) AS p(position, weight)) AS w ON true
           WHERE e.subject_type = $1 GROUP BY e.subject_id ORDER BY e.subject_id`
      : `SELECT subject_id, title, summary, body FROM search_entry WHERE subject_type = ? ORDER BY subject_id`;
  const rows = (await db.query(sql, [subjectType])) as SearchEntryText[];
  return rows.map((row) => ({ subject_id: String(row.subject_id), title: row.title, summary: row.summary, body: row.body }));
}
