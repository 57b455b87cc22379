import type { DataSource } from 'typeorm';
import type { Content } from './content.entity';
import { Locale, localeOfLanguage } from './locale';

/** The fields a translation replaces. */
const TRANSLATED = ['title', 'summary', 'body', 'place'] as const;

/** What localising adds to an item read for a locale. */
export interface LocalisedItem {
  /** The locale its text is served in. */
  servedLocale?: Locale;
  /** The locale it was asked for in: what its nested lists and nations are served in too. */
  requestedLocale?: Locale;
  /** Its own text, kept when a translation replaced it, so that it can be served in another locale. */
  originalText?: Partial<Record<(typeof TRANSLATED)[number], unknown>>;
}

/** The locale an object (an item, a member, a campaign) was asked for in, which its nested lists are served in too; undefined when none was. */
export function requestedLocaleOf(object: object): Locale | undefined {
  return (object as LocalisedItem).requestedLocale;
}

/** The locale of an item's own text (English for a language we do not serve). */
export function originalLocaleOf(item: Pick<Content, 'language'>): Locale {
  return localeOfLanguage(item.language) ?? Locale.EN;
}

/**
 * Serves freshly read items in `locale`, in place: an item written in that
 * locale as it is; otherwise its translation into it when there is one
 * (field by field: a translation without a body keeps the original's);
 * otherwise the original, or, for an original in a language we do not serve,
 * its English translation. One statement for all the items that have a
 * translation to serve, none when no item has (`translatedInto` says so
 * without a lookup).
 */
export async function localiseItems(db: DataSource, wanted: readonly { item: Content & LocalisedItem; locale: Locale }[], query: QueryFn): Promise<void> {
  await translateItems(db, wanted.filter(({ item, locale }) => askedIn(item, locale)), query);
}

/**
 * The first half of {@link localiseItems}, for one item: notes the locale it
 * was asked for and the one its own text is in, and says whether a
 * translation may have to replace that text (false for most items: written
 * in the locale asked for, or translated into none).
 */
export function askedIn(item: Content & LocalisedItem, locale: Locale): boolean {
  item.requestedLocale = locale;
  const own = localeOfLanguage(item.language);
  item.servedLocale = own ?? Locale.EN;
  return own !== locale && mayHaveTranslation(item, own === null ? [locale, Locale.EN] : [locale]);
}

/** The second half of {@link localiseItems}: serves the items {@link askedIn} said may need it in their translation, in one statement. */
export async function translateItems(db: DataSource, needing: readonly { item: Content & LocalisedItem; locale: Locale }[], query: QueryFn): Promise<void> {
  if (needing.length === 0) return;
  const ids = [...new Set(needing.map(({ item }) => item.id))];
  const rows = await query(
    db.options.type === 'postgres'
      ? 'SELECT content_id, locale, title, summary, body, place FROM content_translation WHERE content_id = ANY(CAST(:ids AS uuid[]))'
      : 'SELECT content_id, locale, title, summary, body, place FROM content_translation WHERE content_id IN (:...ids)',
    { ids },
  );
  const byItem = new Map<string, Map<string, Record<string, unknown>>>();
  for (const row of rows) {
    const id = String(row.content_id);
    if (!byItem.has(id)) byItem.set(id, new Map());
    byItem.get(id)!.set(String(row.locale), row);
  }
  for (const { item, locale } of needing) {
    const translations = byItem.get(item.id);
    const translation = translations?.get(locale) ?? (localeOfLanguage(item.language) === null ? translations?.get(Locale.EN) : undefined);
    if (!translation) continue;
    const target = item as unknown as Record<string, unknown>;
    item.originalText ??= Object.fromEntries(TRANSLATED.map((field) => [field, target[field]]));
    for (const field of TRANSLATED) if (translation[field] != null && field in target) target[field] = translation[field];
    item.servedLocale = translation === translations?.get(locale) ? locale : Locale.EN;
  }
}

/** True unless the item's `translatedInto` (when it was read) says it has none of `locales`. */
function mayHaveTranslation(item: Content, locales: readonly Locale[]): boolean {
  if (item.translatedInto === undefined || item.translatedInto === null) return true;
  // Most items have no translation: no list to split.
  if (item.translatedInto === '') return false;
  const translated = item.translatedInto.split(',');
  return locales.some((locale) => translated.includes(locale));
}

/** The locales an item is translated into, from its `translatedInto` when it was read; null when it was not. */
export function translatedLocalesOf(item: Content): Locale[] | null {
  if (item.translatedInto === undefined || item.translatedInto === null) return null;
  return item.translatedInto === '' ? [] : (item.translatedInto.split(',') as Locale[]);
}

/** Runs one read with `:named` parameters (the request's, so it counts and can be cancelled). */
export type QueryFn = (sql: string, parameters: Record<string, unknown>) => Promise<Record<string, unknown>[]>;

/**
 * A shared object (a catalogue's member or campaign, an item a loader cached)
 * seen in another locale: a view whose own properties say the locale, with
 * the original underneath. Free when the locale is the one asked already.
 */
export function inLocale<T extends object>(object: T, locale: Locale): T & LocalisedItem {
  const current = object as T & LocalisedItem;
  if (current.requestedLocale === locale) return current;
  const view = Object.create(object) as T & LocalisedItem;
  view.requestedLocale = locale;
  return view;
}

/**
 * An item the request already read (in its default locale) served in another:
 * a copy with its own text restored, then localised. The cached item is left
 * as it was, for whatever else in the request uses it.
 */
export async function serveIn<T extends Content>(item: T | null, locale: Locale | null | undefined, db: DataSource, query: QueryFn): Promise<T | null> {
  if (!item || !locale) return item;
  const [served] = await serveAllIn(db, [{ item, locale }], query);
  return served;
}

/**
 * Items the request already read, each served in a locale, as {@link serveIn}
 * serves one: one statement for all of them (none when each is in its locale
 * already), so that `nodes(ids:, locale:)` costs the same for 5 ids as for 100.
 */
export async function serveAllIn<T extends Content>(db: DataSource, wanted: readonly { item: T; locale: Locale }[], query: QueryFn): Promise<T[]> {
  const served = wanted.map(({ item, locale }) => {
    const current = item as T & LocalisedItem;
    if (current.requestedLocale === locale) return current;
    const copy = Object.assign(Object.create(Object.getPrototypeOf(current) as object) as T & LocalisedItem, current);
    if (current.originalText) Object.assign(copy, current.originalText);
    copy.originalText = undefined;
    return copy;
  });
  await localiseItems(
    db,
    served.flatMap((item, i) => (item === wanted[i].item ? [] : [{ item, locale: wanted[i].locale }])),
    query,
  );
  return served;
}
