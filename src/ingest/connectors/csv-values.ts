import { alpha3Of } from './countries';
import { isCalendarDate } from '../../shared/date-time';
import { collapse, isStorableAmount, isWebUrl, MAX_AMOUNT } from './support';

/**
 * Readers for spreadsheet cells. Each returns the value, null for an empty
 * cell, or an {@link Invalid} saying what was expected, so that the row's
 * error can name the column and the value.
 */
export class Invalid {
  constructor(readonly expected: string) {}
}

export type Phase = 'PLANNED' | 'ONGOING' | 'COMPLETED' | 'CANCELLED';

/** Phase words as people type them, with spaces, dashes and case removed. Cancelled rows are withdrawn, as IATI's cancelled activities are. */
const PHASES: Readonly<Record<string, Phase>> = {
  planned: 'PLANNED', planning: 'PLANNED', pipeline: 'PLANNED', proposed: 'PLANNED', notstarted: 'PLANNED', upcoming: 'PLANNED',
  ongoing: 'ONGOING', inprogress: 'ONGOING', underway: 'ONGOING', active: 'ONGOING', implementation: 'ONGOING', started: 'ONGOING', suspended: 'ONGOING', onhold: 'ONGOING',
  completed: 'COMPLETED', complete: 'COMPLETED', closed: 'COMPLETED', finished: 'COMPLETED', done: 'COMPLETED', finalisation: 'COMPLETED', finalised: 'COMPLETED',
  cancelled: 'CANCELLED', canceled: 'CANCELLED',
};

export function readPhase(cell: string): Phase | null | Invalid {
  if (cell === '') return null;
  return PHASES[cell.toLowerCase().replace(/[^a-z]/g, '')] ?? new Invalid('a phase: planned, ongoing or completed');
}

/** An alpha-2 or alpha-3 code or an English country name. */
export function readCountry(cell: string): string | null | Invalid {
  if (cell === '') return null;
  return alpha3Of(cell) ?? new Invalid('a country: an ISO code (IQ, IRQ) or an English name');
}

/** Several countries, `;`-separated (names may hold commas: "Korea, Republic of"). */
export function readCountries(cell: string): string[] | null | Invalid {
  if (cell === '') return null;
  const codes: string[] = [];
  for (const part of cell.split(';')) {
    const name = part.trim();
    if (name === '') continue;
    const code = alpha3Of(name);
    if (!code) return new Invalid(`countries separated by ";" (${JSON.stringify(name)} is not one)`);
    if (!codes.includes(code)) codes.push(code);
  }
  return codes;
}

/**
 * A budget in US dollars, to the whole dollar: `1,250,000`, `$1,250,000.00`,
 * `USD 1 250 000`, or with a decimal comma (`1.250.000,00`) as spreadsheets in
 * much of Europe write it. Another currency is refused, not converted.
 */
export function readBudget(cell: string): number | null | Invalid {
  if (cell === '') return null;
  const expected = 'an amount in US dollars, e.g. 1,250,000';
  let text = cell.replace(/^(US\$|USD|\$)\s*|\s*(US\$|USD)$/gi, '').replace(/[\s\u00a0\u202f']/g, '');
  if (/^\d{1,3}(\.\d{3})+(,\d+)?$/.test(text) || /^\d+,\d{1,2}$/.test(text)) text = text.replace(/\./g, '').replace(',', '.');
  else if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) text = text.replace(/,/g, '');
  else if (!/^\d+(\.\d+)?$/.test(text)) return new Invalid(expected);
  const amount = Math.round(Number(text));
  if (Number.isNaN(amount)) return new Invalid(expected);
  return isStorableAmount(amount) ? amount : new Invalid(`an amount of at most ${MAX_AMOUNT.toLocaleString('en')} US dollars`);
}

/**
 * A day as `YYYY-MM-DD`, from `YYYY-MM-DD`, an ISO date-time (its date) or
 * `DD/MM/YYYY` (also with dots or dashes). Day first, as in Britain and most
 * of the world: an American `MM/DD/YYYY` is refused when it cannot be a day
 * first, and misread when it can, so US spreadsheets should use ISO dates.
 */
export function readDay(cell: string): string | null | Invalid {
  if (cell === '') return null;
  const expected = 'a date: YYYY-MM-DD or DD/MM/YYYY';
  let day: string | null = null;
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?$/.test(cell)) day = cell.slice(0, 10);
  else {
    const dmy = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(cell);
    if (dmy) day = `${dmy[3]}-${dmy[2].padStart(2, '0')}-${dmy[1].padStart(2, '0')}`;
  }
  return day && isCalendarDate(day) ? day : new Invalid(expected);
}

/** A moment: an ISO date-time (UTC when it has no zone) or a day as {@link readDay} reads it (midnight UTC). */
export function readMoment(cell: string): Date | null | Invalid {
  if (cell === '') return null;
  const time = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(cell);
  if (time) {
    const date = new Date(`${time[1]}T${time[2]}${time[5] ?? 'Z'}`);
    return isCalendarDate(time[1]) && !Number.isNaN(date.getTime()) ? date : new Invalid('a date-time: YYYY-MM-DDTHH:MM:SSZ');
  }
  const day = readDay(cell);
  return typeof day === 'string' ? new Date(`${day}T00:00:00Z`) : day;
}

export function readUrl(cell: string): string | null | Invalid {
  if (cell === '') return null;
  return isWebUrl(cell) ? cell : new Invalid('an http(s) address');
}

export function readLanguage(cell: string): string | null | Invalid {
  if (cell === '') return null;
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(cell) ? cell : new Invalid('a language code such as en or ar');
}

/** Tags separated by `;`, or by `,` when there is no `;`. */
export function readTags(cell: string): string[] {
  if (cell === '') return [];
  const tags = new Set<string>();
  for (const tag of cell.split(cell.includes(';') ? ';' : ',')) {
    const text = collapse(tag);
    if (text) tags.add(text);
  }
  return [...tags];
}
