import { normaliseNationCode } from '../member-nations/member-nation.entity';
import type { Content } from '../shared/content/content.entity';
import { findContentPage, findContentPagesByParent, sqlEnumList, visibleContent, type ContentQuery, type Partition, type Visibility } from '../shared/content/content.query';
import type { ContentReads } from '../shared/content/content.reads';
import type { Connection } from '../shared/pagination/connection.type';
import type { Keyset, PageRequest } from '../shared/pagination/keyset';
import type { Locale } from '../shared/content/locale';
import type { FeedFilter } from './feed.inputs';

/**
 * Content the viewer may see matching a filter. Each list-valued filter is an
 * EXISTS on its tag table, so an item tagged twice still appears once and the
 * keyset order on `content` stays usable.
 */
export function feedQuery(reads: ContentReads, visible: Visibility, filter: FeedFilter | null | undefined, properties?: readonly string[]): ContentQuery {
  const query = visibleContent(reads, visible, filter?.types ?? undefined, properties);
  if (!filter) return query;
  const { nations, countries, campaigns, tags, publishedAfter, publishedBefore } = filter;
  if (nations?.length) {
    query.where('EXISTS (SELECT 1 FROM content_nation fn WHERE fn.content_id = c.id AND fn.nation_code IN (:...feedNations))', {
      feedNations: nations.map(normaliseNationCode),
    });
  }
  if (countries?.length) {
    query.where('EXISTS (SELECT 1 FROM content_country fc WHERE fc.content_id = c.id AND fc.country_code IN (:...feedCountries))', {
      feedCountries: countries.map((code) => code.toUpperCase()),
    });
  }
  if (campaigns?.length) {
    query.where('c.campaign_id IN (SELECT fk.id FROM campaign fk WHERE fk.slug IN (:...feedCampaigns))', { feedCampaigns: campaigns });
  }
  if (tags?.length) {
    query.where('EXISTS (SELECT 1 FROM content_tag ft WHERE ft.content_id = c.id AND ft.tag IN (:...feedTags))', {
      feedTags: tags.map((tag) => tag.toLowerCase()),
    });
  }
  if (publishedAfter) query.where('c.published_at >= :publishedAfter', { publishedAfter });
  if (publishedBefore) query.where('c.published_at < :publishedBefore', { publishedBefore });
  return query;
}

/** One page of the cross-type feed, in one statement. */
export function findFeedPage(
  reads: ContentReads,
  visible: Visibility,
  filter: FeedFilter | null | undefined,
  page: PageRequest,
  properties?: readonly string[],
  locale?: Locale | null,
): Promise<Connection<Content>> {
  return findContentPage(feedQuery(reads, visible, filter, properties).inLocale(locale), page);
}

/**
 * A nation's feed walks the nation-tag table, whose copy of the publication time
 * is indexed per nation; the keyset is read there rather than on `content`.
 */
const NATION_FEED_KEYSET: Keyset<Content> = {
  columns: ['cn.published_at', 'cn.content_id'],
  kinds: ['date', 'uuid'],
  order: 'DESC',
  key: (item) => [item.publishedAt, item.id],
  sqlTypes: ['timestamp', 'uuid'],
};

/** A nation's items, by the nation tags. */
const BY_NATION_TAG: Partition = { column: 'cn.nation_code', type: 'text' };

/** One page of each nation's feed, for any number of nations, in one statement. */
export function findNationFeedPages(
  reads: ContentReads,
  visible: Visibility,
  codes: readonly string[],
  filter: FeedFilter | null | undefined,
  page: PageRequest,
  properties?: readonly string[],
  locale?: Locale,
): Promise<Connection<Content>[]> {
  const query = feedQuery(reads, visible, filter, properties)
    .inLocale(locale)
    .join('JOIN content_nation cn ON cn.content_id = c.id')
    .where(`cn.status IN (${sqlEnumList(visible)})`);
  if (filter?.types?.length) query.where(`cn.content_type IN (${sqlEnumList(filter.types)})`);
  return findContentPagesByParent(query, BY_NATION_TAG, codes, page, NATION_FEED_KEYSET);
}
