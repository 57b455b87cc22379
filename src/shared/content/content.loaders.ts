import { byKey, groupByKey } from '../batch';
import { batchLoader } from '../loader';
import type { NodeTypeName } from '../node/global-id';
import type { ContentType } from './content-status';
import type { ContentTranslation } from './content-translation.entity';
import { CONTENT_TYPE_NAMES, type Content } from './content.entity';
import { visibleContent, type Visibility } from './content.query';
import type { ContentReads } from './content.reads';
import type { Locale } from './locale';
import { serveAllIn } from './localise';

/** Visible content items by primary key, of any type; `null` for a miss (or a draft the viewer may not see). */
export async function getContentByIds(reads: ContentReads, visible: Visibility, ids: readonly string[]): Promise<(Content | null)[]> {
  const rows = await visibleContent(reads, visible).where('c.id IN (:...ids)', { ids }).fetch();
  return byKey(ids, rows, (row) => row.id);
}

/** A content key: its type and slug, unique together. */
export interface SlugKey {
  readonly type: ContentType;
  readonly slug: string;
}

/** Visible items by type and slug, in one statement for any number of lookups. */
export async function getContentBySlugs(reads: ContentReads, visible: Visibility, keys: readonly SlugKey[]): Promise<(Content | null)[]> {
  const matchesAnyKey = keys.map((_, i) => `(c.type = :type${i} AND c.slug = :slug${i})`).join(' OR ');
  const parameters = Object.fromEntries(keys.flatMap((key, i) => [[`type${i}`, key.type], [`slug${i}`, key.slug]]));
  const rows = await visibleContent(reads, visible).where(`(${matchesAnyKey})`, parameters).fetch();
  return byKey(keys.map(slugKeyId), rows, slugKeyId);
}

function slugKeyId(key: SlugKey): string {
  return `${key.type}:${key.slug}`;
}

/** `content_id` among `:ids`: one statement text for any number of ids on PostgreSQL, so its prepared statement is reused. */
function anyId(reads: ContentReads): string {
  return reads.db.options.type === 'postgres' ? 'content_id = ANY(CAST(:ids AS uuid[]))' : 'content_id IN (:...ids)';
}

/** The ISO alpha-3 codes of the countries each item concerns, alphabetical. */
export async function getCountriesByContentIds(reads: ContentReads, ids: readonly string[]): Promise<string[][]> {
  const rows = await reads.query(`SELECT content_id, country_code FROM content_country WHERE ${anyId(reads)} ORDER BY country_code`, { ids });
  return groupByKey(ids, rows, (row) => String(row.content_id), (row) => String(row.country_code));
}

/** The locales each item has a translation into, alphabetical. */
export async function getTranslationLocalesByContentIds(reads: ContentReads, ids: readonly string[]): Promise<string[][]> {
  const rows = await reads.query(`SELECT content_id, locale FROM content_translation WHERE ${anyId(reads)} ORDER BY locale`, { ids });
  return groupByKey(ids, rows, (row) => String(row.content_id), (row) => String(row.locale));
}

/** A translation's key: the item and the locale. */
export interface TranslationKey {
  readonly contentId: string;
  readonly locale: Locale;
}

/** An item's translation as editors wrote it (the fields a null leaves to the original stay null). */
export type WrittenTranslation = Pick<ContentTranslation, 'locale' | 'title' | 'summary' | 'body' | 'place' | 'version'>;

/** Items' translations into locales, as written, `null` where there is none; one statement for any number of keys. */
export async function getTranslationsByKeys(reads: ContentReads, keys: readonly TranslationKey[]): Promise<(WrittenTranslation | null)[]> {
  const ids = [...new Set(keys.map((key) => key.contentId))];
  const rows = await reads.query(`SELECT content_id, locale, title, summary, body, place, version FROM content_translation WHERE ${anyId(reads)}`, { ids });
  const translations = rows.map((row) => ({
    key: translationKeyId({ contentId: String(row.content_id), locale: row.locale as Locale }),
    translation: {
      locale: row.locale as Locale,
      title: String(row.title),
      summary: String(row.summary),
      body: row.body == null ? null : String(row.body),
      place: row.place == null ? null : String(row.place),
      version: Number(row.version),
    },
  }));
  return byKey(keys.map(translationKeyId), translations, (found) => found.key).map((found) => found?.translation ?? null);
}

function translationKeyId(key: TranslationKey): string {
  return `${key.contentId}:${key.locale}`;
}

/** The free tags of each item, alphabetical. */
export async function getTagsByContentIds(reads: ContentReads, ids: readonly string[]): Promise<string[][]> {
  const rows = await reads.query(`SELECT content_id, tag FROM content_tag WHERE ${anyId(reads)} ORDER BY tag`, { ids });
  return groupByKey(ids, rows, (row) => String(row.content_id), (row) => String(row.tag));
}

/**
 * Loaders for what every content item has, whatever its type; `reads` sends
 * their reads and the lists' together. The reads themselves are not among them
 * (see {@link ContentLoaders}): a list needs only the reads, and a feed page
 * that made these seven DataLoaders to reach them spent 3% of its CPU on it.
 */
export function createContentLoaders(reads: ContentReads, visible: Visibility) {
  const { scope } = reads;
  return {
    contentById: batchLoader<string, Content | null>(scope, 'contentById', (ids) => getContentByIds(reads, visible, ids)),
    contentBySlug: batchLoader<SlugKey, Content | null, string>(scope, 'contentBySlug', (keys) => getContentBySlugs(reads, visible, keys), {
      cacheKeyFn: slugKeyId,
    }),
    countriesByContentId: batchLoader<string, string[]>(scope, 'countriesByContentId', (ids) => getCountriesByContentIds(reads, ids)),
    tagsByContentId: batchLoader<string, string[]>(scope, 'tagsByContentId', (ids) => getTagsByContentIds(reads, ids)),
    translationLocalesByContentId: batchLoader<string, string[]>(scope, 'translationLocalesByContentId', (ids) => getTranslationLocalesByContentIds(reads, ids)),
    // Not cached: each load asks for a fresh copy of an item the request read, served in another locale.
    contentInLocale: batchLoader<{ item: Content; locale: Locale }, Content>(scope, 'contentInLocale', (keys) => serveAllIn(reads.db, keys, (sql, parameters) => reads.query(sql, parameters)), {
      cache: false,
    }),
    translationByKey: batchLoader<TranslationKey, WrittenTranslation | null, string>(scope, 'translationByKey', (keys) => getTranslationsByKeys(reads, keys), {
      cacheKeyFn: translationKeyId,
    }),
  };
}

/** What content resolvers find on `ctx.loaders`: the loaders above and the request's reads (`contentReads`), which lists send their pages through. */
export type ContentLoaders = ReturnType<typeof createContentLoaders> & { readonly contentReads: ContentReads };

/**
 * Fetches a content node of an expected type: a global id that names a
 * DigestArticle must not return a SocialPost, even if the UUID exists.
 */
export async function loadContentOfType(loaders: ContentLoaders, type: NodeTypeName, id: string): Promise<Content | null> {
  const item = await loaders.contentById.load(id);
  return item && CONTENT_TYPE_NAMES[item.type] === type ? item : null;
}
