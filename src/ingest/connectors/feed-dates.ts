import { daysInMonth } from '../../shared/date-time';

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/**
 * Zone names, in minutes east of UTC: RFC 822's (UT, GMT, Z and the North
 * American ones) and the European ones feeds use. Names that mean two zones
 * (AST is Arabia's and the Atlantic's, IST three) are not here: a date with
 * one is refused rather than guessed.
 */
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  WET: 0, WEST: 60, BST: 60, CET: 60, CEST: 120, EET: 120, EEST: 180, MSK: 180,
};

const SPACE = '[\\s,]+';
const TIME = '(?:\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.\\d+)?)?)?';
const ZONE = '\\s*(?:(?:GMT|UTC|UT)?([+-]\\d{2}:?\\d{2})|([A-Za-z]{1,5}))?';
/** RFC 822 / 2822 and its relatives: `Mon, 02 Dec 2024 10:00:00 +0300`, `2 Dec 24 10:00 EST`, `02-Dec-2024`. */
const DAY_FIRST = new RegExp(`^(?:[A-Za-z]{3,9}${SPACE})?(\\d{1,2})[\\s-]+([A-Za-z]{3,9})\\.?[\\s-]+(\\d{2,4})${TIME}${ZONE}$`);
/** Month first, as JavaScript's `Date#toString` and some US feeds write it: `Mon Dec 02 2024 10:00:00 GMT+0300`, `December 2, 2024`. */
const MONTH_FIRST = new RegExp(`^(?:[A-Za-z]{3,9}${SPACE})?([A-Za-z]{3,9})\\.?\\s+(\\d{1,2})${SPACE}(\\d{4})${TIME}${ZONE}$`);
/** ISO 8601 / RFC 3339: `2024-12-02T10:00:00Z`, `2024-12-02T10:00:00.5+03:00`, `2024-12-02 10:00`, `2024-12-02`. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const EARLIEST_YEAR = 1900;
const LATEST_YEAR = 2100;

/**
 * A feed's date, or null when it is not one. Reads RFC 822 dates (RSS's
 * `pubDate`) with named zones, numeric offsets (`+0300`, `+03:00`), two-digit
 * years (00–49 are 20xx, 50–99 19xx, as RFC 2822 says), no seconds, no day
 * name, extra whitespace and a trailing `(comment)`; month-first dates; and
 * ISO 8601 (Atom, JSON Feed, `dc:date`), with or without a time. A date
 * without a zone is taken as UTC. Refused: impossible dates (31 February,
 * 25:00, `0000-00-00`), years outside 1900–2100, unknown or ambiguous zone
 * names, and anything else.
 */
export function parseFeedDate(value: string): Date | null {
  const text = value.replace(/\([^)]*\)\s*$/, '').replace(/\s+/g, ' ').trim();
  if (text === '') return null;
  const iso = ISO.exec(text);
  if (iso) {
    const offset = iso[8] === undefined ? 0 : parseOffset(iso[8]);
    const fraction = iso[7] === undefined ? 0 : Math.floor(Number(`0.${iso[7]}`) * 1000);
    return build(+iso[1], +iso[2] - 1, +iso[3], iso[4], iso[5], iso[6], fraction, offset);
  }
  const dayFirst = DAY_FIRST.exec(text);
  if (dayFirst) {
    const [, day, month, year, hour, minute, second, offset, zone] = dayFirst;
    return build(fullYear(year), monthNumber(month), +day, hour, minute, second, 0, zoneOffset(offset, zone));
  }
  const monthFirst = MONTH_FIRST.exec(text);
  if (monthFirst) {
    const [, month, day, year, hour, minute, second, offset, zone] = monthFirst;
    return build(+year, monthNumber(month), +day, hour, minute, second, 0, zoneOffset(offset, zone));
  }
  return null;
}

function fullYear(year: string): number {
  const number = +year;
  if (year.length === 2) return number < 50 ? 2000 + number : 1900 + number;
  if (year.length === 3) return 1900 + number;
  return number;
}

function monthNumber(name: string): number {
  const lower = name.toLowerCase();
  const month = MONTHS[lower.slice(0, 3)];
  if (month === undefined) return -1;
  // "Dec", "Dec." and "December" are December; "Decimal" is not.
  return lower.length === 3 || (lower === 'sept' && month === 8) || MONTH_NAMES[month] === lower ? month : -1;
}

function parseOffset(offset: string): number | null {
  if (offset === 'Z' || offset === 'z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset);
  if (!match) return null;
  const hours = +match[2];
  const minutes = match[3] === undefined ? 0 : +match[3];
  if (hours > 14 || minutes > 59) return null;
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function zoneOffset(offset: string | undefined, zone: string | undefined): number | null {
  if (offset !== undefined) return parseOffset(offset);
  if (zone === undefined) return 0;
  return ZONES[zone.toUpperCase()] ?? null;
}

function build(
  year: number, month: number, day: number, hour: string | undefined, minute: string | undefined, second: string | undefined,
  milliseconds: number, offset: number | null,
): Date | null {
  if (offset === null || month < 0 || year < EARLIEST_YEAR || year > LATEST_YEAR) return null;
  const h = hour === undefined ? 0 : +hour;
  const m = minute === undefined ? 0 : +minute;
  // A leap second is read as the second before it.
  const s = second === undefined ? 0 : Math.min(+second, 59);
  if (month > 11 || day < 1 || day > daysInMonth(year, month + 1) || h > 23 || m > 59 || (second !== undefined && +second > 60)) return null;
  return new Date(Date.UTC(year, month, day, h, m, s, milliseconds) - offset * 60_000);
}
