import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { Campaign } from '../campaigns/campaign.entity';
import { ContentNation } from '../member-nations/content-nation.entity';
import { normaliseNationCode } from '../member-nations/member-nation.entity';
import { ContentCountry } from '../shared/content/content-country.entity';
import { ContentTag } from '../shared/content/content-tag.entity';
import type { Content } from '../shared/content/content.entity';
import { findContentPage, findContentPagesByParent, visibleContent, type Visibility } from '../shared/content/content.query';
import type { Connection } from '../shared/pagination/connection.type';
import type { Keyset, PageRequest } from '../shared/pagination/keyset';
import type { FeedFilter } from './feed.inputs';

/**
 * Published content of every type matching a filter, as a query on alias `c`.
 * Each list-valued filter is an EXISTS on its tag table, so an item tagged
 * twice still appears once and the keyset order on `content` stays usable.
 */
export function feedQuery(db: DataSource, visible: Visibility, filter: FeedFilter | null | undefined): SelectQueryBuilder<Content> {
  const qb = visibleContent(db, visible, filter?.types ?? undefined);
  if (!filter) return qb;
  const { nations, countries, campaigns, tags, publishedAfter, publishedBefore } = filter;
  if (nations?.length) {
    qb.andWhere(
      exists(qb, ContentNation, 'fn', 'fn.contentId = c.id AND fn.nationCode IN (:...feedNations)'),
      { feedNations: nations.map(normaliseNationCode) },
    );
  }
  if (countries?.length) {
    qb.andWhere(
      exists(qb, ContentCountry, 'fc', 'fc.contentId = c.id AND fc.countryCode IN (:...feedCountries)'),
      { feedCountries: countries.map((code) => code.toUpperCase()) },
    );
  }
  if (campaigns?.length) {
    const slugs = qb.subQuery().select('fk.id').from(Campaign, 'fk').where('fk.slug IN (:...feedCampaigns)').getQuery();
    qb.andWhere(`c.campaignId IN ${slugs}`, { feedCampaigns: campaigns });
  }
  if (tags?.length) {
    qb.andWhere(
      exists(qb, ContentTag, 'ft', 'ft.contentId = c.id AND ft.tag IN (:...feedTags)'),
      { feedTags: tags.map((tag) => tag.toLowerCase()) },
    );
  }
  if (publishedAfter) qb.andWhere('c.publishedAt >= :publishedAfter', { publishedAfter });
  if (publishedBefore) qb.andWhere('c.publishedAt < :publishedBefore', { publishedBefore });
  return qb;
}

/** One page of the cross-type feed, in one statement. */
export function findFeedPage(db: DataSource, visible: Visibility, filter: FeedFilter | null | undefined, page: PageRequest): Promise<Connection<Content>> {
  return findContentPage(feedQuery(db, visible, filter), page);
}

/**
 * A nation's feed walks the nation-tag table, whose copy of the publication time
 * is indexed per nation; the keyset is read there rather than on `content`.
 */
const NATION_FEED_KEYSET: Keyset<Content> = {
  columns: ['cn.publishedAt', 'cn.contentId'],
  kinds: ['date', 'string'],
  order: 'DESC',
  key: (item) => [item.publishedAt, item.id],
};

/** One page of each nation's feed, for any number of nations, in one statement. */
export function findNationFeedPages(
  db: DataSource,
  visible: Visibility,
  codes: readonly string[],
  filter: FeedFilter | null | undefined,
  page: PageRequest,
): Promise<Connection<Content>[]> {
  const qb = feedQuery(db, visible, filter).innerJoin(ContentNation, 'cn', 'cn.contentId = c.id AND cn.status IN (:...visible)');
  if (filter?.types?.length) qb.andWhere('cn.contentType IN (:...types)');
  return findContentPagesByParent(qb, 'cn.nationCode', codes, page, NATION_FEED_KEYSET);
}

function exists(qb: SelectQueryBuilder<Content>, entity: Function, alias: string, condition: string): string {
  return `EXISTS ${qb.subQuery().select('1').from(entity, alias).where(condition).getQuery()}`;
}
