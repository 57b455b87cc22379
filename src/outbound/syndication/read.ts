import type { Campaign } from '../../campaigns/campaign.entity';
import { findFeedPage, feedQuery, findNationFeedPages } from '../../feed/feed.service';
import type { FeedFilter } from '../../feed/feed.inputs';
import type { MemberNation } from '../../member-nations/member-nation.entity';
import { ContentStatus } from '../../shared/content/content-status';
import type { Content } from '../../shared/content/content.entity';
import { getCountriesByContentIds, getTagsByContentIds } from '../../shared/content/content.loaders';
import { CONTENT_KEYSET, findContentPage, type Visibility } from '../../shared/content/content.query';
import type { ContentReads } from '../../shared/content/content.reads';
import type { Connection } from '../../shared/pagination/connection.type';
import type { KeyValue } from '../../shared/pagination/cursor';
import type { PageRequest } from '../../shared/pagination/keyset';
import type { FeedParameters } from './parameters';

/** Feeds carry published items only, whoever asks and whatever key they send. */
const PUBLISHED: Visibility = Object.freeze([ContentStatus.PUBLISHED]);

/**
 * The entity properties a feed entry shows. `nations` is no column: it makes
 * the page statement bring each item's nation codes along (see
 * `ContentReader.projection`), so they cost no statement of their own.
 */
const PROPERTIES: readonly string[] = [
  'id',
  'type',
  'title',
  'summary',
  'body',
  'url',
  'publishedAt',
  'updatedAt',
  'version',
  'campaignId',
  'outlet',
  'originalUrl',
  'authorHandle',
  'text',
  'nations',
  // What serving an item in the asked locale needs: its own language, and which translations it has.
  'language',
  'translatedInto',
].sort();

/** Which feed a URL names: the shared feed, a member's, or a campaign's. */
export type FeedScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'nation'; readonly nation: MemberNation }
  | { readonly kind: 'campaign'; readonly campaign: Campaign };

/** A feed's items, newest first, with the countries and tags of each (by position). */
export interface FeedRows {
  readonly items: readonly Content[];
  /** The position of the page's last item when more items follow it (where the `next` page starts), else null. */
  readonly next: KeyValue[] | null;
  readonly countries: readonly (readonly string[])[];
  readonly tags: readonly (readonly string[])[];
}

/**
 * Reads a feed in three statements whatever `limit` is: the page (with each
 * item's nation codes), then the countries and the tags of all its items.
 * The same queries as `Query.feed` (the shared and campaign feeds) and
 * `MemberNation.feed` (a member's), so a feed holds exactly the items
 * GraphQL returns for the equivalent filter.
 */
export async function readFeed(reads: ContentReads, scope: FeedScope, parameters: FeedParameters): Promise<FeedRows> {
  const filter = feedFilterOf(parameters);
  const page: PageRequest = { backward: false, size: parameters.limit, from: parameters.from };
  let connection: Connection<Content>;
  if (scope.kind === 'nation') {
    // The member's own feed walks its nation tags; `nations` in the query string narrows it further (AND), as `MemberNation.feed(filter:)` does.
    [connection] = await findNationFeedPages(reads, PUBLISHED, [scope.nation.code], filter, page, PROPERTIES);
  } else if (scope.kind === 'campaign') {
    const query = feedQuery(reads, PUBLISHED, filter, PROPERTIES);
    query.where(`c.campaign_id = ${query.opaque('syndicatedCampaign', 'uuid')}`, { syndicatedCampaign: scope.campaign.id });
    connection = await findContentPage(query, page);
  } else {
    connection = await findFeedPage(reads, PUBLISHED, filter, page, PROPERTIES);
  }
  const items = connection.edges.map((edge) => edge.node);
  // Both keysets a feed walks key an item by its publication time and id.
  const next = connection.pageInfo.hasNextPage && items.length > 0 ? CONTENT_KEYSET.key(items[items.length - 1]) : null;
  if (items.length === 0) return { items, next, countries: [], tags: [] };
  const ids = items.map((item) => item.id);
  const [countries, tags] = await Promise.all([getCountriesByContentIds(reads, ids), getTagsByContentIds(reads, ids)]);
  return { items, next, countries, tags };
}

/** The GraphQL filter the parameters stand for. */
export function feedFilterOf(parameters: FeedParameters): FeedFilter {
  return {
    types: [...parameters.types],
    nations: [...parameters.nations],
    countries: [...parameters.countries],
    campaigns: [...parameters.campaigns],
    tags: [...parameters.tags],
    publishedAfter: parameters.publishedAfter,
    publishedBefore: parameters.publishedBefore,
  };
}
