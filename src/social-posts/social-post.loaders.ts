import type { DataSource } from 'typeorm';
import { ContentType } from '../shared/content/content-status';
import { findContentPagesByParent, publishedContent } from '../shared/content/content.query';
import { createPageLoader } from '../shared/pagination/page.loader';
import type { SocialPost } from './social-post.entity';

/** Loaders of the social-posts domain, made per request. */
export function createSocialPostLoaders(db: DataSource) {
  return {
    postsByCampaignId: createPageLoader<SocialPost>('postsByCampaignId', (campaignIds, page) =>
      findContentPagesByParent(publishedContent(db, [ContentType.SOCIAL_POST]), 'c.campaignId', campaignIds, page),
    ),
  };
}

export type SocialPostLoaders = ReturnType<typeof createSocialPostLoaders>;
