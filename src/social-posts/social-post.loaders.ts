import type { DataSource } from 'typeorm';
import { ContentType } from '../shared/content/content-status';
import { findContentPagesByParent, visibleContent, type Visibility } from '../shared/content/content.query';
import { createPageLoader } from '../shared/pagination/page.loader';
import type { SocialPost } from './social-post.entity';

/** Loaders of the social-posts domain, made per request. */
export function createSocialPostLoaders(db: DataSource, visible: Visibility) {
  return {
    /** A campaign's posts; `options` are the properties to read. */
    postsByCampaignId: createPageLoader<SocialPost, readonly string[] | undefined>('postsByCampaignId', (campaignIds, page, properties) =>
      findContentPagesByParent(visibleContent(db, visible, [ContentType.SOCIAL_POST], properties), 'c.campaign_id', campaignIds, page),
    ),
  };
}

export type SocialPostLoaders = ReturnType<typeof createSocialPostLoaders>;
