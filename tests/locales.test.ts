import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { ContentStatus, ContentType } from '../src/shared/content/content-status';
import { directionOfLanguage, Locale, localeFromAcceptLanguage, TextDirection } from '../src/shared/content/locale';
import { CLI_ACTOR, write } from '../src/store/session';
import { setTranslation, type TranslationFields } from '../src/store/translations';
import { upsertContent, type UpsertInput } from '../src/store/upsert';
import { DRIVERS } from './helpers/drivers';
import { requestStatements } from './helpers/request-statements';
import { startTestGateway, type TestGateway } from './helpers/server';

type Texts = { title: string; summary: string; body?: string | null; place?: string | null };

/** An item written in one language, with translations, and what it is served as in each locale. */
interface Fixture {
  readonly slug: string;
  readonly type: ContentType;
  readonly language: string;
  readonly original: Texts;
  readonly translations: Partial<Record<Locale, Texts>>;
  readonly publishedAt: string;
  /** The locale each locale asked for serves, with the text it serves. */
  readonly served: Record<Locale, Locale | 'ORIGINAL'>;
  /** The locale reported for the original's text (EN for a language we do not serve). */
  readonly originalLocale: Locale;
  /** Set for an original in a language we do not serve that is written right to left (Persian, Sorani). */
  readonly originalRunsRightToLeft?: true;
}

const FIXTURES: Fixture[] = [
  {
    slug: 'story-en',
    type: ContentType.CAMPAIGN_STORY,
    language: 'en',
    original: { title: 'Schools reopen in Mosul', summary: 'Children return to class near Qayyarah.', body: '<p>Children return to class.</p>' },
    translations: {
      AR: { title: 'إعادة فتح المدارس في الموصل', summary: 'يعود الأطفال إلى الفصول.', body: '<p>عاد الأطفال إلى الفصول.</p>' },
      FR: { title: 'Réouverture des écoles à Mossoul', summary: 'Les enfants retournent en classe.', body: null },
    },
    publishedAt: '2021-01-10T00:00:00Z',
    served: { EN: 'ORIGINAL', AR: Locale.AR, FR: Locale.FR },
    originalLocale: Locale.EN,
  },
  {
    slug: 'project-en',
    type: ContentType.STABILISATION_PROJECT,
    language: 'en',
    original: { title: 'Water network in West Mosul', summary: 'Pipes relaid across the old city.', place: 'West Mosul' },
    translations: {
      AR: { title: 'شبكة المياه في غرب الموصل', summary: 'إعادة مد الأنابيب في المدينة القديمة.', place: 'غرب الموصل' },
      FR: { title: 'Réseau d’eau à Mossoul-Ouest', summary: 'Les canalisations de la vieille ville sont refaites.', place: null },
    },
    publishedAt: '2021-01-09T00:00:00Z',
    served: { EN: 'ORIGINAL', AR: Locale.AR, FR: Locale.FR },
    originalLocale: Locale.EN,
  },
  {
    slug: 'digest-all',
    type: ContentType.DIGEST_ARTICLE,
    language: 'fr',
    original: { title: 'Le marché d’Anah rouvre', summary: 'Les commerçants reviennent.' },
    translations: {
      EN: { title: 'Anah market reopens', summary: 'Traders come back.' },
      AR: { title: 'إعادة افتتاح سوق عانة', summary: 'عودة التجار.' },
    },
    publishedAt: '2021-01-08T00:00:00Z',
    served: { EN: Locale.EN, AR: Locale.AR, FR: 'ORIGINAL' },
    originalLocale: Locale.FR,
  },
  {
    slug: 'post-all',
    type: ContentType.SOCIAL_POST,
    language: 'ar',
    original: { title: 'المدارس تفتح أبوابها في الرقة', summary: 'عاد الطلاب إلى مدارسهم.' },
    translations: {
      EN: { title: 'Schools open their doors in Raqqa', summary: 'Pupils are back at school.' },
      FR: { title: 'Les écoles ouvrent leurs portes à Raqqa', summary: 'Les élèves sont de retour.' },
    },
    publishedAt: '2021-01-07T00:00:00Z',
    served: { EN: Locale.EN, AR: 'ORIGINAL', FR: Locale.FR },
    originalLocale: Locale.AR,
  },
  {
    slug: 'digest-ar',
    type: ContentType.DIGEST_ARTICLE,
    language: 'ar',
    original: { title: 'عودة الحياة إلى سوق عانة', summary: 'الأسواق تنبض بالحياة من جديد.' },
    translations: {},
    publishedAt: '2021-01-05T00:00:00Z',
    served: { EN: 'ORIGINAL', AR: 'ORIGINAL', FR: 'ORIGINAL' },
    originalLocale: Locale.AR,
  },
  {
    // Asked in French, it has no French: its original (Arabic), not its English.
    slug: 'digest-ar-en',
    type: ContentType.DIGEST_ARTICLE,
    language: 'ar-IQ',
    original: { title: 'افتتاح جسر في الرقة', summary: 'جسر جديد يربط ضفتي النهر.' },
    translations: { EN: { title: 'A bridge opens in Raqqa', summary: 'A new bridge joins the two banks.' } },
    publishedAt: '2021-01-04T00:00:00Z',
    served: { EN: Locale.EN, AR: 'ORIGINAL', FR: 'ORIGINAL' },
    originalLocale: Locale.AR,
  },
  {
    slug: 'post-fr',
    type: ContentType.SOCIAL_POST,
    language: 'fr-BE',
    original: { title: 'Les écoles rouvrent à Raqqa', summary: 'Une rentrée attendue depuis longtemps.' },
    translations: {},
    publishedAt: '2021-01-03T00:00:00Z',
    served: { EN: 'ORIGINAL', AR: 'ORIGINAL', FR: 'ORIGINAL' },
    originalLocale: Locale.FR,
  },
  {
    // An original in a language we do not serve: English when asked for a locale it lacks.
    slug: 'digest-de-en',
    type: ContentType.DIGEST_ARTICLE,
    language: 'de',
    original: { title: 'Brunnen in Sindschar repariert', summary: 'Die Wasserversorgung ist wiederhergestellt.' },
    translations: {
      EN: { title: 'Wells repaired in Sinjar', summary: 'The water supply is restored.' },
      AR: { title: 'إصلاح الآبار في سنجار', summary: 'عودة إمدادات المياه.' },
    },
    publishedAt: '2021-01-02T00:00:00Z',
    served: { EN: Locale.EN, AR: Locale.AR, FR: Locale.EN },
    originalLocale: Locale.EN,
  },
  {
    // … and its original when it has no English either.
    slug: 'digest-de',
    type: ContentType.DIGEST_ARTICLE,
    language: 'de',
    original: { title: 'Minenräumung in Falludscha', summary: 'Die Straßen sind wieder sicher.' },
    translations: { FR: { title: 'Déminage à Falloujah', summary: 'Les rues sont de nouveau sûres.' } },
    publishedAt: '2021-01-01T00:00:00Z',
    served: { EN: 'ORIGINAL', AR: 'ORIGINAL', FR: Locale.FR },
    originalLocale: Locale.EN,
  },
  {
    // An original in Kurdish Sorani (Arabic script), a language we do not serve: reported as EN, yet its own text runs right to left.
    slug: 'post-ckb',
    type: ContentType.SOCIAL_POST,
    language: 'ckb',
    original: { title: 'قوتابخانەکان لە مووسڵ دەکرێنەوە', summary: 'منداڵان دەگەڕێنەوە بۆ پۆل.' },
    translations: {},
    publishedAt: '2020-12-31T00:00:00Z',
    served: { EN: 'ORIGINAL', AR: 'ORIGINAL', FR: 'ORIGINAL' },
    originalLocale: Locale.EN,
    originalRunsRightToLeft: true,
  },
  {
    // … and one in Persian with English and French translations: served in those, left to right, whatever is asked.
    slug: 'digest-fa-en',
    type: ContentType.DIGEST_ARTICLE,
    language: 'fa',
    original: { title: 'بازگشایی بازار در سنجار', summary: 'بازرگانان بازمی‌گردند.' },
    translations: { EN: { title: 'Market reopens in Sinjar', summary: 'Traders return.' }, FR: { title: 'Le marché de Sinjar rouvre', summary: 'Les commerçants reviennent.' } },
    publishedAt: '2020-12-30T00:00:00Z',
    served: { EN: Locale.EN, AR: Locale.EN, FR: Locale.FR },
    originalLocale: Locale.EN,
  },
  {
    // Kurmanji in Latin letters (its likely script): left to right.
    slug: 'post-ku',
    type: ContentType.SOCIAL_POST,
    language: 'ku',
    original: { title: 'Dibistan li Şingalê vedibin', summary: 'Zarok vedigerin polê.' },
    translations: {},
    publishedAt: '2020-12-29T00:00:00Z',
    served: { EN: 'ORIGINAL', AR: 'ORIGINAL', FR: 'ORIGINAL' },
    originalLocale: Locale.EN,
  },
];

const LOCALES = [Locale.EN, Locale.AR, Locale.FR];

function fieldsOf(fixture: Fixture): Record<string, unknown> {
  switch (fixture.type) {
    case ContentType.CAMPAIGN_STORY:
      return { places: ['Mosul'] };
    case ContentType.SOCIAL_POST:
      return { platform: 'TWITTER', authorHandle: 'Coalition', text: fixture.original.summary, hashtags: ['ThisGenerationLearns'], mentions: [], links: [] };
    case ContentType.STABILISATION_PROJECT:
      return { sector: 'water', phase: 'ONGOING', implementingPartner: null, place: fixture.original.place, countryCode: 'IRQ', budgetUsd: null, startedOn: null, completedOn: null };
    default:
      return { outlet: 'Test Outlet', originalUrl: null };
  }
}

/** Writes the fixtures through the connectors' upsert and their translations through the editors' store function; returns their ids by slug. */
async function insertFixtures(db: DataSource, fixtures: readonly Fixture[], tag: string): Promise<Map<string, string>> {
  const inputs: UpsertInput[] = fixtures.map((fixture) => ({
    type: fixture.type,
    slug: fixture.slug,
    title: fixture.original.title,
    summary: fixture.original.summary,
    body: fixture.original.body ?? null,
    language: fixture.language,
    publishedAt: new Date(fixture.publishedAt),
    status: ContentStatus.PUBLISHED,
    countries: ['IRQ'],
    tags: [tag],
    campaign: fixture.type === ContentType.CAMPAIGN_STORY ? 'this-generation-learns' : null,
    fields: fieldsOf(fixture),
  }));
  const results = await write(db, CLI_ACTOR, (session) => upsertContent(session, inputs));
  const ids = new Map(fixtures.map((fixture, i) => [fixture.slug, results[i].id]));
  for (const fixture of fixtures) {
    for (const [locale, texts] of Object.entries(fixture.translations) as [Locale, TranslationFields][]) {
      await write(db, CLI_ACTOR, (session) => setTranslation(session, ids.get(fixture.slug)!, locale, null, texts));
    }
  }
  return ids;
}

/** The text a fixture is served with for a locale asked. */
function textsServed(fixture: Fixture, asked: Locale): { texts: Texts; locale: Locale } {
  const served = fixture.served[asked];
  if (served === 'ORIGINAL') return { texts: fixture.original, locale: fixture.originalLocale };
  const translation = fixture.translations[served]!;
  // A translation replaces field by field: what it leaves null is the original's.
  return {
    texts: { title: translation.title, summary: translation.summary, body: translation.body ?? fixture.original.body, place: translation.place ?? fixture.original.place },
    locale: served,
  };
}

/** A fixture as `...Served` answers it when asked for `asked`. */
function expected(fixture: Fixture, asked: Locale) {
  const { texts, locale } = textsServed(fixture, asked);
  const own = fixture.language.split('-')[0].toUpperCase();
  const translations = [...new Set([...(LOCALES.includes(own as Locale) ? [own] : []), ...Object.keys(fixture.translations)])].sort();
  return {
    slug: fixture.slug,
    title: texts.title,
    summary: texts.summary,
    body: texts.body ?? null,
    ...(fixture.type === ContentType.STABILISATION_PROJECT ? { place: texts.place ?? null } : {}),
    locale,
    language: fixture.language,
    direction: locale === Locale.AR || (fixture.served[asked] === 'ORIGINAL' && fixture.originalRunsRightToLeft) ? 'RTL' : 'LTR',
    translations,
  };
}

const SERVED = `fragment Served on Content { slug title summary body locale language direction translations ... on StabilisationProject { place } }`;

const byName = (slug: string) => FIXTURES.find((fixture) => fixture.slug === slug)!;

for (const driver of DRIVERS) {
  describe(`locales [${driver}]`, () => {
    let gw: TestGateway;
    let ids: Map<string, string>;
    let nodeIds: Map<string, string>;

    before(async () => {
      gw = await startTestGateway(driver);
      ids = await insertFixtures(gw.gateway.db, FIXTURES, 'locales');
      const { body } = await gw.post(`{ feed(first: 20, filter: { tags: ["locales"] }) { edges { node { id slug } } } }`);
      nodeIds = new Map(body.data.feed.edges.map((edge: { node: { id: string; slug: string } }) => [edge.node.slug, edge.node.id]));
      assert.equal(nodeIds.size, FIXTURES.length);
    });
    after(() => gw.stop());

    async function served(variables: Record<string, unknown>, headers: Record<string, string> = {}) {
      const { body } = await gw.post(`query ($ids: [ID!]!, $locale: Locale) { nodes(ids: $ids, locale: $locale) { ...Served } } ${SERVED}`, variables, headers);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return body.data.nodes;
    }

    it('serves each item in the locale asked, else its original, else (for another language) its English, and says which', async () => {
      const all = FIXTURES.map((fixture) => nodeIds.get(fixture.slug));
      for (const locale of LOCALES) {
        assert.deepEqual(await served({ ids: all, locale }), FIXTURES.map((fixture) => expected(fixture, locale)), `asked ${locale}`);
      }
      assert.deepEqual(await served({ ids: all }), FIXTURES.map((fixture) => expected(fixture, Locale.EN)), 'English without locale or header');
    });

    it('runs right to left exactly when the text served is Arabic, whatever the original', async () => {
      const rows = await served({ ids: ['digest-ar', 'story-en', 'digest-de', 'digest-de-en', 'post-all'].map((slug) => nodeIds.get(slug)), locale: Locale.AR });
      assert.deepEqual(
        rows.map((row: { slug: string; locale: string; direction: string }) => [row.slug, row.locale, row.direction]),
        [
          ['digest-ar', 'AR', 'RTL'],
          ['story-en', 'AR', 'RTL'],
          ['digest-de', 'EN', 'LTR'],
          ['digest-de-en', 'AR', 'RTL'],
          ['post-all', 'AR', 'RTL'],
        ],
      );
      const english = await served({ ids: [nodeIds.get('digest-ar'), nodeIds.get('post-all')], locale: Locale.EN });
      assert.deepEqual(english.map((row: { direction: string }) => row.direction), ['RTL', 'LTR'], 'Arabic with no English stays right to left');
    });

    it('runs an original in a language it does not serve as its script does: Sorani and Persian right to left, Kurmanji left to right', async () => {
      const rows = await served({ ids: ['post-ckb', 'digest-fa-en', 'post-ku', 'digest-de'].map((slug) => nodeIds.get(slug)), locale: Locale.AR });
      assert.deepEqual(
        rows.map((row: { slug: string; locale: string; language: string; direction: string }) => [row.slug, row.locale, row.language, row.direction]),
        [
          ['post-ckb', 'EN', 'ckb', 'RTL'],
          // Asked in Arabic, which it lacks: its English translation, left to right.
          ['digest-fa-en', 'EN', 'fa', 'LTR'],
          ['post-ku', 'EN', 'ku', 'LTR'],
          ['digest-de', 'EN', 'de', 'LTR'],
        ],
      );
      assert.equal(directionOfLanguage('ku-Arab'), TextDirection.RTL, 'Kurdish written in Arabic script');
      assert.equal(directionOfLanguage('he'), TextDirection.RTL);
      assert.equal(directionOfLanguage('ur-PK'), TextDirection.RTL);
      assert.equal(directionOfLanguage('dv'), TextDirection.RTL, 'Dhivehi, in Thaana');
      assert.equal(directionOfLanguage('ar-Latn'), TextDirection.LTR, 'Arabic in Latin letters');
      assert.equal(directionOfLanguage(null), TextDirection.LTR);
      assert.equal(directionOfLanguage('not a tag'), TextDirection.LTR);
      // Tags sources send that Intl refuses: read by their language, as their locale is.
      for (const tag of ['ar_IQ', 'ar-EG-u', 'ar-1', 'fa-abc-def']) assert.equal(directionOfLanguage(tag), TextDirection.RTL, tag);
    });

    it('serves a translated body in every format, and the original’s where the translation has none', async () => {
      const query = `query ($id: ID!, $locale: Locale) { node(id: $id, locale: $locale) { ... on Content { locale text: body(format: TEXT) markdown: body(format: MARKDOWN) } } }`;
      const arabic = await gw.post(query, { id: nodeIds.get('story-en'), locale: Locale.AR });
      assert.deepEqual(arabic.body, { data: { node: { locale: 'AR', text: 'عاد الأطفال إلى الفصول.', markdown: 'عاد الأطفال إلى الفصول.' } } });
      const french = await gw.post(query, { id: nodeIds.get('story-en'), locale: Locale.FR });
      assert.deepEqual(french.body, { data: { node: { locale: 'FR', text: 'Children return to class.', markdown: 'Children return to class.' } } });
    });

    it('takes the locale from Accept-Language, by quality, skipping languages it does not serve, when no locale is given', async () => {
      const cases: [string, Locale][] = [
        ['ar', Locale.AR],
        ['fr-CH, fr;q=0.9, en;q=0.8', Locale.FR],
        ['de, ar;q=0.5, fr;q=0.4', Locale.AR],
        ['en;q=0.2, ar;q=0.8', Locale.AR],
        ['fr, ar', Locale.FR],
        ['AR-iq', Locale.AR],
        ['ar;q=0, fr;q=0.1', Locale.FR],
        ['fr;Q=0.1, ar;Q=0.9', Locale.AR],
        ['ar;q=abc, fr;q=0.3', Locale.FR],
        ['de, *;q=0.5, fr;q=0.4', Locale.EN],
        ['*', Locale.EN],
        ['de, ja', Locale.EN],
        ['', Locale.EN],
      ];
      for (const [header, locale] of cases) {
        const rows = await served({ ids: [nodeIds.get('story-en')] }, { 'accept-language': header });
        assert.deepEqual(rows, [expected(byName('story-en'), locale)], `Accept-Language: ${header}`);
      }
    });

    it('reads Accept-Language as RFC 9110 says: the highest weight, the first of equals, none for languages not served', () => {
      assert.equal(localeFromAcceptLanguage(undefined), null);
      assert.equal(localeFromAcceptLanguage('de, ja;q=0.8'), null);
      assert.equal(localeFromAcceptLanguage('ar;q=0'), null);
      assert.equal(localeFromAcceptLanguage('en-GB;q=0.5, fr-CA;q=0.5'), Locale.EN);
      assert.equal(localeFromAcceptLanguage(' fr-CA ; q=0.7 , ar ; q=0.71'), Locale.AR);
      assert.equal(localeFromAcceptLanguage('fr;q=1.0, ar'), Locale.FR);
    });

    it('serves one item in two locales in one request, leaving the one read first as it was', async () => {
      const id = nodeIds.get('story-en');
      const { body } = await gw.post(
        `query ($id: ID!) { a: node(id: $id) { ...Served } b: node(id: $id, locale: FR) { ...Served } c: node(id: $id) { ...Served } d: node(id: $id, locale: EN) { ...Served } } ${SERVED}`,
        { id },
        { 'accept-language': 'ar' },
      );
      const story = byName('story-en');
      assert.deepEqual(body, { data: { a: expected(story, Locale.AR), b: expected(story, Locale.FR), c: expected(story, Locale.AR), d: expected(story, Locale.EN) } });
    });

    /** Every root field that returns content, each reaching one of the four fully translated items. */
    const ROOT_FIELDS: [name: string, slug: string, query: string, pick: (data: any) => unknown][] = [
      ['feed', 'story-en', `feed(locale: $locale, first: 20, filter: { tags: ["locales"] }) { edges { node { ...Served } } }`, (d) => d.feed.edges[0].node],
      ['campaignStories', 'story-en', `campaignStories(locale: $locale, first: 1) { edges { node { ...Served } } }`, (d) => d.campaignStories.edges[0].node],
      ['campaignStory', 'story-en', `campaignStory(slug: "story-en", locale: $locale) { ...Served }`, (d) => d.campaignStory],
      ['digestArticles', 'digest-all', `digestArticles(locale: $locale, first: 1) { edges { node { ...Served } } }`, (d) => d.digestArticles.edges[0].node],
      ['digestArticle', 'digest-all', `digestArticle(slug: "digest-all", locale: $locale) { ...Served }`, (d) => d.digestArticle],
      ['socialPosts', 'post-all', `socialPosts(locale: $locale, first: 1) { edges { node { ...Served } } }`, (d) => d.socialPosts.edges[0].node],
      ['socialPost', 'post-all', `socialPost(slug: "post-all", locale: $locale) { ...Served }`, (d) => d.socialPost],
      ['stabilisationProjects', 'project-en', `stabilisationProjects(locale: $locale, first: 1) { edges { node { ...Served } } }`, (d) => d.stabilisationProjects.edges[0].node],
      ['stabilisationProject', 'project-en', `stabilisationProject(slug: "project-en", locale: $locale) { ...Served }`, (d) => d.stabilisationProject],
      ['node', 'post-all', `node(id: $id, locale: $locale) { ...Served }`, (d) => d.node],
      ['nodes', 'post-all', `nodes(ids: [$id], locale: $locale) { ...Served }`, (d) => d.nodes[0]],
      ['campaign → stories', 'story-en', `campaign(slug: "this-generation-learns", locale: $locale) { stories(first: 1) { edges { node { ...Served } } } }`, (d) => d.campaign.stories.edges[0].node],
      ['campaign → posts', 'post-all', `campaign(slug: "this-generation-learns", locale: $locale) { posts(first: 1) { edges { node { ...Served } } } }`, (d) => d.campaign.posts.edges[0].node],
      ['campaigns → stories', 'story-en', `campaigns(locale: $locale, first: 1) { edges { node { stories(first: 1) { edges { node { ...Served } } } } } }`, (d) => d.campaigns.edges[0].node.stories.edges[0].node],
      ['memberNation → feed', 'story-en', `memberNation(code: "IRQ", locale: $locale) { feed(first: 1) { edges { node { ...Served } } } }`, (d) => d.memberNation.feed.edges[0].node],
      ['memberNation → stabilisationProjects', 'project-en', `memberNation(code: "IRQ", locale: $locale) { stabilisationProjects(first: 1) { edges { node { ...Served } } } }`, (d) => d.memberNation.stabilisationProjects.edges[0].node],
      [
        'memberNations → feed',
        'story-en',
        `memberNations(locale: $locale, first: 100) { edges { node { code feed(first: 1) { edges { node { ...Served } } } } } }`,
        (d) => d.memberNations.edges.find((edge: any) => edge.node.code === 'IRQ').node.feed.edges[0].node,
      ],
      ['search', 'story-en', `search(query: "Qayyarah", locale: $locale) { edges { node { ...Served } } }`, (d) => d.search.edges[0].node],
      [
        'feedChanges',
        'post-all',
        `feedChanges(locale: $locale, first: 100) { edges { node { item { ...Served } } } }`,
        (d) => d.feedChanges.edges.find((edge: any) => edge.node.item?.slug === 'post-all').node.item,
      ],
    ];

    const CONDITIONS: [what: string, headers: Record<string, string>, locale: Locale | null, served: Locale][] = [
      ['neither locale nor Accept-Language: English', {}, null, Locale.EN],
      ['Accept-Language alone', { 'accept-language': 'ar' }, null, Locale.AR],
      ['a locale over Accept-Language', { 'accept-language': 'ar' }, Locale.FR, Locale.FR],
      ['English asked over another Accept-Language', { 'accept-language': 'fr' }, Locale.EN, Locale.EN],
    ];

    for (const [what, headers, locale, asked] of CONDITIONS) {
      it(`serves every root field’s content, and the lists beneath, in the locale of ${what}`, async () => {
        for (const [name, slug, field, pick] of ROOT_FIELDS) {
          const variables = field.includes('$id') ? { locale, id: nodeIds.get('post-all') } : { locale };
          const { body } = await gw.post(`query ($locale: Locale${field.includes('$id') ? ', $id: ID!' : ''}) { ${field} } ${SERVED}`, variables, headers);
          assert.equal(body.errors, undefined, `${name}: ${JSON.stringify(body.errors)}`);
          assert.deepEqual(pick(body.data), expected(byName(slug), asked), name);
        }
      });
    }

    const NESTED = `query ($locale: Locale) {
      feed(locale: $locale, first: 2, filter: { tags: ["locales"] }) { edges { node {
        slug locale nations { name feed(first: 1) { edges { node { slug locale title } } } }
        ... on CampaignStory { campaign { stories(first: 1) { edges { node { slug locale title } } } posts(first: 1) { edges { node { slug locale title } } } } }
        ... on StabilisationProject { place nation { name stabilisationProjects(first: 1) { edges { node { slug locale place } } } } }
      } } }
    }`;

    function nestedIn(locale: Locale, iraq: string) {
      const story = expected(byName('story-en'), locale);
      const project = expected(byName('project-en'), locale);
      const post = expected(byName('post-all'), locale);
      const storyInList = { slug: 'story-en', locale: story.locale, title: story.title };
      return {
        data: {
          feed: {
            edges: [
              {
                node: {
                  slug: 'story-en',
                  locale: story.locale,
                  nations: [{ name: iraq, feed: { edges: [{ node: storyInList }] } }],
                  campaign: { stories: { edges: [{ node: storyInList }] }, posts: { edges: [{ node: { slug: 'post-all', locale: post.locale, title: post.title } }] } },
                },
              },
              {
                node: {
                  slug: 'project-en',
                  locale: project.locale,
                  nations: [{ name: iraq, feed: { edges: [{ node: storyInList }] } }],
                  place: project.place,
                  nation: { name: iraq, stabilisationProjects: { edges: [{ node: { slug: 'project-en', locale: project.locale, place: project.place } }] } },
                },
              },
            ],
          },
        },
      };
    }

    it('carries the locale down: an item’s members, campaign, project’s member and their lists', async () => {
      assert.deepEqual((await gw.post(NESTED, { locale: Locale.AR })).body, nestedIn(Locale.AR, 'العراق'));
      assert.deepEqual((await gw.post(NESTED, { locale: Locale.FR })).body, nestedIn(Locale.FR, 'Irak'));
      assert.deepEqual((await gw.post(NESTED, {}, { 'accept-language': 'fr' })).body, nestedIn(Locale.FR, 'Irak'));
      assert.deepEqual((await gw.post(NESTED, { locale: Locale.EN }, { 'accept-language': 'ar' })).body, nestedIn(Locale.EN, 'Iraq'));
    });

    it('names the 81 members in Arabic and French from the library, and the five organisations by our own names', async () => {
      const page = `query ($locale: Locale) { memberNations(locale: $locale, first: 100) { edges { node { code name } } } }`;
      const names = async (locale: Locale) =>
        new Map<string, string>((await gw.post(page, { locale })).body.data.memberNations.edges.map((edge: { node: { code: string; name: string } }) => [edge.node.code, edge.node.name]));
      const [english, arabic, french] = [await names(Locale.EN), await names(Locale.AR), await names(Locale.FR)];
      const stored = await gw.gateway.db.query(`SELECT code, name FROM member_nation`);
      assert.equal(stored.length, 81);
      assert.deepEqual(english, new Map(stored.map((row: { code: string; name: string }) => [row.code, row.name])));
      assert.equal(arabic.size, 81);
      for (const [code, name] of arabic) assert.match(name, /^[\u0600-\u06ff ]+$/, `${code} in Arabic: ${name}`);
      const pick = (map: Map<string, string>, codes: string[]) => codes.map((code) => [code, map.get(code)]);
      const codes = ['IRQ', 'GBR', 'DEU', 'EGY', 'MAR', 'XKX', 'EU', 'NATO', 'INTERPOL', 'LAS', 'CENSAD'];
      assert.deepEqual(pick(arabic, codes), [
        ['IRQ', 'العراق'],
        ['GBR', 'المملكة المتحدة'],
        ['DEU', 'ألمانيا'],
        ['EGY', 'مصر'],
        ['MAR', 'المغرب'],
        ['XKX', 'كوسوفو'],
        ['EU', 'الاتحاد الأوروبي'],
        ['NATO', 'حلف شمال الأطلسي'],
        ['INTERPOL', 'الإنتربول'],
        ['LAS', 'جامعة الدول العربية'],
        ['CENSAD', 'تجمع دول الساحل والصحراء'],
      ]);
      assert.deepEqual(pick(french, codes), [
        ['IRQ', 'Irak'],
        ['GBR', 'Royaume-Uni'],
        ['DEU', 'Allemagne'],
        ['EGY', 'Égypte'],
        ['MAR', 'Maroc'],
        ['XKX', 'Kosovo'],
        ['EU', 'Union européenne'],
        ['NATO', 'Organisation du traité de l’Atlantique nord'],
        ['INTERPOL', 'INTERPOL'],
        ['LAS', 'Ligue arabe'],
        ['CENSAD', 'Communauté des États sahélo-sahariens'],
      ]);
      const single = await gw.post(`{ ar: memberNation(code: "nato", locale: AR) { name } fr: memberNation(code: "irq") { name } }`, {}, { 'accept-language': 'fr' });
      assert.deepEqual(single.body, { data: { ar: { name: 'حلف شمال الأطلسي' }, fr: { name: 'Irak' } } });
    });

    it('finds a member by its name in any locale and names it in the one asked', async () => {
      const query = `query ($q: String!, $locale: Locale) { search(query: $q, locale: $locale, first: 5) { edges { node { ... on MemberNation { code name } } } } }`;
      for (const [q, locale, name] of [['Irak', Locale.AR, 'العراق'], ['العراق', Locale.FR, 'Irak'], ['Allemagne', Locale.EN, 'Germany']] as const) {
        const { body } = await gw.post(query, { q, locale });
        assert.deepEqual(
          body.data.search.edges.map((edge: { node: { code?: string } }) => edge.node).filter((node: { code?: string }) => node.code),
          [{ code: { Irak: 'IRQ', العراق: 'IRQ', Allemagne: 'DEU' }[q], name }],
          q,
        );
      }
    });

    describe('statements per page', () => {
      const BATCH: Fixture[] = Array.from({ length: 40 }, (_, n) => ({
        slug: `batch-${n}`,
        type: [ContentType.DIGEST_ARTICLE, ContentType.CAMPAIGN_STORY, ContentType.SOCIAL_POST, ContentType.STABILISATION_PROJECT][n % 4],
        language: n % 3 === 0 ? 'fr' : 'en',
        original: { title: `Batch item ${n}`, summary: `Item ${n} of a page read in Arabic.`, body: `<p>Body ${n}</p>`, place: `Place ${n}` },
        translations: n % 5 === 4 ? {} : { AR: { title: `عنوان ${n}`, summary: `ملخص ${n}`, body: n % 2 ? `<p>نص ${n}</p>` : null, place: `مكان ${n}` } },
        publishedAt: new Date(Date.UTC(2022, 0, 1) - n * 60_000).toISOString(),
        served: { EN: 'ORIGINAL', AR: Locale.AR, FR: 'ORIGINAL' },
        originalLocale: Locale.EN,
      }));

      before(async () => {
        await insertFixtures(gw.gateway.db, BATCH, 'batch');
      });

      const PAGE = `query ($first: Int!, $locale: Locale) {
        feed(first: $first, locale: $locale, filter: { tags: ["batch"] }) { edges { node {
          id title summary body(format: MARKDOWN) locale direction language translations nations { name }
          ... on CampaignStory { campaign { slug } }
          ... on StabilisationProject { place nation { name } }
        } } }
      }`;


      async function statementsFor(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
        gw.sql.reset();
        const { body } = await gw.post(query, variables, headers);
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        return { count: requestStatements(gw.sql).length, data: body.data };
      }

      it('serves a page of 5 or of 40 items in Arabic in the same 2 statements: the page (with the locales each item is translated into), the translations', async () => {
        const small = await statementsFor(PAGE, { first: 5, locale: Locale.AR });
        const large = await statementsFor(PAGE, { first: 40, locale: Locale.AR });
        assert.equal(large.data.feed.edges.length, 40);
        assert.equal(large.data.feed.edges.filter((edge: { node: { locale: string } }) => edge.node.locale === 'AR').length, 32);
        assert.deepEqual([small.count, large.count], [2, 2], requestStatements(gw.sql).map((sql) => sql.slice(0, 120)).join('\n'));
        const byHeader = await statementsFor(PAGE, { first: 40 }, { 'accept-language': 'ar' });
        assert.equal(byHeader.count, 2);
        assert.deepEqual(byHeader.data, large.data);
      });

      it('serves an English page in one statement when no item has an English translation to serve', async () => {
        const english = await statementsFor(PAGE, { first: 40, locale: Locale.EN });
        // 14 of the 40 are French, with no English: served in French.
        assert.equal(english.data.feed.edges.filter((edge: { node: { locale: string } }) => edge.node.locale === 'FR').length, 14);
        assert.equal(english.count, 1);
      });

      it('serves 5 or 40 items asked by id in Arabic in the same statements', async () => {
        const { body } = await gw.post(`{ feed(first: 40, filter: { tags: ["batch"] }) { edges { node { id } } } }`);
        const ids: string[] = body.data.feed.edges.map((edge: { node: { id: string } }) => edge.node.id);
        const nodes = `query ($ids: [ID!]!) { nodes(ids: $ids, locale: AR) { ... on Content { title locale } } }`;
        const small = await statementsFor(nodes, { ids: ids.slice(0, 5) });
        const large = await statementsFor(nodes, { ids });
        // The items by id (with the locales each is translated into), then the Arabic of those that have one.
        assert.deepEqual([small.count, large.count], [2, 2], requestStatements(gw.sql).map((sql) => sql.slice(0, 120)).join('\n'));
        assert.deepEqual(large.data.nodes[1], { title: 'عنوان 1', locale: 'AR' });
        assert.deepEqual(large.data.nodes[4], { title: 'Batch item 4', locale: 'EN' });
      });

      it('serves the same page in two locales in one request, each batched on its own', async () => {
        const twice = `query ($first: Int!) { ar: feed(first: $first, locale: AR, filter: { tags: ["batch"] }) { edges { node { title locale nations { name } } } } fr: feed(first: $first, locale: FR, filter: { tags: ["batch"] }) { edges { node { title locale nations { name } } } } }`;
        const small = await statementsFor(twice, { first: 5 });
        const large = await statementsFor(twice, { first: 40 });
        assert.deepEqual([small.count, large.count], [2, 2], requestStatements(gw.sql).map((sql) => sql.slice(0, 120)).join('\n'));
        assert.equal(large.data.ar.edges[1].node.title, 'عنوان 1');
        assert.equal(large.data.fr.edges[1].node.title, 'Batch item 1');
        assert.equal(large.data.ar.edges[1].node.nations[0].name, 'العراق');
        assert.equal(large.data.fr.edges[1].node.nations[0].name, 'Irak');
      });

      it('serves the feeds of 40 or of all 81 members in Arabic in the same 3 statements: the members, their pages, the translations', async () => {
        const nested = `query ($first: Int!) { memberNations(first: $first, locale: AR) { edges { node { name feed(first: 3) { edges { node { title locale nations { name } } } } } } } }`;
        const small = await statementsFor(nested, { first: 40 });
        const large = await statementsFor(nested, { first: 100 });
        assert.equal(large.data.memberNations.edges.length, 81);
        assert.deepEqual([small.count, large.count], [3, 3], requestStatements(gw.sql).map((sql) => sql.slice(0, 120)).join('\n'));
        const iraq = large.data.memberNations.edges.find((edge: { node: { name: string } }) => edge.node.name === 'العراق');
        assert.deepEqual(iraq.node.feed.edges[0].node, { title: 'عنوان 0', locale: 'AR', nations: [{ name: 'العراق' }] });
      });
    });
  });
}
