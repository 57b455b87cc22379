import type { DataSource } from 'typeorm';
import type { ContentItemInput } from '../../src/store/content-rows';
import { CLI_ACTOR, write } from '../../src/store/session';
import { upsertContent } from '../../src/store/upsert';
import { ContentStatus, ContentType } from '../../src/shared/content/content-status';

const TYPES = [ContentType.DIGEST_ARTICLE, ContentType.CAMPAIGN_STORY, ContentType.SOCIAL_POST, ContentType.STABILISATION_PROJECT];
const COUNTRIES = ['IRQ', 'SYR', 'GBR', 'USA', 'TUR', 'FRA'];

/** The type-specific fields a synthetic item of each type needs. */
function fieldsOf(type: ContentType, n: number): Record<string, unknown> {
  switch (type) {
    case ContentType.DIGEST_ARTICLE:
      return { outlet: 'Test Outlet', originalUrl: null };
    case ContentType.CAMPAIGN_STORY:
      return { places: [`Place ${n}`] };
    case ContentType.SOCIAL_POST:
      return { platform: 'TWITTER', authorHandle: 'Coalition', text: `Post ${n} #ThisGenerationLearns`, hashtags: n % 2 ? ['ThisGenerationLearns'] : [], mentions: [], links: [] };
    default:
      return { sector: 'education', phase: 'ONGOING', implementingPartner: null, place: null, countryCode: COUNTRIES[n % COUNTRIES.length], budgetUsd: null, startedOn: null, completedOn: null };
  }
}

/**
 * Inserts `count` synthetic items through the same upsert the connectors use,
 * one minute apart going back from `newest`, cycling through the four types,
 * six countries and (for stories and half the posts) the demo campaign.
 */
export async function insertItems(
  db: DataSource,
  count: number,
  options: { newest?: Date; prefix?: string; status?: ContentStatus } = {},
): Promise<string[]> {
  const newest = options.newest ?? new Date('2019-09-30T12:00:00Z');
  const prefix = options.prefix ?? 'synthetic';
  const items: ContentItemInput[] = [];
  for (let n = 0; n < count; n++) {
    const type = TYPES[n % TYPES.length];
    items.push({
      type,
      slug: `${prefix}-${n}`,
      title: `${prefix} item ${n}`,
      summary: `Synthetic item ${n} for tests.`,
      publishedAt: new Date(newest.getTime() - n * 60_000),
      status: options.status ?? ContentStatus.PUBLISHED,
      countries: [COUNTRIES[n % COUNTRIES.length], COUNTRIES[(n + 1) % COUNTRIES.length]],
      nations: n % 5 === 0 ? ['NATO'] : [],
      tags: [`tag-${n % 3}`],
      campaign: type === ContentType.CAMPAIGN_STORY ? 'this-generation-learns' : null,
      fields: fieldsOf(type, n),
    });
  }
  const results = await write(db, CLI_ACTOR, (session) => upsertContent(session, items));
  return results.map(({ id }) => id);
}

/**
 * Publishes one digest article through the connectors' upsert, with free-text
 * tags (a feed's categories: the editing API takes hyphenated words only); the
 * same slug again, with another title, updates it.
 */
export async function ingestTagged(db: DataSource, slug: string, tags: string[], title = `Tagged ${slug}`): Promise<void> {
  await write(db, CLI_ACTOR, (session) =>
    upsertContent(session, [
      {
        type: ContentType.DIGEST_ARTICLE,
        slug,
        title,
        summary: 'A summary.',
        publishedAt: new Date('2019-10-12T09:00:00Z'),
        status: ContentStatus.PUBLISHED,
        countries: [],
        tags,
        fields: { outlet: 'Wire', originalUrl: null },
      },
    ]),
  );
}
