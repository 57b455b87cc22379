import { registerEnumType } from 'type-graphql';

/** Publication state every content item has; only PUBLISHED items are visible to readers. */
export enum ContentStatus {
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
}

registerEnumType(ContentStatus, {
  name: 'ContentStatus',
  description: 'Whether an item is visible to readers. Drafts are visible only to editors.',
  valuesConfig: {
    DRAFT: { description: 'Being written or withdrawn: only editors see it.' },
    PUBLISHED: { description: 'Visible to everyone.' },
  },
});

/** The four kinds of content in the feed; also the discriminator stored with each row. */
export enum ContentType {
  DIGEST_ARTICLE = 'DIGEST_ARTICLE',
  CAMPAIGN_STORY = 'CAMPAIGN_STORY',
  SOCIAL_POST = 'SOCIAL_POST',
  STABILISATION_PROJECT = 'STABILISATION_PROJECT',
}

registerEnumType(ContentType, {
  name: 'ContentType',
  description: 'The kinds of content the coalition publishes, as used in `FeedFilter.types`.',
  valuesConfig: {
    DIGEST_ARTICLE: { description: 'A press summary from the weekly digest (`DigestArticle`).' },
    CAMPAIGN_STORY: { description: 'A story of a communications campaign (`CampaignStory`).' },
    SOCIAL_POST: { description: 'A post from the coalition’s social media channels (`SocialPost`).' },
    STABILISATION_PROJECT: { description: 'A stabilisation project in an area liberated from Daesh (`StabilisationProject`).' },
  },
});
