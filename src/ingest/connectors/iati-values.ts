import { isCalendarDate, isoDateTime } from '../../shared/date-time';

/**
 * Readers for the values of an IATI activity as `parseXml` gives them:
 * elements are objects (or bare strings and numbers when they have neither
 * attributes nor children), attributes are `@_name`, text is `#text`.
 */
export type XmlNode = Record<string, unknown>;

/** The element's text, whatever shape the parser gave it (numbers included: `<narrative>2019</narrative>`). */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) return textOf((value as XmlNode)['#text']);
  return '';
}

/** An attribute's value, or '' when the element or the attribute is missing. */
export function attr(value: unknown, name: string): string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return '';
  const found = (value as XmlNode)[`@_${name}`];
  return found === undefined || found === null ? '' : String(found).trim();
}

/** An element's children of one name, as a list whether the parser made an array or not. */
export function children(value: unknown, name: string): unknown[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const found = (value as XmlNode)[name];
  if (found === undefined || found === null) return [];
  return Array.isArray(found) ? found : [found];
}

/** The first child of one name, or undefined. */
export function child(value: unknown, name: string): unknown {
  return children(value, name)[0];
}

/**
 * The text of an element's `narrative` in the language wanted: a narrative
 * without `xml:lang` is in the activity's default language. Failing that
 * the English one, failing that the first. IATI 1.x put the text in the
 * element itself, which is read the same way.
 */
export function narrativeOf(value: unknown, language: string | null): string {
  const narratives = children(value, 'narrative');
  if (narratives.length === 0) return textOf(value);
  if (narratives.length === 1) return textOf(narratives[0]);
  const wanted = language?.toLowerCase() ?? null;
  let english = '';
  let first = '';
  for (const narrative of narratives) {
    const text = textOf(narrative);
    if (!text) continue;
    const lang = attr(narrative, 'xml:lang').toLowerCase() || wanted;
    if (lang === wanted) return text;
    if (!english && lang === 'en') english = text;
    if (!first) first = text;
  }
  return english || first;
}

/** `YYYY-MM-DD` from an `iso-date` (which may carry a time), or null when it is not a real day. */
export function isoDate(value: string): string | null {
  const day = value.slice(0, 10);
  return isCalendarDate(day) ? day : null;
}

/** An `xsd:dateTime` as a Date; without a zone it is read as UTC. A bare date is midnight UTC. A day the calendar lacks is null. */
export function dateTime(value: string): Date | null {
  if (!value) return null;
  const zoned = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : /T\d{2}:\d{2}/.test(value) ? `${value}Z` : isoDate(value) ? `${value.slice(0, 10)}T00:00:00Z` : null;
  return zoned ? isoDateTime(zoned) : null;
}

/**
 * The activity's budget in whole US dollars: per period, the revised budgets
 * (type 2) when there are any, else the original ones (type 1), summed over
 * the periods. Null when there is no budget, when a value is not a number, or
 * when any budget is in another currency (or in none): the gateway converts
 * no currencies, and a sum of part of the budgets would mislead. The caller
 * refuses a sum the budget column cannot keep exactly (see `isStorableAmount`).
 */
export function budgetUsd(activity: unknown, defaultCurrency: string): number | null {
  const periods = new Map<string, { original: number; revised: number; hasRevised: boolean }>();
  let usable = true;
  for (const budget of children(activity, 'budget')) {
    const value = child(budget, 'value');
    const currency = (attr(value, 'currency') || defaultCurrency).toUpperCase();
    const amount = Number(textOf(value));
    if (currency !== 'USD' || textOf(value) === '' || !Number.isFinite(amount)) {
      usable = false;
      continue;
    }
    const key = `${attr(child(budget, 'period-start'), 'iso-date').slice(0, 10)}|${attr(child(budget, 'period-end'), 'iso-date').slice(0, 10)}`;
    const period = periods.get(key) ?? { original: 0, revised: 0, hasRevised: false };
    if (attr(budget, 'type') === '2') {
      period.revised += amount;
      period.hasRevised = true;
    } else {
      period.original += amount;
    }
    periods.set(key, period);
  }
  if (!usable || periods.size === 0) return null;
  let total = 0;
  for (const period of periods.values()) total += period.hasRevised ? period.revised : period.original;
  return Math.round(total);
}
