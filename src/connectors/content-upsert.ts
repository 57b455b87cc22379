import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { v5 as uuidv5 } from 'uuid';
import { CampaignStory } from '../campaigns/campaign-story.entity';
import { Campaign } from '../campaigns/campaign.entity';
import { DigestArticle } from '../digest-articles/digest-article.entity';
import { ContentNation } from '../member-nations/content-nation.entity';
import { MemberNation, normaliseNationCode } from '../member-nations/member-nation.entity';
import { ContentCountry } from '../shared/content/content-country.entity';
import { ContentStatus, ContentType } from '../shared/content/content-status';
import { ContentTag } from '../shared/content/content-tag.entity';
import { Content } from '../shared/content/content.entity';
import { BadUserInputError } from '../shared/errors';
import { SocialPost } from '../social-posts/social-post.entity';
import { StabilisationProject } from '../stabilisation-projects/stabilisation-project.entity';

/** Fixed namespace for ids derived from provenance, so an item keeps its id on every install. */
const PROVENANCE_NAMESPACE = '6f1c2d9e-3b57-5a0e-9c41-2f7d8e0b4a63';

const CLASSES: Record<ContentType, new () => Content> = {
  [ContentType.DIGEST_ARTICLE]: DigestArticle,
  [ContentType.CAMPAIGN_STORY]: CampaignStory,
  [ContentType.SOCIAL_POST]: SocialPost,
  [ContentType.STABILISATION_PROJECT]: StabilisationProject,
};

/** Provenance of an imported item: unique per (name, externalId). */
export interface SourceInput {
  readonly name: string;
  readonly externalId: string;
  readonly url?: string | null;
  readonly fetchedAt?: Date | null;
}

/** One content item as a connector or the demo loader hands it over. */
export interface ContentItemInput {
  readonly type: ContentType;
  readonly slug: string;
  readonly title: string;
  readonly summary: string;
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

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Inserts an item, or updates the one with the same provenance (or, without
 * provenance, the same type and slug), together with its nation, country and
 * tag rows. Idempotent: the same input twice writes nothing the second time.
 * Run it inside a transaction (`db.transaction(manager => …)`).
 */
export async function upsertContent(manager: EntityManager, input: ContentItemInput): Promise<{ id: string; outcome: UpsertOutcome }> {
  const target = CLASSES[input.type];
  const values = await columnValues(manager, input);
  const countries = uniqueSorted(input.countries.map((code) => code.toUpperCase()));
  const tags = uniqueSorted((input.tags ?? []).map((tag) => tag.toLowerCase()));
  const nations = await nationCodes(manager, countries, input.nations ?? []);

  const existing = await manager.getRepository(Content).findOne({
    where: input.source
      ? { sourceName: input.source.name, sourceExternalId: input.source.externalId }
      : { type: input.type, slug: input.slug },
  });
  if (existing) {
    if (existing.type !== input.type) {
      throw new BadUserInputError(`${input.source?.externalId ?? input.slug} is already stored as a ${existing.type}`);
    }
    const sameRows = await tagRowsEqual(manager, existing.id, nations, countries, tags);
    if (sameRows && columnsEqual(existing, values)) return { id: existing.id, outcome: 'unchanged' };
    await manager.getRepository(target).save(Object.assign(existing, values));
    await writeTagRows(manager, existing, nations, countries, tags);
    return { id: existing.id, outcome: 'updated' };
  }

  const id = input.source ? uuidv5(`${input.source.name}\u0000${input.source.externalId}`, PROVENANCE_NAMESPACE) : randomUUID();
  const item = manager.getRepository(target).create({ ...values, id } as Partial<Content>);
  await manager.getRepository(target).insert(item);
  await writeTagRows(manager, item, nations, countries, tags);
  return { id, outcome: 'created' };
}

async function columnValues(manager: EntityManager, input: ContentItemInput): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {
    type: input.type,
    slug: input.slug,
    title: input.title,
    summary: input.summary,
    url: input.url ?? null,
    status: input.status ?? ContentStatus.PUBLISHED,
    publishedAt: input.publishedAt,
    sourceName: input.source?.name ?? null,
    sourceExternalId: input.source?.externalId ?? null,
    sourceUrl: input.source?.url ?? null,
    sourceFetchedAt: input.source?.fetchedAt ?? null,
    campaignId: await campaignIdOf(manager, input),
    ...input.fields,
  };
  if (input.type === ContentType.STABILISATION_PROJECT && typeof values.countryCode === 'string') {
    values.countryCode = values.countryCode.toUpperCase();
  }
  return values;
}

/** A story names its campaign; a post belongs to the campaign whose hashtag it uses. */
async function campaignIdOf(manager: EntityManager, input: ContentItemInput): Promise<string | null> {
  if (input.type === ContentType.CAMPAIGN_STORY && input.campaign) {
    const campaign = await manager.getRepository(Campaign).findOneBy({ slug: input.campaign });
    if (!campaign) throw new BadUserInputError(`Unknown campaign "${input.campaign}"`);
    return campaign.id;
  }
  if (input.type === ContentType.SOCIAL_POST) {
    const hashtags = ((input.fields.hashtags as string[] | undefined) ?? []).map((tag) => tag.toLowerCase());
    if (hashtags.length === 0) return null;
    const campaign = await manager
      .getRepository(Campaign)
      .createQueryBuilder('k')
      .where('LOWER(k.hashtag) IN (:...hashtags)', { hashtags })
      .orderBy('k.slug')
      .getOne();
    return campaign?.id ?? null;
  }
  return null;
}

/** Members among the countries, plus the named members; an unknown named member is an error. */
async function nationCodes(manager: EntityManager, countries: string[], named: readonly string[]): Promise<string[]> {
  const wanted = uniqueSorted([...countries, ...named.map(normaliseNationCode)]);
  if (wanted.length === 0) return [];
  const found = new Set((await manager.getRepository(MemberNation).findBy({ code: In(wanted) })).map((n) => n.code));
  const unknown = named.map(normaliseNationCode).filter((code) => !found.has(code));
  if (unknown.length) throw new BadUserInputError(`Not coalition members: ${unknown.join(', ')}`);
  return wanted.filter((code) => found.has(code));
}

async function tagRowsEqual(manager: EntityManager, id: string, nations: string[], countries: string[], tags: string[]): Promise<boolean> {
  const [n, c, t] = await Promise.all([
    manager.getRepository(ContentNation).find({ where: { contentId: id }, order: { nationCode: 'ASC' } }),
    manager.getRepository(ContentCountry).find({ where: { contentId: id }, order: { countryCode: 'ASC' } }),
    manager.getRepository(ContentTag).find({ where: { contentId: id }, order: { tag: 'ASC' } }),
  ]);
  return (
    sameList(n.map((row) => row.nationCode), nations) &&
    sameList(c.map((row) => row.countryCode), countries) &&
    sameList(t.map((row) => row.tag), tags)
  );
}

/** Rewrites an item's tag rows; the nation rows carry copies of its type, status and date for the nation feeds. */
async function writeTagRows(manager: EntityManager, item: Content, nations: string[], countries: string[], tags: string[]): Promise<void> {
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

function columnsEqual(existing: Content, values: Record<string, unknown>): boolean {
  return Object.entries(values).every(([key, value]) => sameValue((existing as unknown as Record<string, unknown>)[key], value));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
  return (a ?? null) === (b ?? null);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
