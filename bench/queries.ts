/**
 * Q1–Q5, written once for each system and equivalent in the data they return,
 * with a normaliser per system that reduces a response to the same canonical
 * shape (row ids, titles, nation codes, campaign slugs), so that the runner can
 * check both systems return the same items before it times anything.
 *
 * The gateway's ids are base64url `Type:uuid`; PostGraphile's are base64 JSON
 * `["Content","uuid"]`: both normalise to the row's uuid.
 */

export type System = 'gateway' | 'postgraphile';
export const SYSTEMS: readonly System[] = ['gateway', 'postgraphile'];

export type QueryName = 'Q1' | 'Q2' | 'Q3' | 'Q4' | 'Q5';
export const QUERY_NAMES: readonly QueryName[] = ['Q1', 'Q2', 'Q3', 'Q4', 'Q5'];

/** What a dataset provides for the queries' variables. */
export interface Fixtures {
  /** Member countries with the most published projects (Q2 cycles through them). */
  readonly nationCodes: readonly string[];
  /** Campaigns with at least 20 published stories (Q4 cycles through them). */
  readonly campaignSlugs: readonly string[];
  /** How many feed items Q5's cursor is past (10,000, or less on a small dataset). */
  readonly feedDepth: number;
  /** Q5's cursor in each system's own format, found by paging each one to `feedDepth`. */
  readonly feedCursor: Readonly<Record<System, string>>;
}

export interface BenchQuery {
  readonly name: QueryName;
  readonly title: string;
  readonly text: Readonly<Record<System, string>>;
  /** Variables of the n-th request: Q2 and Q4 vary by request, the others are fixed. */
  variables(system: System, n: number): Record<string, unknown> | undefined;
  /** How many distinct variable sets `variables` cycles through (checked one by one before timing). */
  readonly variants: number;
  /** The response's data in a shape both systems share. */
  normalise(system: System, data: any): unknown;
  /** Whether a normalised result has what the query is for (so that an empty page cannot pass as equal). */
  hasShape(normalised: any): boolean;
}

const STORY_OR_POST_CAMPAIGN = `... on CampaignStory { campaign { slug title } } ... on SocialPost { campaign { slug title } }`;
const PG_NATIONS = `memberNationsByContentNationContentIdAndNationCode(orderBy: [NAME_ASC]) { nodes { code name } }`;
const PG_NEWEST = `orderBy: [PUBLISHED_AT_DESC, ROW_ID_DESC]`;

const GATEWAY_FEED_PAGE = `edges { node { id title nations { code name } ${STORY_OR_POST_CAMPAIGN} } }`;
const PG_FEED_PAGE = `edges { node { id title ${PG_NATIONS} campaignByCampaignId { slug title } } }`;

/** The row uuid inside either system's global id. */
export function rowIdOf(id: string): string {
  const gateway = Buffer.from(id, 'base64url').toString('utf8');
  const colon = gateway.indexOf(':');
  if (colon > 0 && /^[A-Za-z]+$/.test(gateway.slice(0, colon))) return gateway.slice(colon + 1);
  const parsed = JSON.parse(Buffer.from(id, 'base64').toString('utf8')) as unknown[];
  return String(parsed[1]);
}

interface Nation {
  code: string;
  name: string;
}

const nations = (list: Nation[]) => list.map((n) => `${n.code} ${n.name}`);
const feedItems = (edges: any[], system: System) =>
  edges.map(({ node }) => ({
    id: rowIdOf(node.id),
    title: node.title,
    nations: nations(system === 'gateway' ? node.nations : node.memberNationsByContentNationContentIdAndNationCode.nodes),
    campaign: (system === 'gateway' ? node.campaign : node.campaignByCampaignId)?.slug ?? null,
  }));

export function makeQueries(fixtures: Fixtures): BenchQuery[] {
  const cycle = <T>(values: readonly T[], n: number): T => values[n % values.length];
  return [
    {
      name: 'Q1',
      title: 'the newest 50 social posts with their nations',
      text: {
        gateway: `query Q1 { socialPosts(first: 50) { edges { node { id title nations { code name } } } } }`,
        postgraphile: `query Q1 { allContents(condition: { type: "SOCIAL_POST", status: "PUBLISHED" }, ${PG_NEWEST}, first: 50) {
          edges { node { id title ${PG_NATIONS} } } } }`,
      },
      variables: () => undefined,
      variants: 1,
      normalise: (system, data) =>
        (system === 'gateway' ? data.socialPosts : data.allContents).edges.map(({ node }: any) => ({
          id: rowIdOf(node.id),
          title: node.title,
          nations: nations(system === 'gateway' ? node.nations : node.memberNationsByContentNationContentIdAndNationCode.nodes),
        })),
      hasShape: (items) => items.length === 50 && items.some((item: any) => item.nations.length > 0),
    },
    {
      name: 'Q2',
      title: 'one nation (varying) with its 20 newest projects and 20 newest digest articles',
      text: {
        gateway: `query Q2($code: String!) { memberNation(code: $code) { name
          stabilisationProjects(first: 20) { edges { node { id title } } }
          feed(first: 20, filter: { types: [DIGEST_ARTICLE] }) { edges { node { id title } } } } }`,
        postgraphile: `query Q2($code: String!) { memberNationByCode(code: $code) { name
          contentsByCountryCode(condition: { type: "STABILISATION_PROJECT", status: "PUBLISHED" }, ${PG_NEWEST}, first: 20) { edges { node { id title } } }
          contentNationsByNationCode(condition: { contentType: "DIGEST_ARTICLE", status: "PUBLISHED" }, orderBy: [PUBLISHED_AT_DESC, CONTENT_ID_DESC], first: 20) {
            edges { node { contentByContentId { id title } } } } } }`,
      },
      variables: (_system, n) => ({ code: cycle(fixtures.nationCodes, n) }),
      variants: fixtures.nationCodes.length,
      normalise: (system, data) => {
        const nation = system === 'gateway' ? data.memberNation : data.memberNationByCode;
        const item = (node: any) => ({ id: rowIdOf(node.id), title: node.title });
        return system === 'gateway'
          ? {
              name: nation.name,
              projects: nation.stabilisationProjects.edges.map((e: any) => item(e.node)),
              digests: nation.feed.edges.map((e: any) => item(e.node)),
            }
          : {
              name: nation.name,
              projects: nation.contentsByCountryCode.edges.map((e: any) => item(e.node)),
              digests: nation.contentNationsByNationCode.edges.map((e: any) => item(e.node.contentByContentId)),
            };
      },
      hasShape: (nation) => nation.projects.length > 0 && nation.digests.length > 0,
    },
    {
      name: 'Q3',
      title: 'a 50-item page of the cross-type feed with nations and campaign',
      text: {
        gateway: `query Q3 { feed(first: 50) { ${GATEWAY_FEED_PAGE} } }`,
        postgraphile: `query Q3 { allContents(condition: { status: "PUBLISHED" }, ${PG_NEWEST}, first: 50) { ${PG_FEED_PAGE} } }`,
      },
      variables: () => undefined,
      variants: 1,
      normalise: (system, data) => feedItems((system === 'gateway' ? data.feed : data.allContents).edges, system),
      hasShape: (items) => items.length === 50 && items.some((item: any) => item.campaign) && items.some((item: any) => item.nations.length),
    },
    {
      name: 'Q4',
      title: 'a campaign (varying) with 20 stories, their nations and each nation’s 5 newest projects',
      text: {
        gateway: `query Q4($slug: String!) { campaign(slug: $slug) { stories(first: 20) { edges { node { title
          nations { code name stabilisationProjects(first: 5) { edges { node { title } } } } } } } } }`,
        postgraphile: `query Q4($slug: String!) { allCampaigns(condition: { slug: $slug }, first: 1) { nodes {
          contentsByCampaignId(condition: { type: "CAMPAIGN_STORY", status: "PUBLISHED" }, ${PG_NEWEST}, first: 20) { edges { node { title
            memberNationsByContentNationContentIdAndNationCode(orderBy: [NAME_ASC]) { nodes { code name
              contentsByCountryCode(condition: { type: "STABILISATION_PROJECT", status: "PUBLISHED" }, ${PG_NEWEST}, first: 5) { edges { node { title } } } } } } } } } } }`,
      },
      variables: (_system, n) => ({ slug: cycle(fixtures.campaignSlugs, n) }),
      variants: fixtures.campaignSlugs.length,
      normalise: (system, data) => {
        const stories = system === 'gateway' ? data.campaign.stories.edges : data.allCampaigns.nodes[0].contentsByCampaignId.edges;
        return stories.map(({ node }: any) => ({
          title: node.title,
          nations: (system === 'gateway' ? node.nations : node.memberNationsByContentNationContentIdAndNationCode.nodes).map((n: any) => ({
            nation: `${n.code} ${n.name}`,
            projects: (system === 'gateway' ? n.stabilisationProjects : n.contentsByCountryCode).edges.map((e: any) => e.node.title),
          })),
        }));
      },
      hasShape: (stories) =>
        stories.length === 20 && stories.some((story: any) => story.nations.some((nation: any) => nation.projects.length > 0)),
    },
    {
      name: 'Q5',
      title: `a 50-item feed page ${fixtures.feedDepth.toLocaleString('en-GB')} items deep (after a cursor)`,
      text: {
        gateway: `query Q5($after: String!) { feed(first: 50, after: $after) { ${GATEWAY_FEED_PAGE} } }`,
        postgraphile: `query Q5($after: Cursor!) { allContents(condition: { status: "PUBLISHED" }, ${PG_NEWEST}, first: 50, after: $after) { ${PG_FEED_PAGE} } }`,
      },
      variables: (system) => ({ after: fixtures.feedCursor[system] }),
      variants: 1,
      normalise: (system, data) => feedItems((system === 'gateway' ? data.feed : data.allContents).edges, system),
      hasShape: (items) => items.length === 50,
    },
  ];
}

/** One page of `first` feed cursors, to walk each system to Q5's depth. */
export const CURSOR_PAGE: Readonly<Record<System, string>> = {
  gateway: `query Page($after: String) { feed(first: 100, after: $after) { edges { node { id } } pageInfo { endCursor } } }`,
  postgraphile: `query Page($after: Cursor) { allContents(condition: { status: "PUBLISHED" }, ${PG_NEWEST}, first: 100, after: $after) {
    edges { node { id } } pageInfo { endCursor } } }`,
};

/** The ids and end cursor of a {@link CURSOR_PAGE} response. */
export function cursorPage(system: System, data: any): { ids: string[]; endCursor: string } {
  const connection = system === 'gateway' ? data.feed : data.allContents;
  return { ids: connection.edges.map((e: any) => rowIdOf(e.node.id)), endCursor: connection.pageInfo.endCursor };
}
