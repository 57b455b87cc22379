import fs from 'node:fs';
import path from 'node:path';
import { post } from './measure';

/**
 * Q1–Q6, written once for each system and equivalent in the data they return,
 * with a normaliser per system that reduces a response to the same canonical
 * shape (row ids, titles, summaries, publication times, nation codes, campaign
 * slugs, whether there is a next page and whether every edge has a cursor), so
 * that the runner can check the systems return the same items before it times
 * anything. Each query selects what a real page shows: cursors and `pageInfo`,
 * dates and text, not only ids.
 *
 * The gateway's ids are base64url `Type:uuid`; PostGraphile's are base64 JSON
 * `["Content","uuid"]`: both normalise to the row's uuid. The floor
 * (`bench/floor.ts`) answers each query with one prepared statement and must
 * return exactly the gateway's `data` (same ids, cursors, order), which the
 * runner checks besides the normalised comparison.
 */

export type System = 'gateway' | 'postgraphile' | 'floor';
export const SYSTEMS: readonly System[] = ['gateway', 'postgraphile', 'floor'];

export type QueryName = 'Q1' | 'Q2' | 'Q3' | 'Q4' | 'Q5' | 'Q6';
export const QUERY_NAMES: readonly QueryName[] = ['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6'];

/** What a dataset provides for the queries' variables. */
export interface Fixtures {
  /** Member countries with the most published projects (Q2 cycles through them). */
  readonly nationCodes: readonly string[];
  /** Campaigns with at least 20 published stories (Q4 cycles through them). */
  readonly campaignSlugs: readonly string[];
  /** How many feed items Q5's cursor is past (10,000, or less on a small dataset). */
  readonly feedDepth: number;
  /** Q5's cursor in each system's own format, found by paging each one to `feedDepth` (the floor uses the gateway's). */
  readonly feedCursor: Readonly<Record<System, string>>;
}

export interface BenchQuery {
  readonly name: QueryName;
  readonly title: string;
  /** The document each system is sent; the floor is sent the query's name. */
  readonly text: Readonly<Record<System, string>>;
  /** Variables of the n-th request: Q2 and Q4 vary by request, the others are fixed. */
  variables(system: System, n: number): Record<string, unknown> | undefined;
  /** How many distinct variable sets `variables` cycles through (checked one by one before timing). */
  readonly variants: number;
  /** The response's data in a shape all systems share. */
  normalise(system: System, data: any): unknown;
  /** Whether a normalised result has what the query is for (so that an empty page cannot pass as equal). */
  hasShape(normalised: any): boolean;
}

/** The home page operation of `schema/operations/` (Q6), from the built `dist/bench/`. */
export const HOME_PAGE_FILE = path.resolve(__dirname, '../../schema/operations/home-page.graphql');

const STORY_OR_POST_CAMPAIGN = `... on CampaignStory { campaign { slug title } } ... on SocialPost { campaign { slug title } }`;
const PG_NATIONS = `memberNationsByContentNationContentIdAndNationCode(orderBy: [NAME_ASC]) { nodes { code name } }`;
const PG_NEWEST = `orderBy: [PUBLISHED_AT_DESC, ROW_ID_DESC]`;
const PAGE_INFO = `pageInfo { hasNextPage endCursor }`;

const GATEWAY_FEED_PAGE = `edges { cursor node { __typename id title summary publishedAt nations { code name } ${STORY_OR_POST_CAMPAIGN} } } ${PAGE_INFO}`;
const PG_FEED_PAGE = `edges { cursor node { type id title summary publishedAt ${PG_NATIONS} campaignByCampaignId { slug title } } } ${PAGE_INFO}`;

/** The row uuid inside either system's global id. */
export function rowIdOf(id: string): string {
  const gateway = Buffer.from(id, 'base64url').toString('utf8');
  const colon = gateway.indexOf(':');
  if (colon > 0 && /^[A-Za-z]+$/.test(gateway.slice(0, colon))) return gateway.slice(colon + 1);
  const parsed = JSON.parse(Buffer.from(id, 'base64').toString('utf8')) as unknown[];
  return String(parsed[1]);
}

/** Milliseconds since the epoch: the gateway's DateTime is ISO with a zone, PostGraphile's `timestamp` has none (UTC here). */
export function instantOf(text: string): number {
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
}

interface Nation {
  code: string;
  name: string;
}

const nations = (list: Nation[]) => list.map((n) => `${n.code} ${n.name}`);
const isGraphQLSide = (system: System) => system !== 'postgraphile';
const nationsOf = (system: System, node: any) => nations(isGraphQLSide(system) ? node.nations : node.memberNationsByContentNationContentIdAndNationCode.nodes);
const TYPE_NAMES: Record<string, string> = {
  DigestArticle: 'DIGEST_ARTICLE',
  CampaignStory: 'CAMPAIGN_STORY',
  SocialPost: 'SOCIAL_POST',
  StabilisationProject: 'STABILISATION_PROJECT',
};

/** A page's paging facts: whether there is more and whether every edge (and the page) carries a cursor. */
const paging = (connection: any) => ({
  hasNextPage: connection.pageInfo.hasNextPage,
  cursors: connection.edges.every((e: any) => typeof e.cursor === 'string' && e.cursor.length > 0) && typeof connection.pageInfo.endCursor === 'string',
});

const feedItems = (connection: any, system: System) => ({
  ...paging(connection),
  items: connection.edges.map(({ node }: any) => ({
    id: rowIdOf(node.id),
    type: isGraphQLSide(system) ? TYPE_NAMES[node.__typename] : node.type,
    title: node.title,
    summary: node.summary,
    publishedAt: instantOf(node.publishedAt),
    nations: nationsOf(system, node),
    campaign: (isGraphQLSide(system) ? node.campaign : node.campaignByCampaignId)?.slug ?? null,
  })),
});

export function makeQueries(fixtures: Fixtures): BenchQuery[] {
  const cycle = <T>(values: readonly T[], n: number): T => values[n % values.length];
  const home = fs.readFileSync(HOME_PAGE_FILE, 'utf8');
  return [
    {
      name: 'Q1',
      title: 'the newest 50 social posts with their nations (cursors, dates, summaries, page info)',
      text: {
        gateway: `query Q1 { socialPosts(first: 50) { edges { cursor node { id title summary publishedAt authorHandle nations { code name } } } ${PAGE_INFO} } }`,
        postgraphile: `query Q1 { allContents(condition: { type: "SOCIAL_POST", status: "PUBLISHED" }, ${PG_NEWEST}, first: 50) {
          edges { cursor node { id title summary publishedAt authorHandle ${PG_NATIONS} } } ${PAGE_INFO} } }`,
        floor: 'Q1',
      },
      variables: () => undefined,
      variants: 1,
      normalise: (system, data) => {
        const connection = system === 'postgraphile' ? data.allContents : data.socialPosts;
        return {
          ...paging(connection),
          items: connection.edges.map(({ node }: any) => ({
            id: rowIdOf(node.id),
            title: node.title,
            summary: node.summary,
            publishedAt: instantOf(node.publishedAt),
            authorHandle: node.authorHandle,
            nations: nationsOf(system, node),
          })),
        };
      },
      hasShape: (page) => page.items.length === 50 && page.cursors && page.items.some((item: any) => item.nations.length > 0),
    },
    {
      name: 'Q2',
      title: 'one nation (varying) with its 20 newest projects and 20 newest digest articles (cursors, dates, page info)',
      text: {
        gateway: `query Q2($code: String!) { memberNation(code: $code) { code name region
          stabilisationProjects(first: 20) { edges { cursor node { id title phase place publishedAt } } ${PAGE_INFO} }
          feed(first: 20, filter: { types: [DIGEST_ARTICLE] }) { edges { cursor node { id title summary publishedAt ... on DigestArticle { outlet } } } ${PAGE_INFO} } } }`,
        postgraphile: `query Q2($code: String!) { memberNationByCode(code: $code) { code name region
          contentsByCountryCode(condition: { type: "STABILISATION_PROJECT", status: "PUBLISHED" }, ${PG_NEWEST}, first: 20) {
            edges { cursor node { id title phase place publishedAt } } ${PAGE_INFO} }
          contentNationsByNationCode(condition: { contentType: "DIGEST_ARTICLE", status: "PUBLISHED" }, orderBy: [PUBLISHED_AT_DESC, CONTENT_ID_DESC], first: 20) {
            edges { cursor node { contentByContentId { id title summary publishedAt outlet } } } ${PAGE_INFO} } } }`,
        floor: 'Q2',
      },
      variables: (_system, n) => ({ code: cycle(fixtures.nationCodes, n) }),
      variants: fixtures.nationCodes.length,
      normalise: (system, data) => {
        const nation = system === 'postgraphile' ? data.memberNationByCode : data.memberNation;
        const project = (node: any) => ({ id: rowIdOf(node.id), title: node.title, phase: node.phase, place: node.place, publishedAt: instantOf(node.publishedAt) });
        const digest = (node: any) => ({ id: rowIdOf(node.id), title: node.title, summary: node.summary, publishedAt: instantOf(node.publishedAt), outlet: node.outlet });
        const projects = system === 'postgraphile' ? nation.contentsByCountryCode : nation.stabilisationProjects;
        const digests = system === 'postgraphile' ? nation.contentNationsByNationCode : nation.feed;
        return {
          code: nation.code,
          name: nation.name,
          region: nation.region,
          projects: { ...paging(projects), items: projects.edges.map((e: any) => project(e.node)) },
          digests: {
            ...paging(digests),
            items: digests.edges.map((e: any) => digest(system === 'postgraphile' ? e.node.contentByContentId : e.node)),
          },
        };
      },
      hasShape: (nation) => nation.projects.items.length > 0 && nation.digests.items.length > 0 && nation.projects.cursors && nation.digests.cursors,
    },
    {
      name: 'Q3',
      title: 'a 50-item page of the cross-type feed with nations and campaign (cursors, dates, summaries, page info)',
      text: {
        gateway: `query Q3 { feed(first: 50) { ${GATEWAY_FEED_PAGE} } }`,
        postgraphile: `query Q3 { allContents(condition: { status: "PUBLISHED" }, ${PG_NEWEST}, first: 50) { ${PG_FEED_PAGE} } }`,
        floor: 'Q3',
      },
      variables: () => undefined,
      variants: 1,
      normalise: (system, data) => feedItems(system === 'postgraphile' ? data.allContents : data.feed, system),
      hasShape: (page) =>
        page.items.length === 50 && page.cursors && page.items.some((item: any) => item.campaign) && page.items.some((item: any) => item.nations.length),
    },
    {
      name: 'Q4',
      title: 'a campaign (varying) with 20 stories, their nations and each nation’s 5 newest projects (cursors, dates, page info)',
      text: {
        gateway: `query Q4($slug: String!) { campaign(slug: $slug) { slug title hashtag stories(first: 20) { edges { cursor node { id title summary publishedAt
          nations { code name stabilisationProjects(first: 5) { edges { node { id title phase } } } } } } ${PAGE_INFO} } } }`,
        postgraphile: `query Q4($slug: String!) { allCampaigns(condition: { slug: $slug }, first: 1) { nodes { slug title hashtag
          contentsByCampaignId(condition: { type: "CAMPAIGN_STORY", status: "PUBLISHED" }, ${PG_NEWEST}, first: 20) { edges { cursor node { id title summary publishedAt
            memberNationsByContentNationContentIdAndNationCode(orderBy: [NAME_ASC]) { nodes { code name
              contentsByCountryCode(condition: { type: "STABILISATION_PROJECT", status: "PUBLISHED" }, ${PG_NEWEST}, first: 5) { edges { node { id title phase } } } } } } } ${PAGE_INFO} } } } }`,
        floor: 'Q4',
      },
      variables: (_system, n) => ({ slug: cycle(fixtures.campaignSlugs, n) }),
      variants: fixtures.campaignSlugs.length,
      normalise: (system, data) => {
        const campaign = system === 'postgraphile' ? data.allCampaigns.nodes[0] : data.campaign;
        const stories = system === 'postgraphile' ? campaign.contentsByCampaignId : campaign.stories;
        return {
          slug: campaign.slug,
          title: campaign.title,
          hashtag: campaign.hashtag,
          ...paging(stories),
          stories: stories.edges.map(({ node }: any) => ({
            id: rowIdOf(node.id),
            title: node.title,
            summary: node.summary,
            publishedAt: instantOf(node.publishedAt),
            nations: (system === 'postgraphile' ? node.memberNationsByContentNationContentIdAndNationCode.nodes : node.nations).map((n: any) => ({
              nation: `${n.code} ${n.name}`,
              projects: (system === 'postgraphile' ? n.contentsByCountryCode : n.stabilisationProjects).edges.map((e: any) => ({
                id: rowIdOf(e.node.id),
                title: e.node.title,
                phase: e.node.phase,
              })),
            })),
          })),
        };
      },
      hasShape: (campaign) =>
        campaign.stories.length === 20 && campaign.cursors && campaign.stories.some((story: any) => story.nations.some((nation: any) => nation.projects.length > 0)),
    },
    {
      name: 'Q5',
      title: `a 50-item feed page ${fixtures.feedDepth.toLocaleString('en-GB')} items deep (after a cursor; cursors, dates, summaries, page info)`,
      text: {
        gateway: `query Q5($after: String!) { feed(first: 50, after: $after) { ${GATEWAY_FEED_PAGE} } }`,
        postgraphile: `query Q5($after: Cursor!) { allContents(condition: { status: "PUBLISHED" }, ${PG_NEWEST}, first: 50, after: $after) { ${PG_FEED_PAGE} } }`,
        floor: 'Q5',
      },
      variables: (system) => ({ after: fixtures.feedCursor[system] }),
      variants: 1,
      normalise: (system, data) => feedItems(system === 'postgraphile' ? data.allContents : data.feed, system),
      hasShape: (page) => page.items.length === 50 && page.cursors,
    },
    {
      name: 'Q6',
      title: 'the home page operation of schema/operations/ (10 newest items of every type with their type’s fields, nations, campaign)',
      text: {
        gateway: home,
        postgraphile: `query HomePage { allContents(condition: { status: "PUBLISHED" }, ${PG_NEWEST}, first: 10) {
          edges { node { type id title summary publishedAt url ${PG_NATIONS}
            outlet originalUrl places campaignByCampaignId { slug title hashtag } platform authorHandle hashtags phase sector place implementingPartner } }
          ${PAGE_INFO} } }`,
        floor: 'Q6',
      },
      variables: () => undefined,
      variants: 1,
      normalise: (system, data) => {
        const connection = system === 'postgraphile' ? data.allContents : data.feed;
        const graphql = isGraphQLSide(system);
        const list = (value: unknown) => (graphql ? value : value === null || value === undefined ? undefined : JSON.parse(String(value)));
        return {
          hasNextPage: connection.pageInfo.hasNextPage,
          endCursor: typeof connection.pageInfo.endCursor === 'string',
          items: connection.edges.map(({ node }: any) => {
            const type = graphql ? TYPE_NAMES[node.__typename] : node.type;
            const campaign = graphql ? node.campaign : node.campaignByCampaignId;
            return {
              id: rowIdOf(node.id),
              type,
              title: node.title,
              summary: node.summary,
              publishedAt: instantOf(node.publishedAt),
              url: node.url,
              nations: nationsOf(system, node),
              ...(type === 'DIGEST_ARTICLE' ? { outlet: node.outlet, originalUrl: node.originalUrl } : {}),
              ...(type === 'CAMPAIGN_STORY' ? { places: list(node.places) ?? [], campaign: campaign ? `${campaign.slug} ${campaign.title} ${campaign.hashtag}` : null } : {}),
              ...(type === 'SOCIAL_POST'
                ? { platform: node.platform, authorHandle: node.authorHandle, hashtags: list(node.hashtags) ?? [], campaign: campaign ? `${campaign.slug} ${campaign.title}` : null }
                : {}),
              ...(type === 'STABILISATION_PROJECT' ? { phase: node.phase, sector: node.sector, place: node.place, implementingPartner: node.implementingPartner } : {}),
            };
          }),
        };
      },
      hasShape: (page) => page.items.length === 10 && page.endCursor && new Set(page.items.map((item: any) => item.type)).size > 1,
    },
  ];
}

/** One page of `first` feed cursors, to walk each system to Q5's depth (the floor shares the gateway's cursors). */
export const CURSOR_PAGE: Readonly<Record<'gateway' | 'postgraphile', string>> = {
  gateway: `query Page($after: String) { feed(first: 100, after: $after) { edges { node { id } } pageInfo { endCursor } } }`,
  postgraphile: `query Page($after: Cursor) { allContents(condition: { status: "PUBLISHED" }, ${PG_NEWEST}, first: 100, after: $after) {
    edges { node { id } } pageInfo { endCursor } } }`,
};

/** The ids and end cursor of a {@link CURSOR_PAGE} response. */
export function cursorPage(system: 'gateway' | 'postgraphile', data: any): { ids: string[]; endCursor: string } {
  const connection = system === 'gateway' ? data.feed : data.allContents;
  return { ids: connection.edges.map((e: any) => rowIdOf(e.node.id)), endCursor: connection.pageInfo.endCursor };
}

/** Pages a system's feed 100 items at a time to `depth` items: the row ids on the way, and its cursor there (Q5's). */
export async function pageFeed(system: 'gateway' | 'postgraphile', url: string, headers: Record<string, string>, depth: number): Promise<{ ids: string[]; endCursor: string }> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let seen = 0; seen < depth; seen += 100) {
    const page = cursorPage(system, (await post(url, headers, CURSOR_PAGE[system], { after })).data);
    if (page.ids.length !== 100) throw new Error(`the feed ended before ${depth} items on ${system}`);
    ids.push(...page.ids);
    after = page.endCursor;
  }
  return { ids, endCursor: after ?? '' };
}
