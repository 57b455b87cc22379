import { base64url, CLOSE_BRACKET, COMMA } from '../base64url';
import { isoString } from '../date-time';
import { BadUserInputError } from '../errors';

/** One value of a keyset position: a timestamp, a text key or a number. */
export type KeyValue = string | number | Date;

/** Describes each component of a cursor so that decoding can check it (`uuid`: a text key PostgreSQL holds as a uuid). */
export type KeyKind = 'date' | 'string' | 'number' | 'uuid';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PREFIX = 'k1:';
const OPEN = `${PREFIX}[`;

/**
 * Encodes a keyset position (the sort key of the last row a client saw) as an
 * opaque cursor. Keyset, not offset, so a cursor keeps pointing at the same
 * place when items are inserted before it.
 */
export function encodeCursor(values: readonly KeyValue[]): string {
  // Built in place when every value is a date, a number or plain ASCII text (ids, slugs, nation codes): the same bytes as below.
  const built = base64url.start();
  let fits = built.text(OPEN);
  for (let i = 0; fits && i < values.length; i += 1) {
    const value = values[i];
    fits =
      (i === 0 || built.byte(COMMA)) &&
      (value instanceof Date ? built.date(value) : typeof value === 'string' ? built.quoted(value) : typeof value === 'number' && built.text(JSON.stringify(value)));
  }
  if (fits && built.byte(CLOSE_BRACKET)) return built.finish();
  // The JSON of the array of values, dates as ISO text.
  let text = OPEN;
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i];
    if (i > 0) text += ',';
    text += value instanceof Date ? `"${isoString(value)}"` : JSON.stringify(value);
  }
  return Buffer.from(`${text}]`, 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor} for a connection whose sort key has
 * the given kinds. A cursor that does not parse, or belongs to a connection with a
 * different sort key, is a `BAD_USER_INPUT` naming the argument.
 */
export function decodeCursor(cursor: string, kinds: readonly KeyKind[], argument: string): KeyValue[] {
  const fail = (): never => {
    throw new BadUserInputError(`"${argument}" is not a valid cursor for this list`, { argument });
  };
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) fail();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX)) fail();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(PREFIX.length));
  } catch {
    fail();
  }
  if (!Array.isArray(parsed) || parsed.length !== kinds.length) fail();
  return (parsed as unknown[]).map((value, i) => {
    switch (kinds[i]) {
      case 'date': {
        // Years 1–9999: what a timestamp column and ISO text both hold (PostgreSQL refuses `+010000-…` rather than compare it).
        const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
        const year = date.getUTCFullYear();
        return Number.isNaN(date.getTime()) || year < 1 || year > 9999 ? fail() : date;
      }
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) ? value : fail();
      case 'uuid':
        // Any other text would reach PostgreSQL's cast to uuid, which refuses it with an error, not an empty page.
        return typeof value === 'string' && UUID.test(value) ? value : fail();
      default:
        // Without NUL, which PostgreSQL's text refuses with an error (no item's key holds one).
        return typeof value === 'string' && value.length <= 200 && !value.includes('\0') ? value : fail();
    }
  });
}
