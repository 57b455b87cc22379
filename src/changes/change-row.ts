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

/** Turns a raw row (selected with {@link CHANGE_COLUMNS}) into a {@link ChangeRow}; `date` reads a timestamp as the driver returns it. */
export function toChangeRow(row: Record<string, unknown>, date: (value: unknown) => Date): ChangeRow {
  const list = (value: unknown) => (typeof value === 'string' && value.length > 2 ? value.slice(1, -1).split(',') : []);
  return {
    seq: Number(row.seq),
    at: date(row.at),
    subject: row.subject as ChangeSubject,
    kind: String(row.kind),
    subjectId: String(row.subjectId),
    contentType: (row.contentType as string | null) ?? null,
    nations: list(row.nations),
    countries: list(row.countries),
    campaigns: list(row.campaigns),
    tags: list(row.tags),
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
