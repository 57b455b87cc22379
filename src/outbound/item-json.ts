import { CONTENT_TYPE_NAMES, type Content } from '../shared/content/content.entity';

/** The columns of each type that partners get, beside the shared ones. */
const TYPE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  DigestArticle: ['outlet', 'originalUrl'],
  CampaignStory: ['places'],
  SocialPost: ['platform', 'authorHandle', 'text', 'hashtags', 'mentions', 'links'],
  StabilisationProject: ['sector', 'phase', 'implementingPartner', 'place', 'countryCode', 'budgetUsd', 'startedOn', 'completedOn'],
};

/** What an item's JSON needs besides its row. */
export interface ItemExtras {
  readonly countries: readonly string[];
  readonly tags: readonly string[];
  readonly campaign: string | null;
}

/**
 * A published item as plain JSON for partners who do not speak GraphQL
 * (webhook payloads): the fields of `Content` with GraphQL's names, member
 * codes for `nations`, the campaign's slug, and the type's own fields.
 */
export function itemJson(item: Content, extras: ItemExtras): Record<string, unknown> {
  const typename = CONTENT_TYPE_NAMES[item.type];
  const own = Object.fromEntries((TYPE_FIELDS[typename] ?? []).map((field) => [field, (item as unknown as Record<string, unknown>)[field] ?? null]));
  return {
    __typename: typename,
    id: item.nodeId,
    slug: item.slug,
    title: item.title,
    summary: item.summary,
    url: item.url,
    publishedAt: item.publishedAt.toISOString(),
    version: item.version,
    nations: [...(item.nationCodes ?? [])],
    countries: [...extras.countries],
    tags: [...extras.tags],
    campaign: extras.campaign,
    source: item.source ? { name: item.source.name, kind: item.source.kind, externalId: item.source.externalId, url: item.source.url } : null,
    ...own,
  };
}
