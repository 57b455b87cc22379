import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { byKey, groupByKey } from '../batch';
import type { NodeTypeName } from '../node/global-id';
import { ContentCountry } from './content-country.entity';
import { ContentTag } from './content-tag.entity';
import type { ContentType } from './content-status';
import { CONTENT_TYPE_NAMES, type Content } from './content.entity';
import { visibleContent, type Visibility } from './content.query';
import type { ContentReads } from './content.reads';

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

/** The ISO alpha-3 codes of the countries each item concerns, alphabetical. */
export async function getCountriesByContentIds(db: DataSource, ids: readonly string[]): Promise<string[][]> {
  const rows = await db.getRepository(ContentCountry).find({
    select: { contentId: true, countryCode: true },
    where: { contentId: In(ids) },
    order: { countryCode: 'ASC' },
  });
  return groupByKey(ids, rows, (row) => row.contentId, (row) => row.countryCode);
}

/** The free tags of each item, alphabetical. */
export async function getTagsByContentIds(db: DataSource, ids: readonly string[]): Promise<string[][]> {
  const rows = await db.getRepository(ContentTag).find({
    select: { contentId: true, tag: true },
    where: { contentId: In(ids) },
    order: { tag: 'ASC' },
  });
  return groupByKey(ids, rows, (row) => row.contentId, (row) => row.tag);
}

/** Loaders for what every content item has, whatever its type; `contentReads` sends their reads and the lists' together. */
export function createContentLoaders(reads: ContentReads, visible: Visibility) {
  const { db } = reads;
  const contentById = new DataLoader<string, Content | null>((ids) => getContentByIds(reads, visible, ids), { name: 'contentById' });
  return {
    contentReads: reads,
    contentById,
    contentBySlug: new DataLoader<SlugKey, Content | null, string>((keys) => getContentBySlugs(reads, visible, keys), {
      name: 'contentBySlug',
      cacheKeyFn: slugKeyId,
    }),
    countriesByContentId: new DataLoader<string, string[]>((ids) => getCountriesByContentIds(db, ids), {
      name: 'countriesByContentId',
    }),
    tagsByContentId: new DataLoader<string, string[]>((ids) => getTagsByContentIds(db, ids), { name: 'tagsByContentId' }),
  };
}

export type ContentLoaders = ReturnType<typeof createContentLoaders>;

/**
 * Fetches a content node of an expected type: a global id that names a
 * DigestArticle must not return a SocialPost, even if the UUID exists.
 */
export async function loadContentOfType(loaders: ContentLoaders, type: NodeTypeName, id: string): Promise<Content | null> {
  const item = await loaders.contentById.load(id);
  return item && CONTENT_TYPE_NAMES[item.type] === type ? item : null;
}
