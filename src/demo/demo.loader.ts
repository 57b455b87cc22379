import type { DataSource } from 'typeorm';
import { v5 as uuidv5 } from 'uuid';
import { Campaign } from '../campaigns/campaign.entity';
import { MemberNation, type NationKind } from '../member-nations/member-nation.entity';
import { ContentType } from '../shared/content/content-status';
import { Content } from '../shared/content/content.entity';
import { ContentTranslation } from '../shared/content/content-translation.entity';
import type { Locale } from '../shared/content/locale';
import { SourceKind } from '../shared/content/source-kind';
import { createCampaign, createMemberNation, updateCampaign, updateMemberNation } from '../store/catalogue';
import type { ContentItemInput } from '../store/content-rows';
import { write, type Actor, type WriteSession } from '../store/session';
import { setTranslation, type TranslationFields } from '../store/translations';
import { sanitiseHtml } from '../text/text';
import { upsertContent, type UpsertOutcome } from '../store/upsert';
import content from './content.json';
import members from './members.json';

/** Namespace of the demo campaigns' ids, so that they are the same on every install. */
const DEMO_NAMESPACE = 'a4f0c6a2-7d5e-5b1c-8f3a-0e9d2c7b6a15';

/** How many records a load created, updated or left unchanged (and, for content, held for review because an editor changed them). */
export type LoadCounts = Record<Exclude<UpsertOutcome, 'held'>, number> & { held?: number };

/** What a load did, per kind of record. */
export type DemoSummary = Record<'nations' | 'campaigns' | 'content' | 'translations', LoadCounts>;

/** Field names shared by every item in `content.json`; the rest are the type's own columns. */
const COMMON = ['externalId', 'slug', 'title', 'summary', 'body', 'translations', 'url', 'publishedAt', 'countries', 'nations', 'tags', 'campaign'];

/** An item's Arabic and French versions in `content.json`, keyed by locale. */
type DemoTranslations = Partial<Record<Locale, TranslationFields>>;

const SECTIONS: [keyof typeof content, ContentType][] = [
  ['digestArticles', ContentType.DIGEST_ARTICLE],
  ['campaignStories', ContentType.CAMPAIGN_STORY],
  ['socialPosts', ContentType.SOCIAL_POST],
  ['stabilisationProjects', ContentType.STABILISATION_PROJECT],
];

/** The demo loader writes as this actor (audit log and change log). */
const DEMO_ACTOR: Actor = Object.freeze({ keyId: null, name: 'demo' });

/**
 * Loads the demo dataset (the 81 members of October 2019 and the items of the
 * coalition's front page of 10 October 2019) in one transaction, through the
 * one writer: its items are published with change-log entries, as any writer's
 * are. A few items come with Arabic and French versions, written as an
 * editor's translations are. Idempotent: loading twice changes nothing (no write, no entry), and a
 * partial load never remains.
 */
export async function loadDemoContent(db: DataSource, progress: (line: string) => void = () => {}): Promise<DemoSummary> {
  return write(db, DEMO_ACTOR, async (session) => {
    const summary: DemoSummary = { nations: tally(), campaigns: tally(), content: tally(), translations: tally() };
    for (const member of members) summary.nations[await upsertNation(session, member)]++;
    progress(`nations: ${describe(summary.nations)}`);
    for (const campaign of content.campaigns) summary.campaigns[await upsertCampaign(session, campaign)]++;
    progress(`campaigns: ${describe(summary.campaigns)}`);
    const records = SECTIONS.flatMap(([section, type]) => (content[section] as Record<string, unknown>[]).map((item) => ({ type, item })));
    const results = await upsertContent(session, records.map(({ type, item }) => demoItem(type, item)));
    for (const { outcome } of results) summary.content[outcome] = (summary.content[outcome] ?? 0) + 1;
    progress(`content: ${describe(summary.content)}`);
    for (const [n, { item }] of records.entries()) {
      const translations = (item.translations ?? {}) as DemoTranslations;
      for (const [locale, fields] of Object.entries(translations) as [Locale, TranslationFields][]) {
        summary.translations[await upsertTranslation(session, results[n].id, locale, fields)]++;
      }
    }
    progress(`translations: ${describe(summary.translations)}`);
    return summary;
  });
}

/** True when the database holds no nations and no content: the gateway's first start. */
export async function isDatabaseEmpty(db: DataSource): Promise<boolean> {
  const [nations, items] = await Promise.all([db.getRepository(MemberNation).count(), db.getRepository(Content).count()]);
  return nations === 0 && items === 0;
}

function demoItem(type: ContentType, item: Record<string, unknown>): ContentItemInput {
  const fields = Object.fromEntries(Object.entries(item).filter(([key]) => !COMMON.includes(key)));
  return {
    type,
    slug: item.slug as string,
    title: item.title as string,
    summary: item.summary as string,
    body: typeof item.body === 'string' ? sanitiseHtml(item.body) : null,
    url: (item.url as string | null) ?? null,
    publishedAt: new Date(item.publishedAt as string),
    countries: item.countries as string[],
    nations: item.nations as string[],
    tags: item.tags as string[],
    campaign: (item.campaign as string | null | undefined) ?? null,
    source: {
      name: content.source.name,
      externalId: item.externalId as string,
      kind: SourceKind.DEMO,
      url: content.source.url,
      fetchedAt: new Date(content.source.fetchedAt),
    },
    fields,
  };
}

async function upsertNation(session: WriteSession, member: (typeof members)[number]): Promise<Exclude<UpsertOutcome, 'held'>> {
  const values = { code: member.code, name: member.name, kind: member.kind as NationKind, region: member.region, joinedYear: member.joinedYear };
  const existing = await session.manager.getRepository(MemberNation).findOneBy({ code: member.code });
  if (!existing) return (await createMemberNation(session, values), 'created');
  if (Object.entries(values).every(([key, value]) => existing[key as keyof MemberNation] === value)) return 'unchanged';
  return (await updateMemberNation(session, member.code, values), 'updated');
}

async function upsertCampaign(session: WriteSession, campaign: (typeof content.campaigns)[number]): Promise<Exclude<UpsertOutcome, 'held'>> {
  const existing = await session.manager.getRepository(Campaign).findOneBy({ slug: campaign.slug });
  if (!existing) return (await createCampaign(session, campaign, uuidv5(campaign.slug, DEMO_NAMESPACE)), 'created');
  const { hashtag, title, summary } = campaign;
  if (existing.hashtag === hashtag && existing.title === title && existing.summary === summary) return 'unchanged';
  return (await updateCampaign(session, existing.id, null, { slug: existing.slug, hashtag, title, summary }), 'updated');
}

async function upsertTranslation(session: WriteSession, contentId: string, locale: Locale, given: TranslationFields): Promise<Exclude<UpsertOutcome, 'held'>> {
  const fields = { ...given, body: given.body ? sanitiseHtml(given.body) : null };
  const existing = await session.manager.getRepository(ContentTranslation).findOneBy({ contentId, locale });
  const same = (a: string | null | undefined, b: string | null | undefined) => (a ?? null) === (b ?? null);
  if (existing && same(existing.title, fields.title) && same(existing.summary, fields.summary) && same(existing.body, fields.body) && same(existing.place, fields.place)) return 'unchanged';
  await setTranslation(session, contentId, locale, existing?.version ?? null, fields);
  return existing ? 'updated' : 'created';
}

function tally(): LoadCounts {
  return { created: 0, updated: 0, unchanged: 0 };
}

function describe(counts: LoadCounts): string {
  return `${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged${counts.held ? `, ${counts.held} held for review` : ''}`;
}
