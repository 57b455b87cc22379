import type { DataSource, EntityManager } from 'typeorm';
import { v5 as uuidv5 } from 'uuid';
import { Campaign } from '../campaigns/campaign.entity';
import { upsertContent, type ContentItemInput, type UpsertOutcome } from '../connectors/content-upsert';
import { MemberNation, type NationKind } from '../member-nations/member-nation.entity';
import { nationCatalogue } from '../member-nations/nation-catalogue';
import { campaignCatalogue } from '../campaigns/campaign-catalogue';
import { ContentType } from '../shared/content/content-status';
import { Content } from '../shared/content/content.entity';
import content from './content.json';
import members from './members.json';

/** Namespace of the demo campaigns' ids, so that they are the same on every install. */
const DEMO_NAMESPACE = 'a4f0c6a2-7d5e-5b1c-8f3a-0e9d2c7b6a15';

/** What a load did, per kind of record. */
export type DemoSummary = Record<'nations' | 'campaigns' | 'content', Record<UpsertOutcome, number>>;

/** Field names shared by every item in `content.json`; the rest are the type's own columns. */
const COMMON = ['externalId', 'slug', 'title', 'summary', 'url', 'publishedAt', 'countries', 'nations', 'tags', 'campaign'];

const SECTIONS: [keyof typeof content, ContentType][] = [
  ['digestArticles', ContentType.DIGEST_ARTICLE],
  ['campaignStories', ContentType.CAMPAIGN_STORY],
  ['socialPosts', ContentType.SOCIAL_POST],
  ['stabilisationProjects', ContentType.STABILISATION_PROJECT],
];

/**
 * Loads the demo dataset (the 81 members of October 2019 and the items of the
 * coalition's front page of 10 October 2019) in one transaction. Idempotent:
 * loading twice changes nothing, and a partial load never remains.
 */
export async function loadDemoContent(db: DataSource, progress: (line: string) => void = () => {}): Promise<DemoSummary> {
  const summary = await db.transaction(async (manager) => {
    const summary: DemoSummary = { nations: tally(), campaigns: tally(), content: tally() };
    for (const member of members) summary.nations[await upsertNation(manager, member)]++;
    progress(`nations: ${describe(summary.nations)}`);
    for (const campaign of content.campaigns) summary.campaigns[await upsertCampaign(manager, campaign)]++;
    progress(`campaigns: ${describe(summary.campaigns)}`);
    for (const [section, type] of SECTIONS) {
      for (const item of content[section] as Record<string, unknown>[]) {
        const { outcome } = await upsertContent(manager, demoItem(type, item));
        summary.content[outcome]++;
      }
    }
    progress(`content: ${describe(summary.content)}`);
    return summary;
  });
  nationCatalogue(db).clear();
  campaignCatalogue(db).clear();
  return summary;
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
    url: (item.url as string | null) ?? null,
    publishedAt: new Date(item.publishedAt as string),
    countries: item.countries as string[],
    nations: item.nations as string[],
    tags: item.tags as string[],
    campaign: (item.campaign as string | null | undefined) ?? null,
    source: {
      name: content.source.name,
      externalId: item.externalId as string,
      url: content.source.url,
      fetchedAt: new Date(content.source.fetchedAt),
    },
    fields,
  };
}

async function upsertNation(manager: EntityManager, member: (typeof members)[number]): Promise<UpsertOutcome> {
  const repo = manager.getRepository(MemberNation);
  const values = { code: member.code, name: member.name, kind: member.kind as NationKind, region: member.region, joinedYear: member.joinedYear };
  const existing = await repo.findOneBy({ code: member.code });
  if (!existing) return (await repo.insert(values), 'created');
  if (Object.entries(values).every(([key, value]) => existing[key as keyof MemberNation] === value)) return 'unchanged';
  return (await repo.update({ code: member.code }, values), 'updated');
}

async function upsertCampaign(manager: EntityManager, campaign: (typeof content.campaigns)[number]): Promise<UpsertOutcome> {
  const repo = manager.getRepository(Campaign);
  const existing = await repo.findOneBy({ slug: campaign.slug });
  if (!existing) {
    await repo.insert(repo.create({ ...campaign, id: uuidv5(campaign.slug, DEMO_NAMESPACE) }));
    return 'created';
  }
  const { hashtag, title, summary } = campaign;
  if (existing.hashtag === hashtag && existing.title === title && existing.summary === summary) return 'unchanged';
  await repo.save(Object.assign(existing, { hashtag, title, summary }));
  return 'updated';
}

function tally(): Record<UpsertOutcome, number> {
  return { created: 0, updated: 0, unchanged: 0 };
}

function describe(counts: Record<UpsertOutcome, number>): string {
  return `${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged`;
}
