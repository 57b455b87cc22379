import { normaliseNationCode } from '../../member-nations/member-nation.entity';
import { ContentType } from '../../shared/content/content-status';
import { Locale } from '../../shared/content/locale';
import { daysInMonth, withinEditableYears } from '../../shared/date-time';
import { CONTENT_KEYSET } from '../../shared/content/content.query';
import { decodeCursor, encodeCursor, type KeyValue } from '../../shared/pagination/cursor';
import { NUL_REFUSED } from '../../shared/text-input';

/** The default and the bounds of `limit`. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

/** The list-valued parameters, in the order the canonical query string lists them. */
const LISTS = ['types', 'nations', 'countries', 'campaigns', 'tags'] as const;

/** At most this many values per list (after duplicates are dropped), as `FeedFilter` allows. */
const MAX_VALUES: Readonly<Record<(typeof LISTS)[number], number>> = { types: 4, nations: 100, countries: 300, campaigns: 100, tags: 100 };

const CONTENT_TYPES: readonly string[] = Object.values(ContentType);

/**
 * A feed request's query parameters, checked and in canonical form: every
 * list de-duplicated and sorted, codes upper-case and tags lower-case (as the
 * GraphQL filter compares them), dates as instants. Two URLs that ask for the
 * same items give equal parameters, hence the same document and ETag.
 */
export interface FeedParameters {
  readonly types: readonly ContentType[];
  readonly nations: readonly string[];
  readonly countries: readonly string[];
  readonly campaigns: readonly string[];
  readonly tags: readonly string[];
  readonly publishedAfter: Date | null;
  readonly publishedBefore: Date | null;
  readonly limit: number;
  /** The locale asked for by `locale=` (EN, AR, FR in any case); null when the request leaves it to `Accept-Language`. */
  readonly locale: Locale | null;
  /** Where the page starts: the position `after=` names (the cursor a feed's `next` link carries, an item's `cursor` in `Query.feed` too), null for the newest. */
  readonly from: KeyValue[] | null;
}

/** A parameter that can never be served as sent; its message is one line that names the parameter. */
export class FeedParameterError extends Error {
  override name = 'FeedParameterError';
}

/**
 * Reads `types`, `nations`, `countries`, `campaigns`, `tags` (each
 * comma-separated, repeated, or both), `publishedAfter`, `publishedBefore`
 * (ISO 8601), `limit` (1–100, 50 by default), `locale` (EN, AR or FR;
 * `Accept-Language` decides without it) and `after` (a cursor: the page
 * after that item, as the `next` links give it). Any other parameter is
 * ignored; an empty value does not filter, as an empty list in `FeedFilter`
 * does not. Throws {@link FeedParameterError} on the first bad value.
 */
export function parseFeedParameters(search: URLSearchParams): FeedParameters {
  for (const [name, value] of search) {
    if (value.includes('\0')) throw new FeedParameterError(`Invalid ${name}: ${NUL_REFUSED}`);
  }
  const list = (name: (typeof LISTS)[number], normalise: (value: string) => string, check: (value: string) => string | null): string[] => {
    const values = new Set<string>();
    for (const given of search.getAll(name)) {
      for (const raw of given.split(',')) {
        const value = raw.trim();
        if (value === '') continue;
        const problem = check(value);
        if (problem) throw new FeedParameterError(`Invalid ${name}: ${quote(value)} ${problem}`);
        values.add(normalise(value));
      }
    }
    if (values.size > MAX_VALUES[name]) throw new FeedParameterError(`Invalid ${name}: at most ${MAX_VALUES[name]} values, got ${values.size}`);
    return [...values].sort();
  };
  const publishedAfter = instant(search, 'publishedAfter');
  const publishedBefore = instant(search, 'publishedBefore');
  if (publishedAfter && publishedBefore && publishedAfter.getTime() >= publishedBefore.getTime()) {
    throw new FeedParameterError(`Invalid publishedAfter: ${publishedAfter.toISOString()} is not before publishedBefore (${publishedBefore.toISOString()}); no item could match`);
  }
  return {
    types: list('types', (v) => v, (v) => (CONTENT_TYPES.includes(v) ? null : `is not a content type; use ${CONTENT_TYPES.join(', ')}`)) as ContentType[],
    nations: list('nations', normaliseNationCode, (v) => (/^[A-Za-z]{2,16}$/.test(v) ? null : 'is not a member code; use letters only, such as IRQ or NATO')),
    countries: list('countries', (v) => v.toUpperCase(), (v) => (/^[A-Za-z]{3}$/.test(v) ? null : 'is not an ISO 3166-1 alpha-3 code such as SYR')),
    campaigns: list('campaigns', (v) => v, (v) => (v.length <= 160 ? null : 'is longer than 160 characters')),
    tags: list('tags', (v) => v.toLowerCase(), (v) => (v.length <= 64 ? null : 'is longer than 64 characters')),
    publishedAfter,
    publishedBefore,
    limit: limitOf(search),
    locale: localeOf(search),
    from: fromOf(search),
  };
}

/** The page's start, checked as `Query.feed(after:)` checks it: a cursor of any content list (they share one key), else refused. */
function fromOf(search: URLSearchParams): KeyValue[] | null {
  const after = single(search, 'after');
  if (after === null) return null;
  try {
    return decodeCursor(after, CONTENT_KEYSET.kinds, 'after');
  } catch {
    throw new FeedParameterError(`Invalid after: ${quote(after)} is not a cursor of this feed; follow the feed's "next" link, or give an item's cursor from Query.feed`);
  }
}

function localeOf(search: URLSearchParams): Locale | null {
  const value = single(search, 'locale');
  if (value === null) return null;
  const locale = value.toUpperCase();
  if (!(Object.values(Locale) as string[]).includes(locale)) throw new FeedParameterError(`Invalid locale: ${quote(value)}; give one of ${Object.values(Locale).join(', ')}`);
  return locale as Locale;
}

/**
 * The parameters as a query string in canonical form (without `?`; empty
 * when nothing narrows the feed): the feeds' self links, so that every way of
 * writing the same request links to the same URL. `limit` is left out when it
 * is the default.
 */
export function canonicalQuery(parameters: FeedParameters): string {
  const parts: string[] = [];
  for (const name of LISTS) {
    if (parameters[name].length) parts.push(`${name}=${parameters[name].map(encodeURIComponent).join(',')}`);
  }
  if (parameters.publishedAfter) parts.push(`publishedAfter=${encodeURIComponent(parameters.publishedAfter.toISOString())}`);
  if (parameters.publishedBefore) parts.push(`publishedBefore=${encodeURIComponent(parameters.publishedBefore.toISOString())}`);
  if (parameters.limit !== DEFAULT_LIMIT) parts.push(`limit=${parameters.limit}`);
  if (parameters.locale) parts.push(`locale=${parameters.locale}`);
  // Written again from the position (base64url: nothing to encode): one canonical form, self link and ETag for every way of writing it.
  if (parameters.from) parts.push(`after=${encodeCursor(parameters.from)}`);
  return parts.join('&');
}

/** Whether anything but `limit` narrows the feed. */
export function isFiltered(parameters: FeedParameters): boolean {
  return LISTS.some((name) => parameters[name].length > 0) || parameters.publishedAfter !== null || parameters.publishedBefore !== null;
}

/**
 * An ISO 8601 calendar date (`2019-10-01`, midnight UTC) or date and time
 * with a time zone (`2019-10-01T09:30:00Z`, `…+03:00`, seconds and fractions
 * optional). A time without a zone is refused rather than guessed.
 */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

function instant(search: URLSearchParams, name: string): Date | null {
  const given = single(search, name);
  if (given === null) return null;
  // An unencoded `+` of a zone offset arrives as a space (`…T09:30:00 03:00`): read it as the `+` it was.
  const value = given.replace(/(T[\d:.]+) (\d{2}:?\d{2})$/i, '$1+$2');
  const match = ISO_8601.exec(value);
  const date = match ? new Date(normaliseZone(value.toUpperCase())) : null;
  // JavaScript rolls 2019-02-30 over to 2 March; a date that does not exist is refused instead.
  const exists =
    match !== null &&
    date !== null &&
    !Number.isNaN(date.getTime()) &&
    Number(match[2]) >= 1 &&
    Number(match[2]) <= 12 &&
    Number(match[3]) >= 1 &&
    Number(match[3]) <= daysInMonth(Number(match[1]), Number(match[2])) &&
    (match[4] === undefined || (Number(match[4]) <= 23 && Number(match[5]) <= 59 && Number(match[6] ?? 0) <= 59));
  if (!exists) throw new FeedParameterError(`Invalid ${name}: ${quote(value)} is not an ISO 8601 date or date-time with a time zone, such as 2019-10-01 or 2019-10-01T09:30:00Z`);
  // Years 1–9999 of the instant (UTC), not of the day as written, as publishContent and cursors allow: an offset carries
  // 9999-12-31 into year 10000, whose self link (`+010000-…`) this parser would refuse, and 0001-01-01 into year 0.
  if (!withinEditableYears(date)) {
    throw new FeedParameterError(`Invalid ${name}: ${quote(value)} is ${date.toISOString()} in UTC, outside years 0001 to 9999; give a time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z`);
  }
  return date;
}

/** `+0300` as `+03:00`, which `Date` reads. */
function normaliseZone(value: string): string {
  return value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

function limitOf(search: URLSearchParams): number {
  const value = single(search, 'limit');
  if (value === null) return DEFAULT_LIMIT;
  const limit = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) throw new FeedParameterError(`Invalid limit: ${quote(value)}; give a whole number from 1 to ${MAX_LIMIT}`);
  return limit;
}

/** A parameter that takes one value: absent or empty is null, given twice is refused. */
function single(search: URLSearchParams, name: string): string | null {
  const values = search.getAll(name).map((value) => value.trim()).filter((value) => value !== '');
  if (values.length > 1) throw new FeedParameterError(`Invalid ${name}: given ${values.length} times; give it once`);
  return values[0] ?? null;
}

/** A value as it appears in a message: quoted, shortened, on one line. */
function quote(value: string): string {
  const oneLine = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  return JSON.stringify(oneLine.length > 40 ? `${oneLine.slice(0, 40)}…` : oneLine);
}
