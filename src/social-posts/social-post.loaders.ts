import { ContentType } from '../shared/content/content-status';
import { BY_CAMPAIGN, findContentPagesByParent, visibleContent, type Visibility } from '../shared/content/content.query';
import type { ContentReads } from '../shared/content/content.reads';
import { createPageLoader, type ListOptions } from '../shared/pagination/page.loader';
import type { SocialPost } from './social-post.entity';

/** Loaders of the social-posts domain, made per request. */
export function createSocialPostLoaders(reads: ContentReads, visible: Visibility) {
  return {
    /** A campaign's posts; `options` are the properties to read. */
    postsByCampaignId: createPageLoader<SocialPost, ListOptions | undefined>('postsByCampaignId', (campaignIds, page, options) =>
      findContentPagesByParent(visibleContent(reads, visible, [ContentType.SOCIAL_POST], options?.properties).inLocale(options?.locale), BY_CAMPAIGN, campaignIds, page),
      reads.scope,
    ),
  };
}

export type SocialPostLoaders = ReturnType<typeof createSocialPostLoaders>;
