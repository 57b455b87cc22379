import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normaliseForSearch } from '../src/search/normalise';
import { ContentStatus, ContentType } from '../src/shared/content/content-status';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import { CLI_ACTOR, write } from '../src/store/session';
import { upsertContent } from '../src/store/upsert';
import { corpusInputs, type CorpusItem } from './fixtures/search-corpus';
import { DRIVERS } from './helpers/drivers';
import { startTestGateway, type TestGateway } from './helpers/server';
import { requestStatements } from './helpers/request-statements';

/** An item of this file's data, in the corpus' shape; English, published, in Iraq unless said otherwise. */
function item(slug: string, at: string, title: string, summary: string, body: string | null, extra: Partial<CorpusItem> = {}): CorpusItem {
  return { slug, type: ContentType.DIGEST_ARTICLE, language: 'en', at, countries: ['IRQ'], title, summary, body, ...extra };
}

const TYPES = [ContentType.DIGEST_ARTICLE, ContentType.CAMPAIGN_STORY, ContentType.SOCIAL_POST, ContentType.STABILISATION_PROJECT];

/**
 * Sixty items about Hajin, the word in the title, the summary or the body (so
 * scores come in tiers), of the four types, in Iraq and Syria, a day apart;
 * every tenth pair shares its text and its date, so that only the id orders it.
 */
function hajinItems(): CorpusItem[] {
  return Array.from({ length: 60 }, (_, n) => {
    const base = hajinBase(n);
    const at = new Date(Date.UTC(2019, 0, 1) + base * 86_400_000).toISOString().slice(0, 10);
    const where = base % 3;
    return item(
      `hajin-${n}`,
      at,
      where === 0 ? `Hajin stabilisation update ${base}` : `Stabilisation update ${base}`,
      where === 1 ? `Progress report from Hajin, number ${base}.` : `Progress report, number ${base}.`,
      where === 2 ? `<p>Work continues in Hajin (${base}).</p>` : `<p>Work continues (${base}).</p>`,
      { type: TYPES[n % 4], countries: [n % 2 ? 'SYR' : 'IRQ'] },
    );
  });
}

/** The item whose text and date Hajin item `n` has: its own, or for every tenth pair the first of the pair's. */
const hajinBase = (n: number) => (n % 10 === 1 ? n - 1 : n);

/** The content id inside a global id (`Type:uuid`, base64url): what search breaks its last ties with. */
const localIdOf = (id: string) => Buffer.from(id, 'base64url').toString().split(':')[1];

/** Items for highlights, filters, drafts and locales. */
const ITEMS: readonly CorpusItem[] = [
  item(
    'markup-in-title',
    '2019-06-01',
    'Rutba <b>schools</b> & "pupils" <script>alert(1)</script>',
    'Plain text summary about Rutba, where <i>nothing</i> is markup.',
    '<p>The body of <strong>Rutba</strong> is HTML and never highlighted.</p>',
  ),
  item('astral-before-match', '2019-06-02', '🇮🇶 Rutba market 🙂 reopens', 'Réouverture du marché de Rutba après cinq ans, dit-on à Rutba.', null, {
    language: 'fr',
  }),
  item('arabic-clitics', '2019-06-03', 'الرطبة والعراق: عودة الأسواق', 'عاد التجار إلى الرطبة والعراق كله يراقب', null, { language: 'ar' }),
  item(
    'long-summary',
    '2019-06-04',
    'A long report',
    `${'The road from the border is long and the trucks are slow. '.repeat(6)}In the end the Rutba clinic got its generator. ${'Other towns wait their turn. '.repeat(6)}`,
    null,
  ),
  item('baghuz-digest-syr', '2019-03-23', 'Baghuz freed', 'The last pocket near Baghuz was taken.', null, { countries: ['SYR'] }),
  item('baghuz-post-syr', '2019-03-24', 'Baghuz: the day after', 'Photos from Baghuz.', null, { type: ContentType.SOCIAL_POST, countries: ['SYR'] }),
  item('baghuz-digest-irq', '2019-03-25', 'Iraq watches Baghuz', 'Border troops on alert near Baghuz.', null),
  item('baghuz-norway', '2019-03-26', 'Norway praises the Baghuz operation', 'A statement from Oslo.', null, { countries: ['SYR', 'NOR'] }),
  item('embargoed-draft', '2019-07-01', 'Shaddadi bridge contract signed', 'Embargoed until the minister speaks.', null, { status: ContentStatus.DRAFT }),
  item('shaddadi-published', '2019-06-30', 'Shaddadi market', 'Stalls reopen in Shaddadi.', null),
  item('translated-water-station', '2019-05-05', 'Water station back in service', 'The pumping station of Markada supplies 9,000 homes again.', null),
  // A post as the social archive stores it (its text is its summary) and the same post without a text.
  item('post-text-is-summary', '2019-04-01', 'Kits handed out', 'Qaim school kits handed out this week.', null, { type: ContentType.SOCIAL_POST }),
  item('post-without-text', '2019-04-02', 'Kits handed out', 'Qaim school kits handed out this week.', null, { type: ContentType.SOCIAL_POST }),
];

const SEARCH = `query ($query: String!, $first: Int, $after: String, $filter: FeedFilter, $locale: Locale) {
  search(query: $query, first: $first, after: $after, filter: $filter, locale: $locale) {
    edges {
      cursor
      score
      node { __typename id ... on Content { slug title summary locale language } ... on MemberNation { code name } }
      highlights { field text ranges { start length } }
    }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Edge {
  cursor: string;
  score: number;
  node: { __typename: string; id: string; slug?: string; title?: string; summary?: string; locale?: string; language?: string; code?: string; name?: string };
  highlights: { field: string; text: string; ranges: { start: number; length: number }[] }[];
}

interface Page {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number;
}

const keyOf = (edge: Edge) => (edge.node.__typename === 'MemberNation' ? `member:${edge.node.code}` : edge.node.slug!);

/** The words a highlight marks, as a reader sees them. */
const marked = (highlight: Edge['highlights'][number]) => highlight.ranges.map(({ start, length }) => highlight.text.slice(start, start + length));

for (const driver of DRIVERS) {
  describe(`search API [${driver}]`, () => {
    let gw: TestGateway;
    const editor: Record<string, string> = {};

    async function search(variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Page> {
      const { body } = await gw.post<{ search: Page }>(SEARCH, variables, headers);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return body.data!.search;
    }

    async function insert(items: readonly CorpusItem[]): Promise<void> {
      await write(gw.gateway.db, CLI_ACTOR, (session) => upsertContent(session, corpusInputs(items)));
    }

    /** Every result of a query, page by page. */
    async function allPages(variables: Record<string, unknown>, first: number): Promise<Edge[]> {
      const edges: Edge[] = [];
      let after: string | null = null;
      for (;;) {
        const page: Page = await search({ ...variables, first, after });
        edges.push(...page.edges);
        if (!page.pageInfo.hasNextPage) return edges;
        after = page.pageInfo.endCursor;
      }
    }

    before(async () => {
      gw = await startTestGateway(driver);
      await insert([...hajinItems(), ...ITEMS]);
      // The post without a text: the same row but for its text.
      await write(gw.gateway.db, CLI_ACTOR, (session) =>
        upsertContent(
          session,
          corpusInputs(ITEMS.filter((i) => i.slug === 'post-without-text')).map((input) => ({ ...input, fields: { ...input.fields, text: null } })),
        ),
      );
      const { secret } = await createApiKey(gw.gateway.db, { name: 'search desk', role: Role.EDITOR });
      editor.authorization = `Bearer ${secret}`;
    });
    after(async () => {
      await gw?.stop();
    });

    it('refuses an empty or whitespace-only query with BAD_USER_INPUT, before any SQL', async () => {
      for (const query of ['', ' ', '\t\n ', '\u00a0\u3000\u2003']) {
        gw.sql.reset();
        const { status, body } = await gw.post(SEARCH, { query });
        assert.equal(status, 200);
        assert.deepEqual(
          {
            data: body.data,
            errors: body.errors?.map(({ message, path, extensions }) => ({ message, path, code: extensions?.code, argument: extensions?.argument })),
          },
          { data: null, errors: [{ message: 'Give search words: the query is empty', path: ['search'], code: 'BAD_USER_INPUT', argument: 'query' }] },
          JSON.stringify(query),
        );
        assert.equal(requestStatements(gw.sql).length, 0, 'refused before any SQL');
      }
    });

    it('answers hostile queries with results or an empty page, never an error (but text holding U+0000, refused as everywhere), and the database is intact after', async () => {
      const hostile = [
        '"',
        '"""',
        '""',
        '" "',
        '-',
        '- -',
        '--',
        '-"',
        'OR',
        'OR OR',
        'OR OR OR hajin',
        'hajin OR',
        '-OR',
        'OR -',
        '*',
        'hajin*',
        '*hajin',
        '(',
        ')',
        '(hajin OR',
        'NEAR(',
        'NEAR(hajin update, 2)',
        'hajin NOT update',
        'hajin AND update',
        'a:b',
        'title:hajin',
        '{title}: hajin',
        '^hajin',
        "'",
        "''",
        "hajin's",
        '\\',
        '\\\\',
        "\\'",
        "'; DROP TABLE content; --",
        '" OR 1=1 --',
        "hajin') OR ('1'='1",
        'hajin & update | !raqqa',
        "'hajin':*",
        'hajin <-> update',
        '<->',
        '!',
        ':*',
        '$1',
        ':searchQuery',
        '%',
        '_',
        '\u0000',
        'hajin\u0000update',
        '\ud800',
        '🙂',
        '\u200d',
        '\u0301',
        '\u202e',
        '٣٠٠٠',
        'ﷺ',
        '½',
        'a'.repeat(5000),
        `"${'hajin '.repeat(300)}"`,
        '-hajin '.repeat(200),
        Array.from({ length: 20_000 }, (_, n) => `w${n}`).join(' '),
        'hajin OR '.repeat(2000),
      ];
      // And a few hundred more, random but the same each run, from the pieces people and attackers type.
      const pieces = [
        '"',
        "'",
        '-',
        '*',
        '(',
        ')',
        ':',
        '^',
        '!',
        '&',
        '|',
        '<->',
        '\\',
        ' ',
        ' ',
        ' OR ',
        'NEAR',
        'AND',
        'hajin',
        'hāj',
        'الرطبة',
        'و',
        '١٢',
        '3e5',
        '1.5e-3',
        '-1',
        '_',
        '%',
        '{',
        '}',
        '\u0000',
      ];
      let seed = 14;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      for (let n = 0; n < 300; n++) {
        const query = Array.from({ length: 1 + Math.floor(random() * 8) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
        // Only a blank query is an error, and that is the test above.
        if (query.trim() !== '') hostile.push(query);
      }
      for (const query of hostile) {
        const { status, body } = await gw.post<{ search: Page }>(
          `query ($query: String!) { search(query: $query, first: 5) { totalCount edges { node { id } } } }`,
          { query },
        );
        if (query.includes('\u0000')) {
          // Text holding U+0000 is refused on every way in (shared/text-input.ts), search included: one clear error, never the database's.
          assert.equal(status, 400, JSON.stringify(query).slice(0, 80));
          assert.deepEqual(body.errors?.map((error) => [error.extensions?.code, error.extensions?.reason]), [['BAD_USER_INPUT', 'NUL_CHARACTER']]);
          continue;
        }
        assert.equal(status, 200, JSON.stringify(query).slice(0, 80));
        assert.equal(body.errors, undefined, `${JSON.stringify(query).slice(0, 80)}: ${JSON.stringify(body.errors)}`);
        assert.ok(Array.isArray(body.data!.search.edges));
        assert.ok(body.data!.search.totalCount! >= body.data!.search.edges.length);
      }
      // What cannot match gives an empty page rather than an error.
      for (const query of ['"', '-', '*', '(', "'", '\\', '-hajin', '🙂']) {
        const { body } = await gw.post(
          `query ($query: String!) { search(query: $query) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
          { query },
        );
        assert.deepEqual(body, { data: { search: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } } } }, JSON.stringify(query));
      }
      // Stray quotes and operators around a word leave the word: the same 60 items, and every item still there.
      for (const query of ['hajin', 'hajin*', '"hajin', 'hajin"', '(hajin)', '-"hajin', 'hajin OR']) {
        const { body } = await gw.post(`query ($query: String!) { search(query: $query) { totalCount } }`, { query });
        assert.deepEqual(body, { data: { search: { totalCount: query === '-"hajin' ? 0 : 60 } } }, query);
      }
    });

    it('highlights plain text with ranges in UTF-16 code units, never markup, and never the body', async () => {
      const page = await search({ query: 'rutba' });
      const byKey = new Map(page.edges.map((edge) => [keyOf(edge), edge]));
      const markup = byKey.get('markup-in-title')!;
      // The title is text that happens to hold angle brackets: it comes back as it is, marked only by ranges.
      assert.deepEqual(markup.highlights, [
        { field: 'title', text: 'Rutba <b>schools</b> & "pupils" <script>alert(1)</script>', ranges: [{ start: 0, length: 5 }] },
        { field: 'summary', text: 'Plain text summary about Rutba, where <i>nothing</i> is markup.', ranges: [{ start: 25, length: 5 }] },
      ]);
      assert.equal(markup.node.title, markup.highlights[0].text);
      // After a flag (two astral code points, four UTF-16 units) and a space: offset 5.
      const astral = byKey.get('astral-before-match')!;
      assert.deepEqual(astral.highlights[0], { field: 'title', text: '🇮🇶 Rutba market 🙂 reopens', ranges: [{ start: 5, length: 5 }] });
      assert.deepEqual(marked(astral.highlights[1]), ['Rutba', 'Rutba']);
      // A long summary comes back as a passage around the match, still plain text.
      const long = byKey.get('long-summary')!;
      assert.deepEqual(
        long.highlights.map((h) => h.field),
        ['summary'],
      );
      assert.ok(long.highlights[0].text.length <= 170 && long.highlights[0].text.includes('…'), long.highlights[0].text);
      assert.deepEqual(marked(long.highlights[0]), ['Rutba']);
      for (const edge of page.edges) {
        for (const highlight of edge.highlights) {
          assert.ok(['title', 'summary'].includes(highlight.field), 'the body (HTML) is never highlighted');
          assert.ok(!/<\/?(mark|em|strong|span)\b/.test(highlight.text.replace(/<\/?(b|i|script)>/g, '')), 'no markup is added');
          for (const word of marked(highlight)) assert.equal(normaliseForSearch(word), 'rutba', word);
        }
      }
    });

    it('marks what the query matched under normalisation: accents, plurals, Arabic clitics, prefixes', async () => {
      const french = await search({ query: 'reouverture marche' });
      assert.deepEqual(
        french.edges.map((edge) => [keyOf(edge), edge.highlights.map((h) => [h.field, marked(h)])]),
        [['astral-before-match', [['summary', ['Réouverture', 'marché']]]]],
      );
      const arabic = await search({ query: 'العراق الرطبة' });
      assert.deepEqual(
        arabic.edges.map((edge) => [keyOf(edge), edge.highlights.map((h) => [h.field, marked(h)])]),
        [
          [
            'arabic-clitics',
            [
              ['title', ['الرطبة', 'والعراق']],
              ['summary', ['الرطبة', 'والعراق']],
            ],
          ],
        ],
      );
      const prefix = await search({ query: 'stabilisation upd', first: 1 });
      assert.deepEqual(
        marked(prefix.edges[0].highlights[0]).map((word) => word.toLowerCase()),
        ['stabilisation', 'update'],
      );
    });

    it('pages with first/after without duplicates or gaps, in score, date and id order', async () => {
      const whole = await search({ query: 'hajin', first: 100 });
      const pages = await allPages({ query: 'hajin' }, 7);
      assert.deepEqual(pages.map(keyOf), whole.edges.map(keyOf));
      assert.equal(new Set(pages.map(keyOf)).size, 60);
      // Title matches first, then summary, then body; within a tier newest first, and a pair with the same text and date by id.
      const bases = pages.map((edge) => hajinBase(Number(edge.node.slug!.split('-')[1])));
      assert.deepEqual(
        bases,
        [...bases].sort((a, b) => (a % 3) - (b % 3) || b - a),
      );
      let pairs = 0;
      for (let n = 1; n < pages.length; n++) {
        const [a, b] = [pages[n - 1], pages[n]];
        assert.ok(a.score >= b.score, 'scores never increase');
        if (bases[n - 1] === bases[n]) {
          pairs++;
          assert.equal(a.score, b.score);
          assert.ok(localIdOf(a.node.id) > localIdOf(b.node.id), 'the greater id first');
        }
      }
      assert.equal(pairs, 6);
      assert.equal(whole.pageInfo.hasNextPage, false);
      // A cursor of another list, or none at all, is the caller's mistake.
      for (const after of ['garbage', (await gw.post('{ feed(first: 1) { pageInfo { endCursor } } }')).body.data.feed.pageInfo.endCursor]) {
        const { body } = await gw.post(SEARCH, { query: 'hajin', after });
        assert.deepEqual(
          body.errors?.map(({ message, path, extensions }) => ({ message, path, code: extensions?.code, argument: extensions?.argument })),
          [{ message: '"after" is not a valid cursor for this list', path: ['search'], code: 'BAD_USER_INPUT', argument: 'after' }],
        );
      }
      const last = await search({ query: 'hajin', first: 5, after: whole.pageInfo.endCursor });
      assert.deepEqual(last, { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null } });
    });

    it('keeps paging stable while matching and other items arrive between pages: no duplicates, no older item skipped', async () => {
      const before = (await allPages({ query: 'hajin' }, 100)).map(keyOf);
      const first = await search({ query: 'hajin', first: 10 });
      // New items that rank above the cursor, one that ranks among the rest, and unrelated ones that change the corpus.
      await insert([
        ...[0, 1, 2].map((n) => item(`hajin-new-${n}`, '2020-01-0' + (n + 1), `Hajin news ${n}`, `Hajin today, ${n}.`, null)),
        item('hajin-late-body', '2018-06-01', 'Late report', 'Filed late.', '<p>From Hajin.</p>'),
        ...Array.from({ length: 40 }, (_, n) => item(`unrelated-${n}`, '2019-02-01', `Unrelated ${n}`, 'Nothing to do with the search.', null)),
      ]);
      const seen = first.edges.map(keyOf);
      let after = first.pageInfo.endCursor;
      for (;;) {
        const page: Page = await search({ query: 'hajin', first: 10, after });
        seen.push(...page.edges.map(keyOf));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      assert.equal(new Set(seen).size, seen.length, `no duplicates: ${seen.join(' ')}`);
      assert.deepEqual(
        seen.filter((key) => before.includes(key)),
        before,
        'every older item once, in its order',
      );
      assert.ok(seen.includes('hajin-late-body'), 'an item that arrives among the rest is reached');
      assert.ok(!seen.some((key) => key.startsWith('hajin-new-')), 'items that arrive above the cursor are not mixed into later pages');
      const top = await search({ query: 'hajin', first: 3 });
      assert.deepEqual(top.edges.map(keyOf).sort(), ['hajin-new-0', 'hajin-new-1', 'hajin-new-2']);
    });

    it('counts in totalCount what the pages hold, with and without a filter', async () => {
      for (const [query, filter] of [
        ['hajin', null],
        ['hajin', { countries: ['SYR'] }],
        ['hajin', { types: ['SOCIAL_POST', 'CAMPAIGN_STORY'] }],
        ['baghuz', null],
        ['norway', null],
        // Thirty-odd members whose region is Europe, all dated the same: paging through ties of score and date.
        ['europe', null],
      ] as const) {
        const { body } = await gw.post(`query ($query: String!, $filter: FeedFilter) { search(query: $query, filter: $filter, first: 1) { totalCount } }`, {
          query,
          filter,
        });
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        const pages = await allPages({ query, filter }, 9);
        assert.equal(body.data.search.totalCount, pages.length, `${query} ${JSON.stringify(filter)}`);
        assert.equal(new Set(pages.map(keyOf)).size, pages.length, 'no result twice');
        assert.ok(pages.length > 0);
      }
    });

    it('narrows by the filter (countries, types) and then finds no members', async () => {
      const unfiltered = await search({ query: 'baghuz OR norway', first: 100 });
      assert.ok(
        unfiltered.edges.some((edge) => keyOf(edge) === 'member:NOR'),
        'members are found without a filter',
      );
      assert.deepEqual(
        unfiltered.edges
          .map(keyOf)
          .filter((key) => key.startsWith('baghuz'))
          .sort(),
        ['baghuz-digest-irq', 'baghuz-digest-syr', 'baghuz-norway', 'baghuz-post-syr'],
      );

      const syria = await search({ query: 'baghuz OR norway', filter: { countries: ['SYR'] }, first: 100 });
      assert.deepEqual(syria.edges.map(keyOf).sort(), ['baghuz-digest-syr', 'baghuz-norway', 'baghuz-post-syr']);

      const posts = await search({ query: 'baghuz', filter: { types: ['SOCIAL_POST'] }, first: 100 });
      assert.deepEqual(posts.edges.map(keyOf), ['baghuz-post-syr']);

      const nations = await search({ query: 'norway', filter: { nations: ['NOR'] }, first: 100 });
      assert.deepEqual(nations.edges.map(keyOf), ['baghuz-norway']);

      // A member is highlighted by its name, in the locale asked.
      const members = await Promise.all(
        (
          [
            ['norway', null],
            ['Norvège', 'FR'],
            ['النرويج', 'AR'],
          ] as const
        ).map(async ([query, locale]) => {
          const found = (await search({ query, locale, first: 100 })).edges.find((edge) => keyOf(edge) === 'member:NOR');
          return [found?.node.name, found?.highlights];
        }),
      );
      assert.deepEqual(members, [
        ['Norway', [{ field: 'name', text: 'Norway', ranges: [{ start: 0, length: 6 }] }]],
        ['Norvège', [{ field: 'name', text: 'Norvège', ranges: [{ start: 0, length: 7 }] }]],
        ['النرويج', [{ field: 'name', text: 'النرويج', ranges: [{ start: 0, length: 7 }] }]],
      ]);

      // An empty filter is no filter.
      const empty = await search({ query: 'norway', filter: {}, first: 100 });
      assert.ok(empty.edges.some((edge) => keyOf(edge) === 'member:NOR'));
    });

    it('finds drafts for editors only', async () => {
      const anonymous = await search({ query: 'shaddadi', first: 100 });
      assert.deepEqual(anonymous.edges.map(keyOf), ['shaddadi-published']);
      const { body } = await gw.post(`{ search(query: "shaddadi bridge") { totalCount edges { node { id } } } }`);
      assert.deepEqual(body, { data: { search: { totalCount: 0, edges: [] } } });
      const editorial = await search({ query: 'shaddadi', first: 100 }, editor);
      assert.deepEqual(editorial.edges.map(keyOf).sort(), ['embargoed-draft', 'shaddadi-published']);
    });

    it('follows an item withdrawn and published again: found by the public only while published, placed by its new publication time', async () => {
      await insert([
        item('tabqa-older', '2019-08-01', 'Tabqa dam repairs', 'Engineers at the Tabqa dam.', null, { countries: ['SYR'] }),
        item('tabqa-newer', '2019-08-02', 'Tabqa dam repairs', 'Engineers at the Tabqa dam.', null, { countries: ['SYR'] }),
      ]);
      const found = async (headers: Record<string, string> = {}, filter: Record<string, unknown> | null = null) => {
        const { body } = await gw.post<{ search: Page }>(
          `query ($filter: FeedFilter) { search(query: "tabqa dam", filter: $filter, first: 10) { totalCount edges { node { ... on Content { id slug version } } } } }`,
          { filter },
          headers,
        );
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        return body.data!.search;
      };
      const slugs = async (headers: Record<string, string> = {}, filter: Record<string, unknown> | null = null) => {
        const page = await found(headers, filter);
        assert.equal(page.totalCount, page.edges.length, 'the count agrees with the page');
        return page.edges.map(keyOf);
      };
      const mutate = async (mutation: string, variables: Record<string, unknown>) => {
        const { body } = await gw.post(mutation, variables, editor);
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      };
      assert.deepEqual(await slugs(), ['tabqa-newer', 'tabqa-older'], 'same score: newest first');
      const newer = (await found()).edges[0].node as Edge['node'] & { version: number };

      await mutate(`mutation ($id: ID!, $v: Int!) { unpublishContent(id: $id, expectedVersion: $v) { id } }`, { id: newer.id, v: newer.version });
      assert.deepEqual(await slugs(), ['tabqa-older'], 'withdrawn: no longer found by the public');
      assert.deepEqual(await slugs(editor), ['tabqa-newer', 'tabqa-older'], 'editors still find it');

      await mutate(`mutation ($id: ID!, $v: Int!, $at: DateTime) { publishContent(id: $id, expectedVersion: $v, publishedAt: $at) { id } }`, {
        id: newer.id,
        v: newer.version + 1,
        at: '2019-07-01T00:00:00.000Z',
      });
      assert.deepEqual(await slugs(), ['tabqa-older', 'tabqa-newer'], 'published again, a month earlier: now the older of the two');
      assert.deepEqual(await slugs({}, { types: ['DIGEST_ARTICLE'] }), ['tabqa-older', 'tabqa-newer'], 'a type filter finds both');
      assert.deepEqual(await slugs({}, { types: ['SOCIAL_POST'] }), [], 'and the other types none');
      assert.deepEqual(await slugs({}, { types: ['DIGEST_ARTICLE'], countries: ['SYR'] }), ['tabqa-older', 'tabqa-newer'], 'nor does another filter change the order');
    });

    it('ranks a post whose text is its summary as if the words were written once', async () => {
      const page = await search({ query: 'qaim' });
      assert.deepEqual(page.edges.map(keyOf), ['post-without-text', 'post-text-is-summary'], 'same score, newest first');
      assert.equal(page.edges[0].score, page.edges[1].score);
    });

    it('runs the same statements for a page of 5 and a page of 50, whatever the selection', async () => {
      const counts: Record<string, number[]> = {};
      for (const [name, locale] of [
        ['original', null],
        ['translated', 'AR'],
      ] as const) {
        counts[name] = [];
        for (const first of [5, 50]) {
          gw.sql.reset();
          const page = await search({ query: 'hajin', first, locale });
          assert.equal(page.edges.length, first);
          counts[name].push(requestStatements(gw.sql).length);
        }
      }
      // One statement for the page, which says which locales each item is translated into: none of these into Arabic, so nothing more to read.
      // On PostgreSQL one more before it: "hajin" as typed is a prefix, looked up in the index's words (src/search/prefixes.ts).
      const own = driver === 'postgres' ? 2 : 1;
      assert.deepEqual(counts, { original: [own, own], translated: [own, own] });
      const withNested = `query ($first: Int) { search(query: "hajin", first: $first) { totalCount edges { node { ... on Content { nations { name } countries tags source { name } } } } } }`;
      const nested: number[] = [];
      for (const first of [5, 50]) {
        gw.sql.reset();
        const { body } = await gw.post(withNested, { first });
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        nested.push(requestStatements(gw.sql).length);
      }
      // The page (nations and source come with it), the count, and one batch each for countries and tags (and the prefix's words on PostgreSQL).
      assert.deepEqual(nested, [own + 3, own + 3]);
    });

    // SQLite ranks FTS5 rows joined to content whatever the filter.
    if (driver === 'postgres') it('ranks from the index alone on PostgreSQL when filtered by type at most, and joins content for other filters', async () => {
      const rankingJoinsContent = async (filter: Record<string, unknown> | null) => {
        gw.sql.reset();
        const { body } = await gw.post(`query ($filter: FeedFilter) { search(query: "hajin", filter: $filter, first: 5) { totalCount edges { cursor } } }`, { filter });
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        const statements = requestStatements(gw.sql).filter((text) => /\bsearch_entry\b/.test(text));
        assert.equal(statements.length, 2, 'the page and the count');
        return statements.map((text) => /FROM search_entry e (CROSS JOIN \(SELECT to_tsquery\S* \S+ AS query, to_tsquery\S* \S+ AS matching\) q )?LEFT JOIN content c ON c\.id = e\.content_id/.test(text));
      };
      assert.deepEqual(await rankingJoinsContent(null), [false, false]);
      assert.deepEqual(await rankingJoinsContent({ types: ['SOCIAL_POST'] }), [false, false]);
      assert.deepEqual(await rankingJoinsContent({ countries: ['SYR'] }), [true, true]);
    });

    it('reports its cost like any connection, counts a total once, and is refused above the limit like the feed', async () => {
      const pairs = [
        ['search(query: "hajin", first: 10) { edges { node { id } } }', 'feed(first: 10) { edges { node { id } } }'],
        ['search(query: "hajin", first: 100) { totalCount edges { node { id } } }', 'feed(first: 100) { totalCount edges { node { id } } }'],
        ['search(query: "hajin", first: 20) { totalCount }', 'feed(first: 20) { totalCount }'],
      ];
      const costs: number[] = [];
      for (const [search, feed] of pairs) {
        const found = await gw.post(`{ ${search} }`);
        const fed = await gw.post(`{ ${feed} }`);
        assert.equal(found.body.errors, undefined, `${search}: ${JSON.stringify(found.body.errors)}`);
        assert.deepEqual(found.extensions, fed.extensions, search);
        costs.push(found.extensions!.cost!.cost);
      }
      // 1 for the connection, 2 per edge with its node, 100 for a count (once, not per item).
      assert.deepEqual(costs, [21, 301, 101]);
      // A count is priced wherever it is selected: through fragments, twice under aliases, not when skipped.
      const priced: [string, Record<string, unknown>, number][] = [
        ['query { search(query: "hajin", first: 20) { ...Count } } fragment Count on SearchResultConnection { totalCount }', {}, 101],
        ['query { search(query: "hajin", first: 20) { ... on SearchResultConnection { totalCount } } }', {}, 101],
        ['query { search(query: "hajin", first: 20) { a: totalCount b: totalCount } }', {}, 201],
        ['query ($skip: Boolean!) { search(query: "hajin", first: 20) { totalCount @skip(if: $skip) } }', { skip: true }, 1],
        ['query ($skip: Boolean!) { search(query: "hajin", first: 20) { totalCount @skip(if: $skip) } }', { skip: false }, 101],
      ];
      for (const [query, variables, cost] of priced) {
        const { body, extensions } = await gw.post(query, variables);
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        assert.equal(extensions?.cost?.cost, cost, `${query} ${JSON.stringify(variables)}`);
      }

      const tooMuch = (root: string) => `{ ${root} { edges { node { ... on Content { nations { feed(first: 100) { edges { node { id } } } } } } } } }`;
      const refusedSearch = await gw.post(tooMuch('search(query: "hajin", first: 100)'));
      const refusedFeed = await gw.post(tooMuch('feed(first: 100)'));
      assert.equal(refusedSearch.status, 400);
      assert.deepEqual(refusedSearch.body, refusedFeed.body);
      assert.deepEqual(
        refusedSearch.body.errors?.map((error) => error.extensions?.code),
        ['QUERY_TOO_COMPLEX'],
      );
      assert.match(refusedSearch.body.errors![0].message, /^Query cost is \d+, above the limit of 10000$/);
    });

    it('finds a translated item by its translated title and serves it in that locale', async () => {
      const id = (await search({ query: 'markada' })).edges[0].node.id;
      const { body: set } = await gw.post(
        `mutation ($id: ID!) { setTranslation(id: $id, locale: FR, input: { title: "La station de pompage de Markada remise en service", summary: "Elle alimente de nouveau 9 000 foyers." }) { version } }`,
        { id },
        editor,
      );
      assert.deepEqual(set, { data: { setTranslation: { version: 1 } } });

      const french = await search({ query: 'station pompage', locale: 'FR' });
      assert.deepEqual(
        french.edges.map((edge) => ({
          key: keyOf(edge),
          title: edge.node.title,
          locale: edge.node.locale,
          language: edge.node.language,
          highlights: edge.highlights.map((h) => [h.field, marked(h)]),
        })),
        [
          {
            key: 'translated-water-station',
            title: 'La station de pompage de Markada remise en service',
            locale: 'FR',
            language: 'en',
            highlights: [['title', ['station', 'pompage']]],
          },
        ],
      );
      // Asked in French by the header, the same.
      const byHeader = await search({ query: 'station pompage' }, { 'accept-language': 'fr-FR,fr;q=0.9' });
      assert.deepEqual(
        byHeader.edges.map((edge) => [edge.node.title, edge.node.locale]),
        [['La station de pompage de Markada remise en service', 'FR']],
      );
      // In English the item is still found by its French words, and served in English: no range marks a word the English text lacks.
      const english = await search({ query: 'station pompage', locale: 'EN' });
      assert.deepEqual(
        english.edges.map((edge) => [edge.node.title, edge.node.locale]),
        [['Water station back in service', 'EN']],
      );
      for (const highlight of english.edges[0].highlights) for (const word of marked(highlight)) assert.match(normaliseForSearch(word), /^(station|pompage)/);
    });
  });
}
