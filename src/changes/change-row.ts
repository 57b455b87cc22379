import type { ChangeSubject } from './change.entity';

/** A change-log entry as readers handle it. */
export interface ChangeRow {
  readonly seq: number;
  readonly at: Date;
  readonly subject: ChangeSubject;
  readonly kind: string;
  readonly subjectId: string;
  readonly contentType: string | null;
  readonly nations: readonly string[];
  readonly countries: readonly string[];
  readonly campaigns: readonly string[];
  readonly tags: readonly string[];
  readonly publishedFrom: Date | null;
  readonly publishedUntil: Date | null;
}

/** The columns of `change_log` as a SELECT list whose aliases are {@link ChangeRow}'s names. */
export const CHANGE_COLUMNS =
  'seq AS "seq", at AS "at", subject AS "subject", kind AS "kind", subject_id AS "subjectId", content_type AS "contentType", ' +
  'nations AS "nations", countries AS "countries", campaigns AS "campaigns", tags AS "tags", published_from AS "publishedFrom", published_until AS "publishedUntil"';

/**
 * A list column's text: `,A,B,`, so that `LIKE '%,A,%'` matches one value on
 * both databases; null for none. A value's own commas (a feed's category
 * `Iraq, Syria` is one tag) are written `%2C`, and its `%` signs `%25`, so
 * that `,A,` inside the text is always one whole value: written as they were,
 * the tag `iraq, syria` matched a filter for `iraq`, and was read back as two
 * tags. Entries written before 5 December 2026 had their `%` signs re-encoded
 * by a migration; their commas cannot be told apart, and stay as they were.
 */
export function listColumn(values: readonly string[] | undefined): string | null {
  return values?.length ? `,${values.map(listValue).join(',')},` : null;
}

/** One value as {@link listColumn} writes it: what a filter looks for between commas. */
export function listValue(value: string): string {
  return value.replace(/[%,]/g, (c) => (c === '%' ? '%25' : '%2C'));
}

/** The values of a list column's text. */
function readList(text: unknown): string[] {
  if (typeof text !== 'string' || text.length <= 2) return [];
  const values = text.slice(1, -1).split(',');
  return text.includes('%') ? values.map((value) => value.replace(/%(25|2C)/g, (_, code: string) => (code === '25' ? '%' : ','))) : values;
}

/** Turns a raw row (selected with {@link CHANGE_COLUMNS}) into a {@link ChangeRow}; `date` reads a timestamp as the driver returns it. */
export function toChangeRow(row: Record<string, unknown>, date: (value: unknown) => Date): ChangeRow {
  return {
    seq: Number(row.seq),
    at: date(row.at),
    subject: row.subject as ChangeSubject,
    kind: String(row.kind),
    subjectId: String(row.subjectId),
    contentType: (row.contentType as string | null) ?? null,
    nations: readList(row.nations),
    countries: readList(row.countries),
    campaigns: readList(row.campaigns),
    tags: readList(row.tags),
    publishedFrom: row.publishedFrom == null ? null : date(row.publishedFrom),
    publishedUntil: row.publishedUntil == null ? null : date(row.publishedUntil),
  };
}

/** A timestamp as SQLite stores it (`YYYY-MM-DD HH:MM:SS.SSS`, UTC) or as node-postgres returns it (a Date). */
export function readTimestamp(value: unknown): Date {
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}
