import pg from 'pg';

const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

/** node-postgres' own parser (postgres-date), for every text the fast reading below does not take. */
const postgresDate = pg.types.getTypeParser(TIMESTAMP, 'text') as (text: string) => Date | number | null;

/**
 * The database keeps instants as UTC wall time in `timestamp` (without time
 * zone) columns, whatever the zone of the process that writes or reads them:
 * Dates are sent in UTC (below) and a timestamp without a zone is read as UTC
 * (`parseTimestamp`). node-postgres' defaults use the process's local zone for
 * both, so each process kept its own wall time: a CLI run on a laptop in New
 * York against a server's database wrote every time five hours off from
 * the server's, and an ISO text compared with a column in SQL (`'…Z'::timestamp`
 * is that wall time) missed it by the process's offset.
 */
pg.defaults.parseInputDatesAsUTC = true;

/** A zone after a timestamp's time: `Z`, or `+05`, `-08:00`, `+0530`, `+05:30:15`. */
const ZONED = /\d\d:\d\d(?::\d\d(?:\.\d*)?)?(?:[zZ]|[+-]\d\d(?::?\d\d){0,2})$/;

/** A timestamp's text without a zone, `BC` or not: read with `+00` added, as postgres-date reads a UTC one. */
const ZONELESS = /^(\d+-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d*)?)( BC)?$/;

/** postgres-date's reading, as UTC for a text without a zone (it reads those in the local zone). */
function parseWithPostgresDate(text: string): Date | number | null {
  if (ZONELESS.test(text)) return postgresDate(text.replace(ZONELESS, '$1+00$2'));
  const value = postgresDate(text);
  if (!(value instanceof Date) || ZONED.test(text.replace(/ BC$/, ''))) return value;
  // A date alone (never a timestamp column's text): midnight UTC.
  return new Date(value.getTime() - value.getTimezoneOffset() * 60_000);
}

const ZERO = 48;

/** The two digits at `at`, or NaN. */
function digits2(text: string, at: number): number {
  const high = text.charCodeAt(at) - ZERO;
  const low = text.charCodeAt(at + 1) - ZERO;
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : NaN;
}

/**
 * Reads a timestamp as PostgreSQL writes it (`2024-05-01 09:03:07.045`, or
 * with `+00` for a `timestamptz` in a UTC session) into the Date
 * node-postgres' own parser (postgres-date) makes of it in a UTC process
 * (without a zone, the text is UTC: see above), in a tenth of its
 * time: a page of 50 items reads 50 to 100 of them, and postgres-date's regular
 * expressions took 3% of the gateway's CPU for such a page. Anything else (a
 * year before 1000, BC, another zone, `infinity`) goes to postgres-date.
 */
export function parseTimestamp(text: string): Date | number | null {
  let end = text.length;
  const utc = text.charCodeAt(end - 3) === 43 /* + */ && text.charCodeAt(end - 2) === ZERO && text.charCodeAt(end - 1) === ZERO;
  if (utc) end -= 3;
  if (end < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    return parseWithPostgresDate(text);
  }
  const century = digits2(text, 0);
  const year = century * 100 + digits2(text, 2);
  const month = digits2(text, 5);
  const day = digits2(text, 8);
  const hour = digits2(text, 11);
  const minute = digits2(text, 14);
  const second = digits2(text, 17);
  let millis = 0;
  if (end > 19) {
    // A fraction: `.` and one or more digits, read as postgres-date reads it (1000 × parseFloat), so the Date is the same to the millisecond.
    if (text.charCodeAt(19) !== 46 || end === 20) return parseWithPostgresDate(text);
    for (let i = 20; i < end; i++) {
      const digit = text.charCodeAt(i) - ZERO;
      if (digit < 0 || digit > 9) return parseWithPostgresDate(text);
    }
    millis = 1000 * parseFloat(text.slice(19, end));
  }
  if (!(century >= 10) || Number.isNaN(year + month + day + hour + minute + second)) return parseWithPostgresDate(text);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
}

/** What node-postgres is given as `types`: the fast reading for timestamps, its own parsers for everything else. */
export const PG_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
    if ((oid === TIMESTAMP || oid === TIMESTAMPTZ) && (format === undefined || format === 'text')) return parseTimestamp;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
};
