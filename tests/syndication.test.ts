import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseFeed } from '@rowanmanning/feed-parser';
import { XMLParser } from 'fast-xml-parser';
import { ContentStatus, ContentType } from '../src/shared/content/content-status';
import { CLI_ACTOR, write } from '../src/store/session';
import { upsertContent } from '../src/store/upsert';
import { changeStatus } from '../src/store/content';
import { Content } from '../src/shared/content/content.entity';
import { createApiKey } from '../src/store/keys';
import { Role } from '../src/shared/viewer';
import { encodeGlobalId } from '../src/shared/node/global-id';
import { keyHeaders } from './helpers/changes';
import { insertItems } from './helpers/content';
import { DRIVERS } from './helpers/drivers';
import { assertHttpError, startConfiguredGateway, waitFor } from './helpers/http';
import { parseExposition } from './helpers/prometheus';
import { requestStatements } from './helpers/request-statements';
import { startTestGateway, type TestGateway } from './helpers/server';
import type { RunningGateway } from '../src/main';

const URN = 'urn:coalition-graph:';

/**
 * Waits until the gateway has heard of every change so far, then into the next
 * whole second. A feed goes without Last-Modified while its time is in the
 * second the request is read in (HTTP dates count seconds), and a change
 * counts from when the gateway hears of it: a test that reads the header waits
 * for the changes before it to be heard of and a second old.
 */
async function changesSettled(gateway: RunningGateway): Promise<void> {
  await gateway.services.changes.settle();
  await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() % 1_000) + 10));
}
const PUBLISHER = 'Global Coalition against Daesh';

/** An item whose every text needs escaping, newest of all, so that it heads the shared feed. */
const TRICKY = {
  title: 'Ampersands & <b>angle</b> brackets ]]> "quoted" ]]> \u0007 Ünïcödé',
  summary: 'Summary with <script>alert(1)</script> & ]]> in it',
  body: '<p>Body ]]> with <strong>markup</strong> &amp; ]]> entities</p>',
  outlet: 'Smith & Sons <News>',
  originalUrl: 'https://example.org/report?a=1&b=2',
};
/** What XML can carry of the title: the control character goes. */
const TRICKY_TITLE = TRICKY.title.replace('\u0007', '');

const FEED_IDS = `query ($first: Int, $filter: FeedFilter) { feed(first: $first, filter: $filter) { edges { node { id } } } }`;
const NATION_FEED_IDS = `query ($code: String!, $first: Int, $filter: FeedFilter) {
  memberNation(code: $code) { feed(first: $first, filter: $filter) { edges { node { id } } } }
}`;
const FEED_DETAILS = `query ($first: Int) {
  feed(first: $first) {
    edges { node {
      __typename id title summary url publishedAt countries tags nations { code name }
      ... on DigestArticle { outlet originalUrl }
      ... on SocialPost { authorHandle text campaign { slug } }
      ... on CampaignStory { campaign { slug } }
    } }
  }
}`;

interface Fetched {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

interface JsonFeedItem {
  id: string;
  url?: string;
  external_url?: string;
  title?: string;
  summary?: string;
  content_text?: string;
  content_html?: string;
  date_published?: string;
  date_modified?: string;
  authors?: { name: string }[];
  tags?: string[];
  _coalition: { id: string; type: string; nations: string[]; countries: string[]; campaign: string | null };
}

interface JsonFeed {
  version: string;
  title: string;
  home_page_url?: string;
  feed_url?: string;
  description?: string;
  items: JsonFeedItem[];
  [member: string]: unknown;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['entry', 'item', 'link', 'category', 'author'].includes(name) });

/** Checks what the Atom 1.0 syndication format (RFC 4287) requires of a feed and its entries; returns the entries' ids. */
function assertAtom(text: string, selfUrl: string): string[] {
  const parsed = parseFeed(text);
  assert.equal(parsed.meta.type, 'atom');
  const { feed } = xml.parse(text) as { feed: Record<string, any> };
  assert.equal(feed['@xmlns'], 'http://www.w3.org/2005/Atom');
  assert.match(String(feed.id), /^urn:coalition-graph:feed/);
  assert.ok(String(feed.title).startsWith(PUBLISHER));
  assert.ok(!Number.isNaN(Date.parse(feed.updated)), 'feed/updated is a date');
  const self = (feed.link as Record<string, string>[]).filter((link) => link['@rel'] === 'self');
  assert.equal(self.length, 1);
  assert.equal(self[0]['@href'], selfUrl);
  assert.equal(parsed.self, selfUrl);
  const entries = (feed.entry ?? []) as Record<string, any>[];
  for (const entry of entries) {
    assert.match(String(entry.id), /^urn:coalition-graph:[A-Za-z0-9_-]+$/);
    assert.ok(entry.title !== undefined && entry.title['#text'] !== '', 'entry/title');
    assert.ok(!Number.isNaN(Date.parse(entry.updated)), 'entry/updated is a date');
    assert.ok(!Number.isNaN(Date.parse(entry.published)), 'entry/published is a date');
    assert.ok(entry.author?.length >= 1 && entry.author[0].name, 'entry/author/name (the feed has no author of its own for every entry)');
    // An entry without an alternate link must have content (RFC 4287 §4.1.1.1); every link has an href.
    assert.ok(entry.content !== undefined || (entry.link ?? []).some((link: Record<string, string>) => link['@href']));
    for (const link of entry.link ?? []) assert.ok(link['@href'], 'every link has an href');
  }
  assert.deepEqual(parsed.items.map((item) => item.id), entries.map((entry) => String(entry.id)));
  return entries.map((entry) => String(entry.id));
}

/** Checks what RSS 2.0 requires of a channel and its items; returns the items' guids. */
function assertRss(text: string, selfUrl: string): string[] {
  const parsed = parseFeed(text);
  assert.equal(parsed.meta.type, 'rss');
  const { rss } = xml.parse(text) as { rss: Record<string, any> };
  assert.equal(rss['@version'], '2.0');
  const channel = rss.channel as Record<string, any>;
  assert.ok(String(channel.title).startsWith(PUBLISHER));
  assert.equal(channel.link[0], 'https://theglobalcoalition.org/en/');
  assert.ok(typeof channel.description === 'string' && channel.description.length > 0);
  assert.equal(parsed.self, selfUrl);
  const items = (channel.item ?? []) as Record<string, any>[];
  for (const item of items) {
    assert.ok(item.title || item.description, 'item/title or item/description');
    assert.equal(item.guid['@isPermaLink'], 'false');
    assert.match(String(item.guid['#text']), /^urn:coalition-graph:[A-Za-z0-9_-]+$/);
    assert.ok(!Number.isNaN(Date.parse(item.pubDate)));
  }
  assert.deepEqual(parsed.items.map((item) => item.id), items.map((item) => String(item.guid['#text'])));
  return items.map((item) => String(item.guid['#text']));
}

/** Checks JSON Feed 1.1's required members and the types of the optional ones used; returns the items' ids. */
function assertJsonFeed(text: string, selfUrl: string): JsonFeed {
  const feed = JSON.parse(text) as JsonFeed;
  assert.equal(feed.version, 'https://jsonfeed.org/version/1.1');
  assert.ok(typeof feed.title === 'string' && feed.title.startsWith(PUBLISHER));
  assert.equal(feed.feed_url, selfUrl);
  assert.equal(feed.home_page_url, 'https://theglobalcoalition.org/en/');
  assert.ok(Array.isArray(feed.items));
  assert.equal(feed.author, undefined, '1.1 has authors, not author');
  for (const item of feed.items) {
    assert.ok(typeof item.id === 'string' && item.id.startsWith(URN));
    assert.ok(typeof item.content_text === 'string' || typeof item.content_html === 'string', 'content_text or content_html');
    assert.equal(typeof item.content_text, 'string');
    for (const date of [item.date_published, item.date_modified]) assert.match(String(date), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(Array.isArray(item.authors) && item.authors.length === 1 && typeof item.authors[0].name === 'string');
    assert.ok(Array.isArray(item.tags) && item.tags.every((tag) => typeof tag === 'string'));
    for (const url of [item.url, item.external_url]) if (url !== undefined) assert.match(url, /^https?:\/\//);
    assert.equal(item.id, `${URN}${item._coalition.id}`);
  }
  return feed;
}

const globalIds = (urns: readonly string[]) => urns.map((urn) => urn.slice(URN.length));

for (const driver of DRIVERS) {
  describe(`syndication feeds [${driver}]`, () => {
    let gw: TestGateway;
    let drafts: string[];
    let trickyId: string;

    async function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Fetched> {
      const response = await fetch(`${gw.origin}${path}`, { method, headers });
      return { status: response.status, headers: response.headers, text: await response.text() };
    }

    async function ok(path: string, headers: Record<string, string> = {}): Promise<Fetched> {
      const response = await get(path, headers);
      assert.equal(response.status, 200, `${path}: ${response.text}`);
      return response;
    }

    async function graph<T = any>(query: string, variables: Record<string, unknown>): Promise<T> {
      const { body } = await gw.post<T>(query, variables);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return body.data!;
    }

    async function feedIds(filter: Record<string, unknown> | null, first = 50): Promise<string[]> {
      const data = await graph<{ feed: { edges: { node: { id: string } }[] } }>(FEED_IDS, { first, filter });
      return data.feed.edges.map((edge) => edge.node.id);
    }

    async function jsonIds(path: string): Promise<string[]> {
      const response = await ok(path);
      return globalIds(assertJsonFeed(response.text, `${gw.origin}${canonical(path)}`).items.map((item) => item.id));
    }

    before(async () => {
      gw = await startTestGateway(driver);
      const db = gw.gateway.db;
      // 19 demo items, 60 synthetic and the tricky one: 80 published, more than the default limit of 50.
      await insertItems(db, 60, { prefix: 'synd' });
      // Drafts newer than everything, of every type, with NATO and the demo campaign: they would head every feed if they leaked.
      drafts = await insertItems(db, 8, { prefix: 'draft', status: ContentStatus.DRAFT, newest: new Date('2019-10-20T00:00:00Z') });
      const [tricky] = await write(db, CLI_ACTOR, (session) =>
        upsertContent(session, [
          {
            type: ContentType.DIGEST_ARTICLE,
            slug: 'tricky-characters',
            title: TRICKY.title,
            summary: TRICKY.summary,
            body: TRICKY.body,
            url: null,
            publishedAt: new Date('2019-10-11T08:00:00Z'),
            status: ContentStatus.PUBLISHED,
            countries: ['SYR'],
            nations: ['NATO'],
            tags: ['r&d', 'q<a>'],
            fields: { outlet: TRICKY.outlet, originalUrl: TRICKY.originalUrl },
          },
        ]),
      );
      trickyId = tricky.id;
      // The catalogues are warm from start-up; one request warms everything else a feed touches.
      await ok('/feed.atom');
    });
    after(() => gw.stop());

    it('serves the shared feed as Atom 1.0, newest first, the same items as Query.feed', async () => {
      await changesSettled(gw.gateway);
      const response = await ok('/feed.atom');
      assert.equal(response.headers.get('content-type'), 'application/atom+xml; charset=utf-8');
      const ids = assertAtom(response.text, `${gw.origin}/feed.atom`);
      assert.equal(ids.length, 50, 'limit defaults to 50');
      assert.deepEqual(globalIds(ids), await feedIds(null));
      const parsed = parseFeed(response.text);
      assert.equal(parsed.title, `${PUBLISHER} — shared feed`);
      // The feed was updated when its newest entry was. Last-Modified is that or, later, the last withdrawal this process knows
      // of (none yet: it counts from its start), to the second.
      const newest = Math.max(...parsed.items.map((item) => item.updated!.getTime()));
      assert.equal(parsed.updated?.getTime(), newest);
      const lastModified = Date.parse(response.headers.get('last-modified')!);
      assert.ok(lastModified >= Math.floor(newest / 1000) * 1000 && lastModified <= Date.now(), response.headers.get('last-modified')!);
    });

    it('serves RSS 2.0 and JSON Feed 1.1 with the same items', async () => {
      const rss = await ok('/feed.rss?limit=100');
      assert.equal(rss.headers.get('content-type'), 'application/rss+xml; charset=utf-8');
      const all = await feedIds(null, 100);
      assert.equal(all.length, 80);
      assert.deepEqual(globalIds(assertRss(rss.text, `${gw.origin}/feed.rss?limit=100`)), all);
      const json = await ok('/feed.json?limit=100');
      assert.equal(json.headers.get('content-type'), 'application/feed+json; charset=utf-8');
      assert.deepEqual(globalIds(assertJsonFeed(json.text, `${gw.origin}/feed.json?limit=100`).items.map((item) => item.id)), all);
    });

    it('gives each entry its title, summary, dates, link, author, categories and the coalition extension', async () => {
      const { feed } = await graph<{ feed: { edges: { node: any }[] } }>(FEED_DETAILS, { first: 100 });
      const json = assertJsonFeed((await ok('/feed.json?limit=100')).text, `${gw.origin}/feed.json?limit=100`);
      const atom = parseFeed((await ok('/feed.atom?limit=100')).text);
      const rss = parseFeed((await ok('/feed.rss?limit=100')).text);
      feed.edges.forEach(({ node }, i) => {
        const item = json.items[i];
        const author = node.outlet ?? node.authorHandle ?? PUBLISHER;
        const nationNames = [...node.nations].sort((a: any, b: any) => a.name.localeCompare(b.name, 'en')).map((n: any) => n.name);
        const type = { DigestArticle: 'DIGEST_ARTICLE', CampaignStory: 'CAMPAIGN_STORY', SocialPost: 'SOCIAL_POST', StabilisationProject: 'STABILISATION_PROJECT' }[node.__typename as string];
        assert.equal(item.title, node.title.replace('\u0007', ''));
        assert.equal(item.summary, node.summary);
        assert.equal(item.content_text, node.text ?? node.summary);
        assert.equal(item.date_published, node.publishedAt);
        assert.ok(item.date_modified! >= item.date_published!);
        assert.equal(item.url, node.url ?? undefined);
        assert.equal(item.external_url, node.originalUrl ?? undefined);
        assert.deepEqual(item.authors, [{ name: author }]);
        assert.deepEqual(item.tags, [...nationNames, ...node.tags]);
        assert.deepEqual(item._coalition, {
          id: node.id,
          type,
          nations: [...node.nations].sort((a: any, b: any) => a.name.localeCompare(b.name, 'en')).map((n: any) => n.code),
          countries: node.countries,
          campaign: node.campaign?.slug ?? null,
        });
        for (const parsed of [atom.items[i], rss.items[i]]) {
          assert.equal(parsed.id, `${URN}${node.id}`);
          assert.equal(parsed.title, node.title.replace('\u0007', ''));
          assert.equal(parsed.published?.toISOString(), node.publishedAt);
          assert.equal(parsed.url, node.url ?? node.originalUrl ?? null);
          assert.deepEqual(parsed.authors.map((a) => a.name), [author]);
          assert.deepEqual(parsed.categories.map((c) => c.label), [...nationNames, ...node.tags]);
        }
        assert.equal(atom.items[i].description, node.summary);
        assert.equal(atom.items[i].updated?.toISOString(), item.date_modified);
      });
    });

    it('escapes what needs escaping and keeps sanitised HTML as content, in every format', async () => {
      const globalId = (await feedIds(null, 1))[0];
      assert.ok(globalId.length > 0);
      const json = assertJsonFeed((await ok('/feed.json?limit=1')).text, `${gw.origin}/feed.json?limit=1`);
      assert.equal(json.items[0]._coalition.id, globalId);
      assert.equal(json.items[0].title, TRICKY_TITLE);
      assert.equal(json.items[0].content_html, TRICKY.body);
      assert.equal(json.items[0].url, undefined, 'the digest article has no page of its own');
      assert.equal(json.items[0].external_url, TRICKY.originalUrl);
      assert.deepEqual(json.items[0].authors, [{ name: TRICKY.outlet }]);
      assert.deepEqual(json.items[0].tags, ['North Atlantic Treaty Organization', 'q<a>', 'r&d']);
      for (const path of ['/feed.atom?limit=1', '/feed.rss?limit=1']) {
        const text = (await ok(path)).text;
        const [item] = parseFeed(text).items;
        assert.equal(item.title, TRICKY_TITLE, path);
        assert.equal(item.description, TRICKY.summary, path);
        // The body as HTML, whole (a `]]>` in it cannot end the CDATA section early; in HTML `]]&gt;` reads the same).
        const raw = xml.parse(text) as { feed?: { entry: { content: { '#text': string } }[] }; rss?: { channel: { item: Record<string, string>[] } } };
        const content = raw.feed ? raw.feed.entry[0].content['#text'] : raw.rss!.channel.item[0]['content:encoded'];
        assert.equal(content, TRICKY.body.replace(/]]>/g, ']]&gt;'), path);
        assert.equal(item.url, TRICKY.originalUrl, path);
        assert.deepEqual(item.authors.map((a) => a.name), [TRICKY.outlet], path);
        assert.deepEqual(item.categories.map((c) => c.label), ['North Atlantic Treaty Organization', 'q<a>', 'r&d'], path);
      }
      assert.ok(trickyId);
    });

    it('narrows by the query parameters exactly as Query.feed does with the same filter', async () => {
      const cases: [string, Record<string, unknown>][] = [
        ['types=DIGEST_ARTICLE,SOCIAL_POST', { types: ['DIGEST_ARTICLE', 'SOCIAL_POST'] }],
        ['types=SOCIAL_POST&types=CAMPAIGN_STORY', { types: ['SOCIAL_POST', 'CAMPAIGN_STORY'] }],
        ['nations=nato,Irq', { nations: ['nato', 'Irq'] }],
        ['countries=syr&countries=GBR', { countries: ['syr', 'GBR'] }],
        ['campaigns=this-generation-learns', { campaigns: ['this-generation-learns'] }],
        ['tags=Education,TAG-1', { tags: ['Education', 'TAG-1'] }],
        ['publishedAfter=2019-10-05&publishedBefore=2019-10-09T12:00:00%2B02:00', { publishedAfter: '2019-10-05T00:00:00Z', publishedBefore: '2019-10-09T10:00:00Z' }],
        // A `+` left unencoded arrives as a space, and is read as the offset it was.
        ['publishedAfter=2019-10-01T00:00:00Z&publishedBefore=2019-10-09T12:00:00+02:00', { publishedAfter: '2019-10-01T00:00:00Z', publishedBefore: '2019-10-09T10:00:00Z' }],
        ['types=STABILISATION_PROJECT,CAMPAIGN_STORY&countries=IRQ,SYR&tags=education&publishedAfter=2019-09-01T00:00:00Z&limit=7', { types: ['STABILISATION_PROJECT', 'CAMPAIGN_STORY'], countries: ['IRQ', 'SYR'], tags: ['education'], publishedAfter: '2019-09-01T00:00:00Z' }],
        ['nations=&types=&tags=,', {}],
      ];
      for (const [query, filter] of cases) {
        const first = Number(/limit=(\d+)/.exec(query)?.[1] ?? 50);
        const expected = await feedIds(filter, first);
        assert.ok(query === 'nations=&types=&tags=,' || expected.length < 50, `${query} narrows the feed`);
        assert.deepEqual(await jsonIds(`/feed.json?${query}`), expected, query);
      }
      // The same in the XML formats, for one combination.
      const query = 'types=CAMPAIGN_STORY,SOCIAL_POST&nations=NATO,IRQ&limit=20';
      const expected = await feedIds({ types: ['CAMPAIGN_STORY', 'SOCIAL_POST'], nations: ['NATO', 'IRQ'] }, 20);
      assert.ok(expected.length > 0);
      assert.deepEqual(globalIds(assertAtom((await ok(`/feed.atom?${query}`)).text, `${gw.origin}${canonical(`/feed.atom?${query}`)}`)), expected);
      assert.deepEqual(globalIds(assertRss((await ok(`/feed.rss?${query}`)).text, `${gw.origin}${canonical(`/feed.rss?${query}`)}`)), expected);
    });

    it("serves a member's feed at /nations/{code}/feed.* (code in any case), as MemberNation.feed", async () => {
      const nationFeed = async (code: string, filter: Record<string, unknown> | null, first = 50) =>
        (await graph<{ memberNation: { feed: { edges: { node: { id: string } }[] } } }>(NATION_FEED_IDS, { code, first, filter })).memberNation.feed.edges.map((edge) => edge.node.id);
      const irq = await nationFeed('IRQ', null);
      assert.ok(irq.length > 0);
      assert.deepEqual(irq, await feedIds({ nations: ['IRQ'] }));
      const atom = await ok('/nations/irq/feed.atom');
      assert.deepEqual(globalIds(assertAtom(atom.text, `${gw.origin}/nations/IRQ/feed.atom`)), irq);
      assert.equal(parseFeed(atom.text).title, `${PUBLISHER} — Iraq`);
      assert.deepEqual(globalIds(assertRss((await ok('/nations/Irq/feed.rss')).text, `${gw.origin}/nations/IRQ/feed.rss`)), irq);
      assert.deepEqual(await jsonIds('/nations/IRQ/feed.json'), irq);
      // Parameters narrow a member's feed further; `nations` too (both must hold).
      assert.deepEqual(await jsonIds('/nations/nato/feed.json?types=SOCIAL_POST,DIGEST_ARTICLE&limit=10'), await nationFeed('NATO', { types: ['SOCIAL_POST', 'DIGEST_ARTICLE'] }, 10));
      const both = await nationFeed('NATO', { nations: ['GBR'] });
      assert.ok(both.length > 0);
      assert.deepEqual(await jsonIds('/nations/NATO/feed.json?nations=gbr'), both);
    });

    it('pages by RFC 5005 next links: followed from the newest page, they give every item once, in Query.feed’s order, in every format', async () => {
      const all = await feedIds(null, 100);
      assert.equal(all.length, 80);
      /** The next page's link in a document of the format, or null. */
      const nextOf: Record<'atom' | 'rss' | 'json', (text: string) => string | null> = {
        atom: (text) => ((xml.parse(text).feed.link as Record<string, string>[]).find((link) => link['@rel'] === 'next')?.['@href'] ?? null),
        rss: (text) => ([xml.parse(text).rss.channel['atom:link']].flat() as Record<string, string>[]).find((link) => link['@rel'] === 'next')?.['@href'] ?? null,
        json: (text) => (JSON.parse(text) as JsonFeed).next_url as string | undefined ?? null,
      };
      const idsOf = { atom: (text: string, self: string) => globalIds(assertAtom(text, self)), rss: (text: string, self: string) => globalIds(assertRss(text, self)), json: (text: string, self: string) => globalIds(assertJsonFeed(text, self).items.map((item) => item.id)) };
      for (const format of ['atom', 'rss', 'json'] as const) {
        const seen: string[] = [];
        const selves: string[] = [];
        let url: string | null = `${gw.origin}/feed.${format}?limit=30`;
        while (url) {
          const response = await ok(url.slice(gw.origin.length));
          seen.push(...idsOf[format](response.text, url));
          selves.push(url);
          url = nextOf[format](response.text);
        }
        assert.deepEqual(seen, all, format);
        assert.equal(selves.length, 3, `${format}: 30, 30 and 20 items; the last page links to no next one`);
        // The next link is the canonical URL with the cursor of the page's last item, as Query.feed gives it.
        const { feed } = await graph<{ feed: { edges: { cursor: string }[] } }>(`{ feed(first: 30) { edges { cursor } } }`, {});
        assert.equal(selves[1], `${gw.origin}/feed.${format}?limit=30&after=${feed.edges[29].cursor}`);
      }
      // A member's feed pages on its own order, filters kept in the links.
      const nato = (await graph<{ memberNation: { feed: { edges: { node: { id: string } }[] } } }>(NATION_FEED_IDS, { code: 'NATO', first: 100, filter: { types: ['SOCIAL_POST', 'DIGEST_ARTICLE'] } })).memberNation.feed.edges.map((edge) => edge.node.id);
      assert.ok(nato.length > 4);
      const seen: string[] = [];
      // Asked for in any form, linked to in the canonical one.
      let url: string | null = `${gw.origin}/nations/nato/feed.json?types=SOCIAL_POST,DIGEST_ARTICLE&limit=4`;
      while (url) {
        const canonicalUrl = seen.length ? url : `${gw.origin}/nations/NATO/feed.json?types=DIGEST_ARTICLE,SOCIAL_POST&limit=4`;
        const feed = assertJsonFeed((await ok(url.slice(gw.origin.length))).text, canonicalUrl);
        seen.push(...globalIds(feed.items.map((item) => item.id)));
        url = (feed.next_url as string | undefined) ?? null;
        if (url) assert.match(url, /\/nations\/NATO\/feed\.json\?types=DIGEST_ARTICLE,SOCIAL_POST&limit=4&after=[A-Za-z0-9_-]+$/);
      }
      assert.deepEqual(seen, nato);
    });

    it("serves a campaign's feed at /campaigns/{slug}/feed.*, as Query.feed with that campaign", async () => {
      const expected = await feedIds({ campaigns: ['this-generation-learns'] });
      assert.ok(expected.length > 5);
      const atom = await ok('/campaigns/this-generation-learns/feed.atom');
      assert.deepEqual(globalIds(assertAtom(atom.text, `${gw.origin}/campaigns/this-generation-learns/feed.atom`)), expected);
      assert.equal(parseFeed(atom.text).title, `${PUBLISHER} — This Generation Learns`);
      assert.deepEqual(globalIds(assertRss((await ok('/campaigns/this-generation-learns/feed.rss')).text, `${gw.origin}/campaigns/this-generation-learns/feed.rss`)), expected);
      assert.deepEqual(await jsonIds('/campaigns/this-generation-learns/feed.json?types=SOCIAL_POST'), await feedIds({ campaigns: ['this-generation-learns'], types: ['SOCIAL_POST'] }));
    });

    it('never carries drafts, whatever key is sent (an editor’s and an admin’s, which see drafts in GraphQL)', async () => {
      const seen = new Set<string>();
      const keys = [await keyHeaders(gw.gateway.db, Role.EDITOR), await keyHeaders(gw.gateway.db, Role.ADMIN)];
      for (const [n, path] of ['/feed.json?limit=100', '/nations/NATO/feed.json?limit=100', '/campaigns/this-generation-learns/feed.json?limit=100', '/feed.json?types=CAMPAIGN_STORY&limit=100'].entries()) {
        const response = await ok(path, keys[n % 2]);
        for (const item of (JSON.parse(response.text) as JsonFeed).items) seen.add(item._coalition.id);
      }
      for (const path of ['/feed.atom?limit=100', '/feed.rss?limit=100']) {
        for (const item of parseFeed((await ok(path)).text).items) seen.add(item.id!.slice(URN.length));
      }
      assert.ok(seen.size >= 80);
      const draftIds = new Set(drafts);
      for (const id of seen) assert.ok(!draftIds.has(Buffer.from(id, 'base64url').toString('utf8').split(':')[1]), `draft ${id} leaked`);
    });

    it('takes limit from 1 to 100', async () => {
      assert.deepEqual(await jsonIds('/feed.json?limit=1'), await feedIds(null, 1));
      assert.equal((await jsonIds('/feed.json?limit=100')).length, 80);
      assert.equal((await jsonIds('/feed.json?limit=7')).length, 7);
    });

    it('moves Last-Modified on when an item leaves a page, so that If-Modified-Since alone does not keep showing it', async () => {
      const path = '/feed.rss?types=SOCIAL_POST&limit=10';
      await changesSettled(gw.gateway);
      const first = await ok(path);
      const lastModified = first.headers.get('last-modified')!;
      const gone = parseFeed(first.text).items[3];
      // HTTP dates count whole seconds: the withdrawal comes in a later one.
      await changesSettled(gw.gateway);
      const item = await gw.gateway.db.getRepository(Content).findOneByOrFail({ title: gone.title! });
      await write(gw.gateway.db, CLI_ACTOR, (session) => changeStatus(session, item, false));
      // The page now holds older items only; the process learns of the withdrawal from the change log.
      const again = await waitFor('a 200 to If-Modified-Since, then a second later a new Last-Modified', async () => {
        const response = await get(path, { 'if-modified-since': lastModified });
        return response.status === 200 && response.headers.get('last-modified') ? response : undefined;
      }, { tries: 100, intervalMs: 50 });
      assert.ok(Date.parse(again.headers.get('last-modified')!) > Date.parse(lastModified));
      assert.ok(!parseFeed(again.text).items.some((entry) => entry.title === gone.title), 'the withdrawn item is gone');
      assert.equal((await get(path, { 'if-modified-since': again.headers.get('last-modified')! })).status, 304);
    });

    it('answers 304 to either validator, HEAD with the headers alone, and changes both when an item is published', async () => {
      await changesSettled(gw.gateway);
      const first = await ok('/feed.rss?types=SOCIAL_POST');
      const etag = first.headers.get('etag')!;
      const lastModified = first.headers.get('last-modified')!;
      assert.match(etag, /^"[A-Za-z0-9_-]+"$/, 'a strong ETag');
      assert.ok(lastModified && !Number.isNaN(Date.parse(lastModified)));
      assert.equal(first.headers.get('cache-control'), 'public, max-age=60');

      const conditions: Record<string, string>[] = [{ 'if-none-match': etag }, { 'if-none-match': `"other", W/${etag}` }, { 'if-modified-since': lastModified }, { 'if-none-match': '*' }];
      for (const headers of conditions) {
        const response = await get('/feed.rss?types=SOCIAL_POST', headers);
        assert.equal(response.status, 304, JSON.stringify(headers));
        assert.equal(response.text, '');
        assert.equal(response.headers.get('etag'), etag);
        assert.equal(response.headers.get('last-modified'), lastModified);
        assert.equal(response.headers.get('cache-control'), 'public, max-age=60');
      }
      // If-None-Match wins over If-Modified-Since; an older date or another ETag gets the document.
      assert.equal((await get('/feed.rss?types=SOCIAL_POST', { 'if-none-match': '"other"', 'if-modified-since': lastModified })).status, 200);
      assert.equal((await get('/feed.rss?types=SOCIAL_POST', { 'if-modified-since': new Date(Date.parse(lastModified) - 1000).toUTCString() })).status, 200);
      // The same request written another way is the same document; another format is another one.
      assert.equal((await get('/feed.rss?types=SOCIAL_POST&utm_source=x&limit=50', { 'if-none-match': etag })).status, 304);
      assert.notEqual((await ok('/feed.atom?types=SOCIAL_POST')).headers.get('etag'), etag);

      const head = await get('/feed.rss?types=SOCIAL_POST', {}, 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.text, '');
      assert.equal(head.headers.get('etag'), etag);
      assert.equal(head.headers.get('content-type'), 'application/rss+xml; charset=utf-8');
      assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(first.text)));

      // A new post: a new ETag, and no 304 for the old one.
      const written = Date.now();
      await write(gw.gateway.db, CLI_ACTOR, (session) =>
        upsertContent(session, [
          {
            type: ContentType.SOCIAL_POST,
            slug: 'fresh-post',
            title: 'A fresh post',
            summary: 'Published after the first fetch.',
            publishedAt: new Date('2019-10-15T00:00:00Z'),
            status: ContentStatus.PUBLISHED,
            countries: [],
            fields: { platform: 'TWITTER', authorHandle: 'Coalition', text: 'Fresh', hashtags: [], mentions: [], links: [] },
          },
        ]),
      );
      // Its change is this second's: no Last-Modified yet, and a date in this second does not get a 304 (another change may follow in it).
      const sameSecond = await get('/feed.rss?types=SOCIAL_POST', { 'if-modified-since': new Date().toUTCString() });
      if (Math.floor(written / 1000) === Math.floor(Date.now() / 1000)) {
        assert.equal(sameSecond.status, 200);
        assert.equal(sameSecond.headers.get('last-modified'), null);
      }
      await changesSettled(gw.gateway);
      const again = await get('/feed.rss?types=SOCIAL_POST', { 'if-none-match': etag });
      assert.equal(again.status, 200);
      assert.notEqual(again.headers.get('etag'), etag);
      assert.ok(Date.parse(again.headers.get('last-modified')!) >= Date.parse(lastModified));
      assert.equal(parseFeed(again.text).items[0].title, 'A fresh post');
    });

    it('refuses a bad parameter with 400 and a one-line reason, before any SQL', async () => {
      const bad = [
        'types=ARTICLE',
        'types=digest_article',
        'publishedAfter=yesterday',
        'publishedAfter=2019-10-01T10:00:00',
        'publishedBefore=2019-02-30',
        'publishedBefore=2019-13-01T00:00:00Z',
        'publishedAfter=2019-10-09&publishedBefore=2019-10-09',
        'limit=0',
        'limit=101',
        'limit=ten',
        'limit=1.5',
        'limit=5&limit=6',
        'nations=IRQ1',
        'nations=I-Q',
        'countries=SY',
        `tags=${'x'.repeat(65)}`,
        'after=not-a-cursor',
        `after=${Buffer.from('["2019-10-01T00:00:00.000Z"]').toString('base64url')}`,
        'after=a&after=b',
        `after=${Buffer.from('k1:["2019-10-01T00:00:00.000Z","not-a-uuid"]').toString('base64url')}`,
      ];
      for (const query of bad) {
        gw.sql.reset();
        const response = await get(`/feed.atom?${query}`);
        const message = assertHttpError({ status: response.status, json: JSON.parse(response.text) }, 400, 'BAD_USER_INPUT');
        assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
        assert.doesNotMatch(message, /[\r\n]/, 'one line');
        assert.match(message, new RegExp(`^Invalid ${query.split('=')[0]}: `), message);
        assert.equal(requestStatements(gw.sql).length, 0, query);
      }
    });

    it('ignores unknown parameters', async () => {
      const plain = await ok('/feed.json?limit=5');
      const noisy = await ok('/feed.json?limit=5&first=2&foo=bar&Types=NOPE&utm_source=newsletter');
      assert.equal(noisy.text, plain.text);
      assert.equal(noisy.headers.get('etag'), plain.headers.get('etag'));
    });

    it('answers 404 for an unknown member or campaign', async () => {
      for (const path of ['/nations/XYZ/feed.atom', '/nations/I%20Q/feed.rss', '/campaigns/no-such-campaign/feed.json', '/campaigns/This-Generation-Learns/feed.atom']) {
        const response = await get(path);
        assertHttpError({ status: response.status, json: JSON.parse(response.text) }, 404, 'NOT_FOUND');
      }
      assertHttpError({ status: (await get('/nations/IRQ/feed.xml')).status, json: JSON.parse((await get('/nations/IRQ/feed.xml')).text) }, 404, 'NOT_FOUND');
    });

    it('costs three statements whatever the limit: the page with its nations, the countries, the tags', async () => {
      const counts: Record<string, number> = {};
      for (const path of ['/feed.atom?limit=1', '/feed.atom?limit=100', '/feed.rss?limit=100&types=SOCIAL_POST,CAMPAIGN_STORY&countries=IRQ', '/nations/irq/feed.json?limit=2', '/nations/irq/feed.json?limit=100', '/campaigns/this-generation-learns/feed.json?limit=100&tags=education']) {
        gw.sql.reset();
        await ok(path);
        counts[path] = requestStatements(gw.sql).length;
      }
      for (const [path, count] of Object.entries(counts)) assert.equal(count, 3, `${path}: ${count} statements`);
      gw.sql.reset();
      await get('/feed.json?limit=100', { 'if-none-match': '*' });
      assert.equal(requestStatements(gw.sql).length, 3, 'a revalidation reads the same');
    });

    it('allows GET, HEAD and OPTIONS only, and sends CORS headers as /graphql does', async () => {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const response = await get('/feed.atom', {}, method);
        assertHttpError({ status: response.status, json: JSON.parse(response.text) }, 405, 'METHOD_NOT_ALLOWED');
        assert.equal(response.headers.get('allow'), 'GET, HEAD, OPTIONS');
      }
      const cors = await ok('/feed.json?limit=1', { origin: 'https://partner.example' });
      assert.equal(cors.headers.get('access-control-allow-origin'), '*');
      assert.match(cors.headers.get('access-control-expose-headers') ?? '', /etag/);
      const preflight = await get('/feed.json', { origin: 'https://partner.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' }, 'OPTIONS');
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, HEAD, OPTIONS');
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /if-none-match/);
    });

    it('counts as route "feeds" in coalition_graph_http_requests_total', async () => {
      const scrape = async () => parseExposition(await (await fetch(`${gw.origin}/metrics`)).text());
      const value = (exposition: ReturnType<typeof parseExposition>, status: string) =>
        exposition.samples.find((s) => s.name === 'coalition_graph_http_requests_total' && s.labels.route === 'feeds' && s.labels.status === status)?.value ?? 0;
      const before = await scrape();
      await ok('/feed.atom?limit=1');
      await get('/feed.atom?limit=0');
      await get('/feed.atom?limit=1', { 'if-none-match': '*' });
      const now = await scrape();
      assert.deepEqual([value(now, '200') - value(before, '200'), value(now, '400') - value(before, '400'), value(now, '304') - value(before, '304')], [1, 1, 1]);
    });

    it('answers 503 SERVICE_UNAVAILABLE while the database is marked down', async () => {
      const { health } = gw.gateway.services;
      health.observe(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
      if (driver === 'sqlite' && health.available) return; // SQLite is never marked down.
      const response = await get('/feed.atom');
      assertHttpError({ status: response.status, json: JSON.parse(response.text) }, 503, 'SERVICE_UNAVAILABLE');
      assert.equal(response.headers.get('retry-after'), '5');
      await waitFor('the database to be marked up again', () => health.available, { tries: 100, intervalMs: 50 });
      await ok('/feed.atom?limit=1');
    });
  });
}

describe('syndication feeds with an item scheduled for later [sqlite]', () => {
  it('keeps the same validators from one request to the next, and answers 304 to them', async () => {
    const gw = await startTestGateway('sqlite');
    try {
      await write(gw.gateway.db, CLI_ACTOR, (session) =>
        upsertContent(session, [
          {
            type: ContentType.SOCIAL_POST,
            slug: 'scheduled-post',
            title: 'A post for later',
            summary: 'Published, dated in the future.',
            publishedAt: new Date('2099-01-01T00:00:00Z'),
            status: ContentStatus.PUBLISHED,
            countries: [],
            fields: { platform: 'TWITTER', authorHandle: 'Coalition', text: 'Later', hashtags: [], mentions: [], links: [] },
          },
        ]),
      );
      const url = `${gw.origin}/feed.atom?types=SOCIAL_POST`;
      await changesSettled(gw.gateway);
      const first = await fetch(url);
      assert.equal(first.status, 200);
      assert.match(await first.text(), /A post for later/);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const second = await fetch(url);
      await second.text();
      assert.equal(second.headers.get('etag'), first.headers.get('etag'));
      assert.equal(second.headers.get('last-modified'), first.headers.get('last-modified'));
      assert.ok(Date.parse(first.headers.get('last-modified')!) < Date.parse('2099-01-01T00:00:00Z'), 'not the scheduled date');
      const revalidated = await fetch(url, { headers: { 'if-none-match': first.headers.get('etag')! } });
      assert.equal(revalidated.status, 304);
    } finally {
      await gw.stop();
    }
  });
});

describe('syndication feeds in the locale asked for', () => {
  it('serves each item in its translation into the locale asked for (locale=, else Accept-Language), as Query.feed does, and says which language each is in', async () => {
    const gw = await startConfiguredGateway({});
    try {
      const origin = gw.url.replace(/\/graphql$/, '');
      const db = gw.gateway.db;
      const [arabic] = await write(db, CLI_ACTOR, (session) =>
        upsertContent(session, [
          {
            type: ContentType.DIGEST_ARTICLE,
            slug: 'arabic-original',
            title: 'إعادة فتح المدارس في الموصل',
            summary: 'يعود الأطفال إلى الفصول.',
            language: 'ar',
            publishedAt: new Date('2030-01-01T00:00:00Z'),
            status: ContentStatus.PUBLISHED,
            countries: ['IRQ'],
            fields: { outlet: 'Wire', originalUrl: null },
          },
        ]),
      );
      const editor = await keyHeaders(db, Role.EDITOR);
      const set = await gw.post(
        `mutation ($id: ID!, $input: TranslationInput!) { setTranslation(id: $id, locale: EN, input: $input) { version } }`,
        { id: encodeGlobalId('DigestArticle', arabic.id), input: { title: 'Schools reopen in Mosul', summary: 'Children are back in class.' } },
        editor,
      );
      assert.equal(set.body.errors, undefined, JSON.stringify(set.body.errors));
      const json = async (path: string, headers: Record<string, string> = {}) => {
        const response = await fetch(`${origin}${path}`, { headers });
        assert.equal(response.status, 200, path);
        return { body: (await response.json()) as { language: string; feed_url: string; items: { title: string; language: string }[] }, vary: response.headers.get('vary') ?? '' };
      };
      const english = await json('/feed.json?limit=3');
      assert.equal(english.body.language, 'en');
      assert.deepEqual([english.body.items[0].title, english.body.items[0].language], ['Schools reopen in Mosul', 'en'], 'its English translation, as Query.feed serves it');
      assert.match(english.vary, /Accept-Language/);
      const graph = await gw.post(`{ feed(first: 1) { edges { node { title } } } }`, {});
      assert.equal(graph.body.data.feed.edges[0].node.title, english.body.items[0].title);

      const asked = await json('/feed.json?limit=3&locale=ar');
      assert.equal(asked.body.language, 'ar');
      assert.deepEqual([asked.body.items[0].title, asked.body.items[0].language], ['إعادة فتح المدارس في الموصل', 'ar']);
      assert.match(asked.body.feed_url, /[?&]locale=AR\b/);
      assert.doesNotMatch(asked.vary, /Accept-Language/, 'the URL decides: nothing to vary on');
      const french = await json('/feed.json?limit=3', { 'accept-language': 'fr-FR, fr;q=0.9' });
      assert.equal(french.body.language, 'fr');
      assert.ok(french.body.items.some((item) => item.language === 'en'), 'an item with no French translation comes in its own language, and says so');

      const atom = await (await fetch(`${origin}/feed.atom?limit=2`, { headers: { 'accept-language': 'ar' } })).text();
      assert.match(atom, /<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom" xml:lang="ar"/);
      assert.match(atom, /<entry xml:lang="en">/, 'an entry with no Arabic translation says it is English, in an Arabic feed');
      assert.match(atom, /<entry xml:lang="ar">\s*<title type="html"><!\[CDATA\[إعادة فتح المدارس في الموصل|<entry xml:lang="ar">\s*<title type="html">إعادة فتح المدارس في الموصل/);
      const bad = await fetch(`${origin}/feed.json?locale=de`);
      assertHttpError({ status: bad.status, json: await bad.json() }, 400, 'BAD_USER_INPUT');
    } finally {
      await gw.stop();
    }
  });
});

describe('syndication feeds charged to the caller’s budget', () => {
  it('charges 1 + limit to the budget of /graphql (the key’s, or the address’s), answers 429 past it, and refuses a wrong key with 401', async () => {
    const gw = await startConfiguredGateway({ RATE_LIMIT: 'on', RATE_LIMITS: 'anonymous=150,partner=100000' });
    try {
      const origin = gw.url.replace(/\/graphql$/, '');
      const first = await fetch(`${origin}/feed.json?limit=100`);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('ratelimit-remaining'), null, 'a public answer carries no caller’s budget (a shared cache would hand it on)');
      assert.match(first.headers.get('cache-control') ?? '', /public/);
      const over = await fetch(`${origin}/feed.atom?limit=50`);
      assertHttpError({ status: over.status, json: await over.json() }, 429, 'RATE_LIMITED');
      assert.ok(Number(over.headers.get('retry-after')) >= 1);
      assert.equal(over.headers.get('ratelimit-limit'), '150');
      // 1 + 100 spent by the first, nothing by the refused one: 49 left, and 1 + 40 fits.
      assert.equal((await fetch(`${origin}/feed.json?limit=40`)).status, 200);
      // The same budget as the address's GraphQL requests.
      const graphql = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ feed(first: 50) { edges { node { id } } } }"}' });
      assert.equal(((await graphql.json()) as { errors?: { extensions: { code: string } }[] }).errors?.[0]?.extensions.code, 'RATE_LIMITED');
      // A key's own budget, not the address's.
      const { secret } = await createApiKey(gw.gateway.db, { name: 'feed reader', role: Role.PARTNER });
      const keyed = await fetch(`${origin}/feed.atom?limit=50`, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(keyed.status, 200, 'the key’s budget, not the spent address’s');
      const wrong = await fetch(`${origin}/feed.atom`, { headers: { authorization: 'Bearer cg_not_a_key' } });
      assertHttpError({ status: wrong.status, json: await wrong.json() }, 401, 'UNAUTHENTICATED');
    } finally {
      await gw.stop();
    }
  });

  it('allows any origin with CORS_ORIGINS=*, also in an answer to a request without Origin (a shared cache serves it to browsers)', async () => {
    const gw = await startConfiguredGateway({});
    try {
      const plain = await fetch(`${gw.url.replace(/\/graphql$/, '')}/feed.json?limit=1`);
      assert.equal(plain.status, 200);
      assert.equal(plain.headers.get('access-control-allow-origin'), '*');
      assert.match(plain.headers.get('access-control-expose-headers') ?? '', /etag/);
    } finally {
      await gw.stop();
    }
  });
});

describe('syndication feeds with CORS_ORIGINS set', () => {
  it('names an allowed origin, varies on Origin, and refuses another origin with 403 as /graphql does', async () => {
    const gw = await startConfiguredGateway({ CORS_ORIGINS: 'https://partner.example' });
    try {
      const origin = gw.url.replace(/\/graphql$/, '');
      const allowed = await fetch(`${origin}/feed.json?limit=1`, { headers: { origin: 'https://partner.example' } });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://partner.example');
      assert.equal(allowed.headers.get('vary'), 'Origin, Accept-Language');
      const plain = await fetch(`${origin}/feed.json?limit=1`);
      assert.equal(plain.headers.get('vary'), 'Origin, Accept-Language', 'a shared cache must not serve one origin’s answer to another');
      const other = await fetch(`${origin}/feed.json?limit=1`, { headers: { origin: 'https://elsewhere.example' } });
      assertHttpError({ status: other.status, json: await other.json() }, 403, 'FORBIDDEN');
      const graphql = await fetch(gw.url, { method: 'POST', headers: { origin: 'https://elsewhere.example', 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      assert.equal(graphql.status, 403);
    } finally {
      await gw.stop();
    }
  });
});

/** A feed path with its query string in the canonical form the self links use. */
function canonical(path: string): string {
  const [pathname, search = ''] = path.split('?');
  const params = new URLSearchParams(search);
  const lists = ['types', 'nations', 'countries', 'campaigns', 'tags'].flatMap((name) => {
    const norm = name === 'tags' ? (v: string) => v.toLowerCase() : name === 'nations' || name === 'countries' ? (v: string) => v.toUpperCase() : (v: string) => v;
    const values = [...new Set(params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean).map(norm))].sort();
    return values.length ? [`${name}=${values.map(encodeURIComponent).join(',')}`] : [];
  });
  const dates = ['publishedAfter', 'publishedBefore'].flatMap((name) => (params.get(name) ? [`${name}=${encodeURIComponent(new Date(params.get(name)!.replace(/ (\d\d:\d\d)$/, '+$1')).toISOString())}`] : []));
  const limit = params.get('limit') && params.get('limit') !== '50' ? [`limit=${params.get('limit')}`] : [];
  const query = [...lists, ...dates, ...limit].join('&');
  const normalisedPath = pathname.replace(/^\/nations\/([^/]+)/, (_, code: string) => `/nations/${code.toUpperCase()}`);
  return query ? `${normalisedPath}?${query}` : normalisedPath;
}
