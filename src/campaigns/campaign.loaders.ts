import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { byKey } from '../shared/batch';
import { ContentType } from '../shared/content/content-status';
import { findContentPagesByParent, visibleContent, type Visibility } from '../shared/content/content.query';
import { createPageLoader } from '../shared/pagination/page.loader';
import type { CampaignStory } from './campaign-story.entity';
import { Campaign } from './campaign.entity';

/** Campaigns by primary key; `null` for a miss. */
export async function getCampaignsByIds(db: DataSource, ids: readonly string[]): Promise<(Campaign | null)[]> {
  return byKey(ids, await db.getRepository(Campaign).findBy({ id: In(ids) }), (row) => row.id);
}

/** Campaigns by slug; `null` for a miss. */
export async function getCampaignsBySlugs(db: DataSource, slugs: readonly string[]): Promise<(Campaign | null)[]> {
  return byKey(slugs, await db.getRepository(Campaign).findBy({ slug: In(slugs) }), (row) => row.slug);
}

/** Loaders of the campaigns domain, made per request. */
export function createCampaignLoaders(db: DataSource, visible: Visibility) {
  return {
    campaignById: new DataLoader<string, Campaign | null>((ids) => getCampaignsByIds(db, ids), { name: 'campaignById' }),
    campaignBySlug: new DataLoader<string, Campaign | null>((slugs) => getCampaignsBySlugs(db, slugs), {
      name: 'campaignBySlug',
    }),
    /** A campaign's stories; `options` are the properties to read. */
    storiesByCampaignId: createPageLoader<CampaignStory, readonly string[] | undefined>('storiesByCampaignId', (campaignIds, page, properties) =>
      findContentPagesByParent(visibleContent(db, visible, [ContentType.CAMPAIGN_STORY], properties), 'c.campaign_id', campaignIds, page),
    ),
  };
}

export type CampaignLoaders = ReturnType<typeof createCampaignLoaders>;
