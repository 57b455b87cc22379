import type { DataSource } from 'typeorm';
import { ContentType } from '../shared/content/content-status';
import { findContentPagesByParent, visibleContent, type Visibility } from '../shared/content/content.query';
import { createPageLoader } from '../shared/pagination/page.loader';
import type { SocialPost } from './social-post.entity';

/** Loaders of the social-posts domain, made per request. */
export function createSocialPostLoaders(db: DataSource, visible: Visibility) {
  return {
    postsByCampaignId: createPageLoader<SocialPost>('postsByCampaignId', (campaignIds, page) =>
      findContentPagesByParent(visibleContent(db, visible, [ContentType.SOCIAL_POST]), 'c.campaignId', campaignIds, page),
    ),
  };
}

export type SocialPostLoaders = ReturnType<typeof createSocialPostLoaders>;
