import type { EntityManager } from 'typeorm';
import { CampaignStory } from '../campaigns/campaign-story.entity';
import { Campaign } from '../campaigns/campaign.entity';
import { hashtagKey } from '../campaigns/hashtag-key';
import { DigestArticle } from '../digest-articles/digest-article.entity';
import { ContentNation } from '../member-nations/content-nation.entity';
import { MemberNation, normaliseNationCode } from '../member-nations/member-nation.entity';
import { ContentCountry } from '../shared/content/content-country.entity';
import { ContentStatus, ContentType } from '../shared/content/content-status';
import { ContentTag } from '../shared/content/content-tag.entity';
import { SourceKind } from '../shared/content/source-kind';
import { detectLanguage } from '../text/language';
import { truncateText } from '../text/text';
import type { Content } from '../shared/content/content.entity';
import { BadUserInputError } from '../shared/errors';
import { SocialPost } from '../social-posts/social-post.entity';
import { StabilisationProject } from '../stabilisation-projects/stabilisation-project.entity';

/** The entity class of each content type. */
export const CONTENT_CLASSES: Record<ContentType, new () => Content> = {
  [ContentType.DIGEST_ARTICLE]: DigestArticle,
  [ContentType.CAMPAIGN_STORY]: CampaignStory,
  [ContentType.SOCIAL_POST]: SocialPost,
  [ContentType.STABILISATION_PROJECT]: StabilisationProject,
};

/** Provenance of an imported item: unique per (name, externalId). */
export interface SourceInput {
  readonly name: string;
  /** The kind of system it came from; DEMO when not given ({@link kindOf}). */
  readonly kind?: SourceKind | null;
  readonly externalId: string;
  readonly url?: string | null;
  readonly fetchedAt?: Date | null;
}

/** The kind of system a source input came from: DEMO when it names none. */
export function kindOf(source: SourceInput): SourceKind {
  return source.kind ?? SourceKind.DEMO;
}

/** One content item as an editor, a connector or the demo loader hands it over. */
export interface ContentItemInput {
  readonly type: ContentType;
  readonly slug: string;
  readonly title: string;
  readonly summary: string;
  /** The full text as sanitised HTML (see `text/text.ts`), when the item has one. */
  readonly body?: string | null;
  /** BCP 47 tag of the language it is written in; detected from the text when undefined. */
  readonly language?: string | null;
  /**
   * The language guessed from the text ahead of the write (ingestion guesses on its parsing worker),
   * used when `language` is undefined. Derived from title and summary, so not part of the content hash.
   */
  readonly detectedLanguage?: string | null;
  readonly url?: string | null;
  readonly publishedAt: Date;
  readonly status?: ContentStatus;
  /** ISO alpha-3 codes of every country the item concerns; member countries become nation tags too. */
  readonly countries: readonly string[];
  /** Member codes beyond the countries, e.g. `NATO` or `EU`. */
  readonly nations?: readonly string[];
  readonly tags?: readonly string[];
  readonly source?: SourceInput | null;
  /** A story's campaign, by slug. Posts find theirs from their hashtags. */
  readonly campaign?: string | null;
  /** The type's own columns (`outlet`, `places`, `hashtags`, `phase`, …). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Everything one write stores: the row's columns and its tag rows. */
export interface PreparedWrite {
  readonly values: Record<string, unknown>;
  readonly nations: string[];
  readonly countries: string[];
  readonly tags: string[];
  /** The slug of the campaign the item belongs to, or null. */
  readonly campaignSlug: string | null;
}

/** What preparing a write looks up: the campaigns and the members, as the writing transaction sees them. */
export interface Lookups {
  readonly campaignsBySlug: ReadonlyMap<string, Campaign>;
  /** By hashtag, folded by `hashtagKey`. */
  readonly campaignsByHashtag: ReadonlyMap<string, Campaign>;
  readonly memberCodes: ReadonlySet<string>;
}

/** Reads the campaigns and member codes in two statements, inside the writer's transaction. */
export async function loadLookups(manager: EntityManager): Promise<Lookups> {
  const campaigns = await manager.getRepository(Campaign).find({ order: { slug: 'ASC' } });
  const members = await manager.getRepository(MemberNation).find({ select: { code: true } });
  // One campaign per folded hashtag: the database's unique index on `hashtag_key` allows no other.
  const byHashtag = new Map(campaigns.map((campaign) => [hashtagKey(campaign.hashtag), campaign]));
  return {
    campaignsBySlug: new Map(campaigns.map((campaign) => [campaign.slug, campaign])),
    campaignsByHashtag: byHashtag,
    memberCodes: new Set(members.map((member) => member.code)),
  };
}

/**
 * Turns an item into the columns and tag rows to store: codes normalised, member
 * countries added to the nation tags, the campaign found (by slug for a story, by
 * hashtag for a post). Unknown campaigns and non-member nations are `BAD_USER_INPUT`.
 */
export function prepareWrite(lookups: Lookups, input: ContentItemInput): PreparedWrite {
  const countries = uniqueSorted(input.countries.map((code) => code.toUpperCase()));
  const campaign = campaignOf(lookups, input);
  return {
    values: columnValues(input, campaign?.id ?? null),
    countries,
    tags: uniqueSorted((input.tags ?? []).map(storedTag)),
    nations: nationCodes(lookups, countries, input.nations ?? []),
    campaignSlug: campaign?.slug ?? null,
  };
}

/** The tag column's size. */
const MAX_TAG = 64;

/**
 * A tag as stored: lower case, then cut to its column. In that order: lower
 * case may be longer ("İ" is "i" and a combining dot), and a tag cut to fit
 * before it overflowed the column, failing its item on PostgreSQL.
 */
function storedTag(tag: string): string {
  return truncateText(tag.toLowerCase(), MAX_TAG);
}

function columnValues(input: ContentItemInput, campaignId: string | null): Record<string, unknown> {
  const values: Record<string, unknown> = {
    type: input.type,
    slug: input.slug,
    title: input.title,
    summary: input.summary,
    ...(input.body !== undefined ? { body: input.body } : {}),
    language: input.language !== undefined ? input.language : input.detectedLanguage !== undefined ? input.detectedLanguage : detectLanguage(`${input.title}\n${input.summary}`),
    url: input.url ?? null,
    status: input.status ?? ContentStatus.PUBLISHED,
    publishedAt: input.publishedAt,
    sourceName: input.source?.name ?? null,
    sourceExternalId: input.source?.externalId ?? null,
    sourceUrl: input.source?.url ?? null,
    sourceFetchedAt: input.source?.fetchedAt ?? null,
    sourceKind: input.source ? kindOf(input.source) : null,
    campaignId,
    ...input.fields,
  };
  if (input.type === ContentType.STABILISATION_PROJECT && typeof values.countryCode === 'string') {
    values.countryCode = values.countryCode.toUpperCase();
  }
  return values;
}

/** A story names its campaign; a post belongs to the campaign whose hashtag it uses. */
function campaignOf(lookups: Lookups, input: ContentItemInput): Campaign | null {
  if (input.type === ContentType.CAMPAIGN_STORY && input.campaign) {
    const campaign = lookups.campaignsBySlug.get(input.campaign);
    if (!campaign) throw new BadUserInputError(`Unknown campaign "${input.campaign}"`);
    return campaign;
  }
  if (input.type === ContentType.SOCIAL_POST) {
    const found = ((input.fields.hashtags as string[] | undefined) ?? [])
      .map((tag) => lookups.campaignsByHashtag.get(hashtagKey(tag)))
      .filter((campaign): campaign is Campaign => campaign !== undefined)
      .sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
    return found[0] ?? null;
  }
  return null;
}

/** Members among the countries, plus the named members; an unknown named member is an error. */
function nationCodes(lookups: Lookups, countries: string[], named: readonly string[]): string[] {
  const unknown = named.map(normaliseNationCode).filter((code) => !lookups.memberCodes.has(code));
  if (unknown.length) throw new BadUserInputError(`Not coalition members: ${unknown.join(', ')}`);
  return uniqueSorted([...countries, ...named.map(normaliseNationCode)]).filter((code) => lookups.memberCodes.has(code));
}

/** An item's tag rows as stored, each list sorted. */
export async function readTagRows(manager: EntityManager, id: string): Promise<Pick<PreparedWrite, 'nations' | 'countries' | 'tags'>> {
  // One after the other: a transaction's connection runs one statement at a time.
  const nations = await manager.getRepository(ContentNation).find({ where: { contentId: id }, order: { nationCode: 'ASC' } });
  const countries = await manager.getRepository(ContentCountry).find({ where: { contentId: id }, order: { countryCode: 'ASC' } });
  const tags = await manager.getRepository(ContentTag).find({ where: { contentId: id }, order: { tag: 'ASC' } });
  return {
    nations: nations.map((row) => row.nationCode),
    countries: countries.map((row) => row.countryCode),
    tags: tags.map((row) => row.tag),
  };
}

/** Rewrites an item's tag rows; the nation rows carry copies of its type, status and date for the nation feeds. */
export async function writeTagRows(manager: EntityManager, item: Content, { nations, countries, tags }: Pick<PreparedWrite, 'nations' | 'countries' | 'tags'>): Promise<void> {
  await manager.delete(ContentNation, { contentId: item.id });
  await manager.delete(ContentCountry, { contentId: item.id });
  await manager.delete(ContentTag, { contentId: item.id });
  if (nations.length) {
    await manager.insert(
      ContentNation,
      nations.map((nationCode) => ({ contentId: item.id, nationCode, contentType: item.type, status: item.status, publishedAt: item.publishedAt })),
    );
  }
  if (countries.length) await manager.insert(ContentCountry, countries.map((countryCode) => ({ contentId: item.id, countryCode })));
  if (tags.length) await manager.insert(ContentTag, tags.map((tag) => ({ contentId: item.id, tag })));
}

export function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
