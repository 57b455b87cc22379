import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createCampaignLoaders } from '../campaigns/campaign.loaders';
import { createFeedLoaders } from '../feed/feed.loaders';
import { createMemberNationLoaders } from '../member-nations/member-nation.loaders';
import { createContentLoaders, loadContentOfType } from '../shared/content/content.loaders';
import type { Context } from '../shared/context';
import type { NodeLoaders } from '../shared/node/node.resolver';
import { createSocialPostLoaders } from '../social-posts/social-post.loaders';
import { createStabilisationProjectLoaders } from '../stabilisation-projects/stabilisation-project.loaders';

/**
 * Every domain's loaders for one request, plus the `node` lookups composed from
 * them. Made fresh per request: nothing is cached across requests or viewers.
 */
export function createLoaders(db: DataSource) {
  const content = createContentLoaders(db);
  const nations = createMemberNationLoaders(db);
  const campaigns = createCampaignLoaders(db);
  const nodeByLocalId: NodeLoaders['nodeByLocalId'] = {
    DigestArticle: (id) => loadContentOfType(content, 'DigestArticle', id),
    CampaignStory: (id) => loadContentOfType(content, 'CampaignStory', id),
    SocialPost: (id) => loadContentOfType(content, 'SocialPost', id),
    StabilisationProject: (id) => loadContentOfType(content, 'StabilisationProject', id),
    Campaign: (id) => campaigns.campaignById.load(id),
    MemberNation: (code) => nations.memberNationByCode.load(code),
  };
  return {
    ...content,
    ...nations,
    ...campaigns,
    ...createSocialPostLoaders(db),
    ...createStabilisationProjectLoaders(db),
    ...createFeedLoaders(db),
    nodeByLocalId,
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
export type GatewayContext = Context<Loaders>;

/** Builds the context of one request. */
export function createContext(db: DataSource, requestId: string = randomUUID()): GatewayContext {
  return { requestId, db, loaders: createLoaders(db) };
}
