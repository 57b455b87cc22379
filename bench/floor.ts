/**
 * The raw-SQL floor: what Q1–Q6 cost with no GraphQL at all. A bare
 * `node:http` server over `pg` (a pool of 10, like the gateway's) that answers
 * each query with one hand-written prepared statement and builds exactly the
 * gateway's JSON (`{"data": …}`, same ids, cursors, dates, key order), with
 * members and campaigns from in-memory catalogues as the gateway keeps them.
 * No authentication, limits, logging or metrics: a lower bound, not a server
 * anyone should run. Run as a child process by `bench/run.ts`
 * (`node dist/bench/floor.js`, with `DATABASE_URL`, `PORT`, `TZ=UTC`).
 *
 * Requests: `POST /graphql` with `{"query": "Q1" … "Q6", "variables": {…}}`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, type QueryResultRow } from 'pg';
import { runStandalone } from './servers';

interface Nation {
  readonly code: string;
  readonly name: string;
  readonly region: string | null;
}

interface Campaign {
  readonly id: string;
  readonly slug: string;
  readonly title: string;
  readonly hashtag: string;
}

const NEWEST = 'ORDER BY c.published_at DESC, c.id DESC';
const NATION_CODES = `(SELECT string_agg(t.nation_code, ',') FROM content_nation t WHERE t.content_id = c.id) AS nations`;

/**
 * One prepared statement per query (the name makes `pg` prepare it once per
 * connection), written to plan once: the page size is part of the text, and a
 * key that picks the rows is a parameter behind `(SELECT $1::type)`. With
 * `LIMIT $1`, or a key compared straight to `$1`, PostgreSQL plans each
 * execution afresh (a custom plan), which here cost the database more per
 * request than the gateway's own statements (measured with the backend's CPU
 * time over 3,000 executions at 1M items: Q1 303 → 187 µs, Q3 263 → 160 µs,
 * Q2 377 → 130 µs). The gateway writes its keys the same way (`content.query.ts`).
 */
const SQL = {
  Q1: `SELECT c.id, c.title, c.summary, c.published_at, c.author_handle, ${NATION_CODES}
       FROM content c WHERE c.type = 'SOCIAL_POST' AND c.status = 'PUBLISHED' ${NEWEST} LIMIT 51`,
  Q2: `(SELECT 'p' AS branch, c.id, c.title, c.phase, c.place, c.published_at, NULL::text AS summary, NULL::text AS outlet
        FROM content c WHERE c.country_code = (SELECT $1::text) AND c.type = 'STABILISATION_PROJECT' AND c.status = 'PUBLISHED' ${NEWEST} LIMIT 21)
       UNION ALL
       (SELECT 'd', c.id, c.title, NULL, NULL, cn.published_at, c.summary, c.outlet
        FROM content_nation cn JOIN content c ON c.id = cn.content_id
        WHERE cn.nation_code = (SELECT $1::text) AND cn.content_type = 'DIGEST_ARTICLE' AND cn.status = 'PUBLISHED'
        ORDER BY cn.published_at DESC, cn.content_id DESC LIMIT 21)`,
  FEED: `SELECT c.id, c.type, c.title, c.summary, c.published_at, c.campaign_id, ${NATION_CODES}
         FROM content c WHERE c.status = 'PUBLISHED' ${NEWEST} LIMIT 51`,
  FEED_AFTER: `SELECT c.id, c.type, c.title, c.summary, c.published_at, c.campaign_id, ${NATION_CODES}
         FROM content c WHERE c.status = 'PUBLISHED' AND (c.published_at, c.id) < ((SELECT $1::timestamp), (SELECT $2::uuid)) ${NEWEST} LIMIT 51`,
  Q4: `WITH s AS (
         SELECT c.id, c.title, c.summary, c.published_at, ${NATION_CODES}
         FROM content c WHERE c.campaign_id = (SELECT $1::uuid) AND c.type = 'CAMPAIGN_STORY' AND c.status = 'PUBLISHED' ${NEWEST} LIMIT 21)
       SELECT 's' AS branch, s.id, s.title, s.summary, s.published_at, s.nations, NULL::text AS phase FROM s
       UNION ALL
       SELECT 'p', p.id, p.title, NULL, NULL, n.code, p.phase
       FROM (SELECT DISTINCT t.nation_code AS code FROM content_nation t WHERE t.content_id IN (SELECT id FROM s)) n
       CROSS JOIN LATERAL (SELECT c.id, c.title, c.phase FROM content c
         WHERE c.country_code = n.code AND c.type = 'STABILISATION_PROJECT' AND c.status = 'PUBLISHED' ${NEWEST} LIMIT 5) p`,
  /** The home page's `first` (10 unless a request says otherwise) is written into the text: a statement per page size. */
  Q6: (limit: number) => `SELECT c.id, c.type, c.title, c.summary, c.published_at, c.url, c.campaign_id, ${NATION_CODES},
         c.outlet, c.original_url, c.places, c.platform, c.author_handle, c.hashtags, c.phase, c.sector, c.place, c.implementing_partner
       FROM content c WHERE c.status = 'PUBLISHED' ${NEWEST} LIMIT ${limit}`,
} as const;

const TYPE_NAMES: Record<string, string> = {
  DIGEST_ARTICLE: 'DigestArticle',
  CAMPAIGN_STORY: 'CampaignStory',
  SOCIAL_POST: 'SocialPost',
  STABILISATION_PROJECT: 'StabilisationProject',
};

/** The gateway's global id: base64url of `Type:uuid`. */
const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
/** The gateway's keyset cursor: base64url of `k1:` and the JSON of [publishedAt, id]. */
const cursor = (publishedAt: Date, id: string) => Buffer.from(`k1:${JSON.stringify([publishedAt.toISOString(), id])}`, 'utf8').toString('base64url');

function decodeCursor(text: string): [string, string] {
  const plain = Buffer.from(text, 'base64url').toString('utf8');
  if (!plain.startsWith('k1:')) throw new Error('not a cursor');
  const [at, id] = JSON.parse(plain.slice(3)) as [string, string];
  // `timestamp without time zone` holds UTC: send it without the zone.
  return [at.replace(/Z$/, ''), id];
}

export class Floor {
  private nations = new Map<string, Nation>();
  private campaigns = new Map<string, Campaign>();
  private campaignsBySlug = new Map<string, Campaign>();

  constructor(readonly pool: Pool) {}

  /** Loads the catalogues (81 members, a few dozen campaigns), as the gateway does at start-up. */
  async start(): Promise<void> {
    const nations = await this.pool.query<Nation>('SELECT code, name, region FROM member_nation');
    for (const nation of nations.rows) this.nations.set(nation.code, nation);
    const campaigns = await this.pool.query<Campaign>('SELECT id, slug, title, hashtag FROM campaign');
    for (const campaign of campaigns.rows) {
      this.campaigns.set(campaign.id, campaign);
      this.campaignsBySlug.set(campaign.slug, campaign);
    }
  }

  private run<R extends QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[]> {
    return this.pool.query<R>({ name, text, values }).then((result) => result.rows);
  }

  /** Member nations of a comma-separated code list, by name as the gateway sorts them. */
  private nationsOf(codes: string | null): Nation[] {
    if (!codes) return [];
    const list: Nation[] = [];
    for (const code of codes.split(',')) {
      const nation = this.nations.get(code);
      if (nation) list.push(nation);
    }
    return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private codeName = (codes: string | null) => this.nationsOf(codes).map(({ code, name }) => ({ code, name }));

  /** Answers one query: the `data` object the gateway would send. */
  async answer(query: string, variables: Record<string, any>): Promise<unknown> {
    switch (query) {
      case 'Q1': {
        const rows = await this.run<any>('Q1', SQL.Q1, []);
        const page = rows.slice(0, 50);
        const edges = page.map((row) => ({
          cursor: cursor(row.published_at, row.id),
          node: {
            id: globalId('SocialPost', row.id),
            title: row.title,
            summary: row.summary,
            publishedAt: row.published_at.toISOString(),
            authorHandle: row.author_handle,
            nations: this.codeName(row.nations),
          },
        }));
        return { socialPosts: { edges, pageInfo: { hasNextPage: rows.length > 50, endCursor: edges.at(-1)?.cursor ?? null } } };
      }
      case 'Q2': {
        const nation = this.nations.get(String(variables.code).toUpperCase());
        if (!nation) return { memberNation: null };
        const rows = await this.run<any>('Q2', SQL.Q2, [nation.code]);
        const projects = rows.filter((row) => row.branch === 'p');
        const digests = rows.filter((row) => row.branch === 'd');
        const projectEdges = projects.slice(0, 20).map((row) => ({
          cursor: cursor(row.published_at, row.id),
          node: { id: globalId('StabilisationProject', row.id), title: row.title, phase: row.phase, place: row.place, publishedAt: row.published_at.toISOString() },
        }));
        const digestEdges = digests.slice(0, 20).map((row) => ({
          cursor: cursor(row.published_at, row.id),
          node: { id: globalId('DigestArticle', row.id), title: row.title, summary: row.summary, publishedAt: row.published_at.toISOString(), outlet: row.outlet },
        }));
        return {
          memberNation: {
            code: nation.code,
            name: nation.name,
            region: nation.region,
            stabilisationProjects: { edges: projectEdges, pageInfo: { hasNextPage: projects.length > 20, endCursor: projectEdges.at(-1)?.cursor ?? null } },
            feed: { edges: digestEdges, pageInfo: { hasNextPage: digests.length > 20, endCursor: digestEdges.at(-1)?.cursor ?? null } },
          },
        };
      }
      case 'Q3':
      case 'Q5': {
        const rows =
          query === 'Q3'
            ? await this.run<any>('FEED', SQL.FEED, [])
            : await this.run<any>('FEED_AFTER', SQL.FEED_AFTER, decodeCursor(String(variables.after)));
        const edges = rows.slice(0, 50).map((row) => {
          const type = TYPE_NAMES[row.type];
          const node: Record<string, unknown> = {
            __typename: type,
            id: globalId(type, row.id),
            title: row.title,
            summary: row.summary,
            publishedAt: row.published_at.toISOString(),
            nations: this.codeName(row.nations),
          };
          if (type === 'CampaignStory' || type === 'SocialPost') {
            const campaign = row.campaign_id ? this.campaigns.get(row.campaign_id) : undefined;
            node.campaign = campaign ? { slug: campaign.slug, title: campaign.title } : null;
          }
          return { cursor: cursor(row.published_at, row.id), node };
        });
        return { feed: { edges, pageInfo: { hasNextPage: rows.length > 50, endCursor: edges.at(-1)?.cursor ?? null } } };
      }
      case 'Q4': {
        const campaign = this.campaignsBySlug.get(String(variables.slug));
        if (!campaign) return { campaign: null };
        const rows = await this.run<any>('Q4', SQL.Q4, [campaign.id]);
        const stories = rows.filter((row) => row.branch === 's');
        const projects = new Map<string, { node: { id: string; title: string; phase: string } }[]>();
        for (const row of rows) {
          if (row.branch !== 'p') continue;
          let list = projects.get(row.nations);
          if (!list) projects.set(row.nations, (list = []));
          list.push({ node: { id: globalId('StabilisationProject', row.id), title: row.title, phase: row.phase } });
        }
        const edges = stories.slice(0, 20).map((row) => ({
          cursor: cursor(row.published_at, row.id),
          node: {
            id: globalId('CampaignStory', row.id),
            title: row.title,
            summary: row.summary,
            publishedAt: row.published_at.toISOString(),
            nations: this.nationsOf(row.nations).map(({ code, name }) => ({ code, name, stabilisationProjects: { edges: projects.get(code) ?? [] } })),
          },
        }));
        return {
          campaign: {
            slug: campaign.slug,
            title: campaign.title,
            hashtag: campaign.hashtag,
            stories: { edges, pageInfo: { hasNextPage: stories.length > 20, endCursor: edges.at(-1)?.cursor ?? null } },
          },
        };
      }
      case 'Q6': {
        const first = Number(variables.first ?? 10);
        if (!Number.isInteger(first) || first < 0 || first > 100) throw new Error('first must be 0 to 100');
        const rows = await this.run<any>(`Q6_${first + 1}`, SQL.Q6(first + 1), []);
        const page = rows.slice(0, first);
        const edges = page.map((row) => {
          const type = TYPE_NAMES[row.type];
          const node: Record<string, unknown> = {
            __typename: type,
            id: globalId(type, row.id),
            title: row.title,
            summary: row.summary,
            publishedAt: row.published_at.toISOString(),
            url: row.url,
            nations: this.codeName(row.nations),
          };
          const campaign = row.campaign_id ? this.campaigns.get(row.campaign_id) : undefined;
          if (type === 'DigestArticle') Object.assign(node, { outlet: row.outlet, originalUrl: row.original_url });
          else if (type === 'CampaignStory') {
            Object.assign(node, { places: row.places ? JSON.parse(row.places) : [], campaign: campaign ? { slug: campaign.slug, title: campaign.title, hashtag: campaign.hashtag } : null });
          } else if (type === 'SocialPost') {
            Object.assign(node, {
              platform: row.platform,
              authorHandle: row.author_handle,
              hashtags: row.hashtags ? JSON.parse(row.hashtags) : [],
              campaign: campaign ? { slug: campaign.slug, title: campaign.title } : null,
            });
          } else Object.assign(node, { phase: row.phase, sector: row.sector, place: row.place, implementingPartner: row.implementing_partner });
          return { node };
        });
        const last = page.at(-1);
        return { feed: { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: last ? cursor(last.published_at, last.id) : null } } };
      }
      default:
        throw new Error(`unknown query ${query}`);
    }
  }
}

/** Serves the floor at `/graphql`; `given`, a pool (the benchmark's recording pool), replaces its own and is then the caller's to end. */
export async function startFloor(connectionString: string, port: number, host = '127.0.0.1', given?: Pool): Promise<{ url: string; close(): Promise<void> }> {
  const pool = given ?? new Pool({ connectionString, max: 10 });
  const floor = new Floor(pool);
  await floor.start();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: { query?: string; variables?: Record<string, unknown> };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return void res.writeHead(400).end();
      }
      floor.answer(String(body.query), body.variables ?? {}).then(
        (data) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ data }) + '\n'),
        (error: unknown) =>
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ errors: [{ message: String((error as Error)?.message ?? error) }] })),
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/graphql`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (!given) await pool.end();
    },
  };
}

if (require.main === module) runStandalone('floor', 'The floor', startFloor);
