import { batchLoader } from '../shared/loader';
import type { ListOptions } from '../shared/pagination/page.loader';
import type { DataSource } from 'typeorm';
import { ContentType } from '../shared/content/content-status';
import { BY_CAMPAIGN, findContentPagesByParent, visibleContent, type ContentQuery, type Visibility } from '../shared/content/content.query';
import type { ContentReads } from '../shared/content/content.reads';
import { createPageLoader } from '../shared/pagination/page.loader';
import type { CampaignStory } from './campaign-story.entity';
import { campaignCatalogue } from './campaign-catalogue';
import type { Campaign } from './campaign.entity';

/** Campaigns by primary key, from the process's catalogue; `null` for a miss. */
export async function getCampaignsByIds(db: DataSource, ids: readonly string[]): Promise<(Campaign | null)[]> {
  const { byId } = await campaignCatalogue(db).get();
  return ids.map((id) => byId.get(id) ?? null);
}

/** Campaigns by slug, from the process's catalogue; `null` for a miss. */
export async function getCampaignsBySlugs(db: DataSource, slugs: readonly string[]): Promise<(Campaign | null)[]> {
  const { bySlug } = await campaignCatalogue(db).get();
  return slugs.map((slug) => bySlug.get(slug) ?? null);
}

/** A campaign by id: synchronous from the catalogue when it is at hand, else through the request's loader. */
export function campaignById(db: DataSource, loaders: CampaignLoaders, id: string): Campaign | null | Promise<Campaign | null> {
  const index = campaignCatalogue(db).current();
  return index ? (index.byId.get(id) ?? null) : loaders.campaignById.load(id);
}

/** The campaign stories a viewer may see, reading `properties` (every column when absent). */
export function campaignStories(reads: ContentReads, visible: Visibility, properties?: readonly string[]): ContentQuery {
  return visibleContent(reads, visible, [ContentType.CAMPAIGN_STORY], properties);
}

/** Loaders of the campaigns domain, made per request. */
export function createCampaignLoaders(reads: ContentReads, visible: Visibility) {
  const { db } = reads;
  return {
    campaignById: batchLoader<string, Campaign | null>(reads.scope, 'campaignById', (ids) => getCampaignsByIds(db, ids)),
    campaignBySlug: batchLoader<string, Campaign | null>(reads.scope, 'campaignBySlug', (slugs) => getCampaignsBySlugs(db, slugs)),
    /** A campaign's stories; `options` are the properties to read. */
    storiesByCampaignId: createPageLoader<CampaignStory, ListOptions | undefined>('storiesByCampaignId', (campaignIds, page, options) =>
      findContentPagesByParent(campaignStories(reads, visible, options?.properties).inLocale(options?.locale), BY_CAMPAIGN, campaignIds, page),
      reads.scope,
    ),
  };
}

export type CampaignLoaders = ReturnType<typeof createCampaignLoaders>;
