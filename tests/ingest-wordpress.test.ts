import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DocumentError, type FetchedDocument, type RunContext } from '../src/ingest/connector';
import { wordpressConnector } from '../src/ingest/connectors/wordpress';
import { sanitiseHtml } from '../src/text/text';
import { ContentType } from '../src/shared/content/content-status';
import { SourceKind } from '../src/shared/content/source-kind';

const FIXTURES = join(__dirname, '../../examples/sources/wordpress');
const ENDPOINT = 'https://example.org/wp-json/wp/v2/posts';
const PAGE_1 = `${ENDPOINT}?per_page=100&page=1&_embed=1&orderby=modified&order=desc`;
const PAGE_2 = `${ENDPOINT}?per_page=100&page=2&_embed=1&orderby=modified&order=desc`;
const CAMPAIGNS = { thisgenerationlearns: 'this-generation-learns', RebuildingTogether: 'rebuilding-together', 'Voices of Survivors': 'voices-of-survivors' };

function context(overrides: Partial<RunContext> = {}, options: Record<string, unknown> = { campaignMap: CAMPAIGNS }, targetType = ContentType.CAMPAIGN_STORY): RunContext {
  return {
    source: { name: 'Coalition website', kind: SourceKind.WORDPRESS, location: 'https://example.org', targetType, options },
    documentNumber: 1,
    lastSuccessAt: null,
    fullListing: false,
    ...overrides,
  };
}

function document(body: string | Buffer, url = PAGE_1, headers: Record<string, string> = { 'x-wp-total': '10', 'x-wp-totalpages': '2' }): FetchedDocument {
  return { url, status: 200, contentType: 'application/json', headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

const fixture = (name: string) => readFileSync(join(FIXTURES, name));

/** The body as the connector hands it over: the featured image's figure, then the content, both through the shared sanitiser. */
const figure = (file: string, alt: string) => `<figure><img src="https://example.org/wp-content/uploads/2024/03/${file}.jpg" alt="${alt}"></figure>`;

describe('WordPress connector', () => {
  describe('first address', () => {
    it('builds the posts endpoint from the site root, newest change first', () => {
      assert.deepEqual(wordpressConnector.firstUrls!(context()), [PAGE_1]);
      assert.deepEqual(wordpressConnector.firstUrls!(context({ source: { ...context().source, location: 'https://example.org/fr/' } })), [
        'https://example.org/fr/wp-json/wp/v2/posts?per_page=100&page=1&_embed=1&orderby=modified&order=desc',
      ]);
    });

    it('takes the posts endpoint itself, pretty or as ?rest_route=', () => {
      const at = (location: string) => wordpressConnector.firstUrls!(context({ source: { ...context().source, location } }));
      assert.deepEqual(at(`${ENDPOINT}?categories=12`), [`${ENDPOINT}?categories=12&per_page=100&page=1&_embed=1&orderby=modified&order=desc`]);
      assert.deepEqual(at('https://example.org/?rest_route=/wp/v2/posts'), [
        'https://example.org/?rest_route=%2Fwp%2Fv2%2Fposts&per_page=100&page=1&_embed=1&orderby=modified&order=desc',
      ]);
    });

    it('asks only for what changed since an hour before the last successful run (the site’s clock may disagree with ours)', () => {
      const lastSuccessAt = new Date('2024-03-01T06:00:00Z');
      assert.deepEqual(wordpressConnector.firstUrls!(context({ lastSuccessAt })), [`${PAGE_1}&modified_after=2024-03-01T05%3A00%3A00.000Z`]);
    });

    it('lists everything, in id order, on a full listing', () => {
      const lastSuccessAt = new Date('2024-03-01T06:00:00Z');
      assert.deepEqual(wordpressConnector.firstUrls!(context({ lastSuccessAt, fullListing: true })), [
        `${ENDPOINT}?per_page=100&page=1&_embed=1&orderby=id&order=asc`,
      ]);
    });
  });

  describe('the fixture pages', () => {
    it('reads page 1: stories, a French post, a protected post, the other pages', () => {
      const result = wordpressConnector.parse(document(fixture('posts-page-1.json')), context());
      assert.deepEqual(result, {
        items: [
          {
            externalId: '4812',
            type: ContentType.CAMPAIGN_STORY,
            title: '#ThisGenerationLearns: back to class in West Mosul',
            summary: 'Seven years after the liberation of Mosul, 1,200 pupils are back in classrooms that coalition partners helped to rebuild in the Old City.',
            body: sanitiseHtml(
              figure('mosul-classroom', 'Pupils raise their hands in a repainted classroom in West Mosul') +
                '<p>Seven years after the liberation of Mosul, 1,200 pupils are back in classrooms that coalition partners helped to rebuild in the Old City.</p>\n' +
                '<p>Under the <strong>#ThisGenerationLearns</strong> campaign, the coalition tells the stories of the teachers and children who refused to let Daesh decide their future. &#8220;The walls were black with smoke,&#8221; says Huda, who has taught Arabic here since 2009.</p>\n' +
                '<blockquote class="wp-block-quote"><p>Every child who learns to read is a defeat for Daesh.</p></blockquote>\n',
            ),
            url: 'https://example.org/thisgenerationlearns-back-to-class-in-west-mosul/',
            publishedAt: new Date('2024-03-14T07:30:00Z'),
            language: null,
            tags: ['Stories', 'ThisGenerationLearns', 'Mosul', 'Education'],
            campaign: 'this-generation-learns',
            fields: { places: [] },
          },
          {
            externalId: '4807',
            type: ContentType.CAMPAIGN_STORY,
            title: 'Raqqa : le déminage ouvre la voie au retour des familles',
            summary: 'Des équipes locales formées avec le soutien de la coalition ont dégagé plus de 300 habitations à Raqqa depuis janvier.',
            body: sanitiseHtml(
              figure('raqqa-demining', 'Une démineuse inspecte une rue de Raqqa') +
                '<p>Des équipes locales formées avec le soutien de la coalition ont dégagé plus de 300 habitations à Raqqa depuis janvier.</p>\n' +
                '<p>Chaque maison déminée permet à une famille de revenir.</p>\n',
            ),
            url: 'https://example.org/raqqa-le-deminage-ouvre-la-voie/',
            publishedAt: new Date('2024-03-12T15:00:00Z'),
            language: 'fr',
            tags: ['Stabilisation & Recovery', 'Raqqa', 'Déminage'],
            campaign: null,
            fields: { places: [] },
          },
          {
            externalId: '4790',
            type: ContentType.CAMPAIGN_STORY,
            title: 'A school bus for Sinjar',
            // No excerpt: the start of the content stands in.
            summary:
              'For three years the children of Tel Qasab walked four kilometres to the nearest school. Since February a bus donated by a coalition member takes them there every morning, and attendance has doubled. Teachers say the bus has brought girls back to school in particular.',
            body: sanitiseHtml(
              '<p>For three years the children of Tel Qasab walked four kilometres to the nearest school. Since February a bus donated by a coalition member takes them there every morning, and attendance has doubled.</p>\n' +
                '<p>Teachers say the bus has brought girls back to school in particular.</p>\n',
            ),
            url: 'https://example.org/a-school-bus-for-sinjar/',
            publishedAt: new Date('2024-03-08T09:00:00Z'),
            language: null,
            tags: ['Stories', 'ThisGenerationLearns', 'Education'],
            campaign: 'this-generation-learns',
            fields: { places: [] },
          },
          {
            externalId: '4786',
            type: ContentType.CAMPAIGN_STORY,
            title: 'Women ‘rebuilding’ Anbar’s markets & workshops',
            summary: 'In Ramadi and Fallujah, small grants are helping women reopen the shops and workshops Daesh closed.',
            body: sanitiseHtml(
              figure('ramadi-workshop', 'Um Ahmed at her sewing machine, &quot;open again&quot;') +
                '<p>In Ramadi and Fallujah, small grants are helping women reopen the shops and workshops Daesh closed.</p>\n' +
                '<script>trackView(4786)</script>\n<p onclick="alert(1)">Um Ahmed&#8217;s sewing workshop now employs eleven women.</p>\n',
            ),
            url: 'https://example.org/women-rebuilding-anbars-markets/',
            publishedAt: new Date('2024-03-06T08:00:00Z'),
            language: null,
            tags: ['Stories', 'Stabilisation & Recovery', 'Anbar', 'Women’s livelihoods', 'RebuildingTogether'],
            campaign: 'rebuilding-together',
            fields: { places: [] },
          },
        ],
        errors: [{ position: 'post 4799', externalId: '4799', message: 'password-protected: skipped (and withdrawn if it was imported)' }],
        withdrawn: ['4799'],
        next: [PAGE_2],
        listing: { pages: 2, items: 10 },
      });
      assert.doesNotMatch(result.items[3].body!, /script|onclick|trackView/);
    });

    it('reads the last page of a full listing as complete, without asking for more', () => {
      const result = wordpressConnector.parse(document(fixture('posts-page-2.json'), PAGE_2), context({ documentNumber: 2, fullListing: true }));
      assert.deepEqual(result, {
        items: [
          {
            externalId: '4770',
            type: ContentType.CAMPAIGN_STORY,
            title: 'Voices of Survivors: Nadia’s story',
            summary: 'Nadia was fourteen when Daesh overran her village. Today she trains as a nurse in Duhok.',
            body: sanitiseHtml('<p>Nadia was fourteen when Daesh overran her village. Today she trains as a nurse in Duhok.</p>\n'),
            url: 'https://example.org/voices-of-survivors-nadia/',
            // date_gmt is null: the site-time date, read as UTC.
            publishedAt: new Date('2024-02-28T10:00:00Z'),
            language: null,
            tags: ['Stories', 'Voices of Survivors'],
            campaign: 'voices-of-survivors',
            fields: { places: [] },
          },
          {
            externalId: '4761',
            type: ContentType.CAMPAIGN_STORY,
            title: 'Rebuilding together: the bridges of Mosul',
            summary: 'Four of Mosul’s five bridges over the Tigris carry traffic again.',
            body: sanitiseHtml('<p>Four of Mosul&#8217;s five bridges over the Tigris carry traffic again.</p>\n'),
            url: 'https://example.org/rebuilding-together-bridges-of-mosul/',
            publishedAt: new Date('2024-02-20T07:00:00Z'),
            language: null,
            tags: ['Stabilisation & Recovery', 'Mosul', 'RebuildingTogether'],
            campaign: 'rebuilding-together',
            fields: { places: [] },
          },
          {
            externalId: '4755',
            type: ContentType.CAMPAIGN_STORY,
            title: 'Coalition ministers meet to review the campaign',
            summary: 'Ministers of the coalition’s members reviewed progress against Daesh in Iraq, Syria and Africa.',
            body: sanitiseHtml('<p>Ministers of the coalition&#8217;s members reviewed progress against Daesh in Iraq, Syria and Africa.</p>\n'),
            url: 'https://example.org/coalition-ministers-meet/',
            publishedAt: new Date('2024-02-14T07:00:00Z'),
            language: null,
            tags: [],
            campaign: null,
            fields: { places: [] },
          },
          {
            externalId: '4740',
            type: ContentType.CAMPAIGN_STORY,
            title: '#ThisGenerationLearns: the teachers of Raqqa',
            summary: 'Raqqa’s teachers went months without pay to keep schools open.',
            // The featured media is a rest_forbidden error: no figure.
            body: sanitiseHtml('<p>Raqqa&#8217;s teachers went months without pay to keep schools open.</p>\n'),
            url: 'https://example.org/thisgenerationlearns-teachers-of-raqqa/',
            publishedAt: new Date('2024-02-02T07:00:00Z'),
            language: null,
            tags: ['Stories', 'ThisGenerationLearns', 'Raqqa'],
            campaign: 'this-generation-learns',
            fields: { places: [] },
          },
        ],
        errors: [],
        withdrawn: ['4748'],
        complete: true,
      });
    });

    it('does not call page 2 of an incremental run complete, nor a full listing’s page 1 of 2', () => {
      assert.equal(wordpressConnector.parse(document(fixture('posts-page-2.json'), PAGE_2), context({ documentNumber: 2 })).complete, undefined);
      const first = wordpressConnector.parse(document(fixture('posts-page-1.json')), context({ fullListing: true }));
      assert.equal(first.complete, undefined);
      assert.deepEqual(first.next, [PAGE_2]);
    });

    it('makes digest articles with the outlet from the options, or the source’s name', () => {
      const digest = (options: Record<string, unknown>) =>
        wordpressConnector.parse(document(fixture('posts-page-2.json'), PAGE_2), context({ documentNumber: 2 }, options, ContentType.DIGEST_ARTICLE)).items[1];
      const url = 'https://example.org/rebuilding-together-bridges-of-mosul/';
      assert.deepEqual(digest({ outlet: 'Coalition Weekly Digest', language: 'en' }), {
        externalId: '4761',
        type: ContentType.DIGEST_ARTICLE,
        title: 'Rebuilding together: the bridges of Mosul',
        summary: 'Four of Mosul’s five bridges over the Tigris carry traffic again.',
        body: sanitiseHtml('<p>Four of Mosul&#8217;s five bridges over the Tigris carry traffic again.</p>\n'),
        url,
        publishedAt: new Date('2024-02-20T07:00:00Z'),
        language: 'en',
        tags: ['Stabilisation & Recovery', 'Mosul', 'RebuildingTogether'],
        fields: { outlet: 'Coalition Weekly Digest', originalUrl: url },
      });
      assert.deepEqual(digest({}).fields, { outlet: 'Coalition website', originalUrl: url });
    });
  });

  describe('odd cases', () => {
    const post = (extra: Record<string, unknown>) => ({
      id: 7,
      status: 'publish',
      date: '2024-01-05T12:00:00',
      date_gmt: '2024-01-05T09:00:00',
      link: 'https://example.org/seven/',
      title: { rendered: 'Seven' },
      excerpt: { rendered: '<p>Short.</p>' },
      content: { rendered: '<p>Short.</p>', protected: false },
      ...extra,
    });
    const one = (extra: Record<string, unknown>, ctx = context()) =>
      wordpressConnector.parse(document(JSON.stringify([post(extra)]), PAGE_1, { 'x-wp-totalpages': '1' }), ctx);

    it('reports a post with no usable date and goes on', () => {
      assert.deepEqual(one({ date_gmt: null, date: 'soon' }), {
        items: [],
        errors: [{ position: 'post 7', externalId: '7', message: 'no usable date (date_gmt null, date "soon")' }],
      });
    });

    it('refuses a day the calendar lacks rather than rolling it over to the next month', () => {
      assert.deepEqual(one({ date_gmt: '2024-02-31T10:00:00', date: '2023-02-29T10:00:00' }), {
        items: [],
        errors: [{ position: 'post 7', externalId: '7', message: 'no usable date (date_gmt "2024-02-31T10:00:00", date "2023-02-29T10:00:00")' }],
      });
      assert.deepEqual(one({ date_gmt: '2024-02-30T10:00:00', date: '2024-02-29T10:00:00' }).items[0].publishedAt, new Date('2024-02-29T10:00:00Z'));
    });

    it('reads a date with an explicit zone as it is', () => {
      assert.deepEqual(one({ date_gmt: '2024-01-05T09:00:00+00:00' }).items[0].publishedAt, new Date('2024-01-05T09:00:00Z'));
    });

    it('takes the title from the text when the post has none, and WPML’s locale as the language', () => {
      const item = one({ title: { rendered: '' }, wpml_current_locale: 'ar_IQ', excerpt: { rendered: '' }, content: { rendered: '<p>إعادة فتح مدرسة في الموصل</p>' } }).items[0];
      assert.equal(item.title, 'إعادة فتح مدرسة في الموصل');
      assert.equal(item.language, 'ar-IQ');
    });

    it('takes places from the taxonomy the options name', () => {
      const terms = [[{ name: 'Stories', slug: 'stories', taxonomy: 'category' }], [], [{ name: 'Raqqa', slug: 'raqqa', taxonomy: 'location' }, { name: 'Tabqa', slug: 'tabqa', taxonomy: 'location' }]];
      const item = one({ _embedded: { 'wp:term': terms } }, context({}, { placeTaxonomy: 'location' })).items[0];
      assert.deepEqual(item.fields, { places: ['Raqqa', 'Tabqa'] });
      assert.deepEqual(item.tags, ['Stories']);
    });

    it('makes a full listing of one page complete, and an empty site’s full listing too', () => {
      assert.equal(one({}, context({ fullListing: true })).complete, true);
      assert.deepEqual(wordpressConnector.parse(document('[]', PAGE_1, { 'x-wp-total': '0', 'x-wp-totalpages': '0' }), context({ fullListing: true })), {
        items: [],
        errors: [],
        complete: true,
      });
    });

    it('pages on without the total-pages header: a full page asks for the next one', () => {
      const full = JSON.stringify(Array.from({ length: 100 }, (_, i) => post({ id: 1000 + i })));
      const page1 = wordpressConnector.parse(document(full, PAGE_1, {}), context({ fullListing: true }));
      assert.deepEqual(page1.next, [PAGE_2]);
      assert.equal(page1.complete, undefined);
      const page2 = wordpressConnector.parse(document(JSON.stringify([post({})]), PAGE_2, {}), context({ documentNumber: 2, fullListing: true }));
      assert.equal(page2.next, undefined);
      assert.equal(page2.complete, true);
    });

    it('lists no more pages than a run reads, however many X-WP-TotalPages claims: the run then stops at its limit', () => {
      const result = wordpressConnector.parse(document('[]', PAGE_1, { 'x-wp-totalpages': '60000' }), context());
      // A run reads 1,000 documents: page 1 and the next 999, and one more, whose address ends the run with its reason.
      assert.equal(result.next?.length, 1_000);
      assert.equal(result.next?.[0], PAGE_2);
      assert.equal(result.next?.at(-1), `${ENDPOINT}?per_page=100&page=1001&_embed=1&orderby=modified&order=desc`);
    });

    it('takes a full listing whose total of posts fell between its pages as not whole (posts moved to pages read), and reads the pages it grew by', () => {
      const page2 = (total: string | null, pages = '3') => document('[]', PAGE_2, { 'x-wp-totalpages': pages, ...(total === null ? {} : { 'x-wp-total': total }) });
      const listing = { pages: 3, items: 250 };
      // One post deleted while the run read: three pages still, but post 101 moved to page 1.
      assert.equal(
        wordpressConnector.parse(page2('249'), context({ documentNumber: 2, fullListing: true, listing })).incomplete,
        'the listing shrank during the run (page 2 counts 249 posts, page 1 counted 250); nothing it lacks was withdrawn',
      );
      // One post added: later posts move towards the end (read twice at worst); past page 3, page 4 is read too, and no page lists it again.
      const grown = wordpressConnector.parse(page2('301', '4'), context({ documentNumber: 2, fullListing: true, listing: { pages: 3, items: 300 } }));
      assert.deepEqual({ incomplete: grown.incomplete, next: grown.next, complete: grown.complete }, { incomplete: undefined, next: [PAGE_2.replace('page=2', 'page=4')], complete: undefined });
      assert.equal(wordpressConnector.parse(page2('251'), context({ documentNumber: 2, fullListing: true, listing })).incomplete, undefined);
      // The same total; a page that does not say; page 1 that did not say; an incremental run (which withdraws nothing anyway).
      assert.equal(wordpressConnector.parse(page2('250'), context({ documentNumber: 2, fullListing: true, listing })).incomplete, undefined);
      assert.equal(wordpressConnector.parse(page2(null), context({ documentNumber: 2, fullListing: true, listing })).incomplete, undefined);
      assert.equal(wordpressConnector.parse(page2('249'), context({ documentNumber: 2, fullListing: true, listing: { pages: 3, items: null } })).incomplete, undefined);
      assert.equal(wordpressConnector.parse(page2('249'), context({ documentNumber: 2, listing })).incomplete, undefined);
    });

    it('reads the 400 WordPress answers for a page past the last as an empty last page, and no other answer', () => {
      const past = JSON.stringify({ code: 'rest_post_invalid_page_number', message: 'The page number requested is larger than the number of pages available.', data: { status: 400 } });
      const answer = (body: string, url = PAGE_2) => ({ ...document(body, url, {}), status: 400 });
      assert.equal(wordpressConnector.acceptsStatus?.(400, context({ documentNumber: 2 })), true);
      assert.equal(wordpressConnector.acceptsStatus?.(404, context({ documentNumber: 2 })), false);
      assert.deepEqual(wordpressConnector.parse(answer(past), context({ documentNumber: 2, fullListing: true })), { items: [], errors: [], complete: true });
      assert.deepEqual(wordpressConnector.parse(answer(past), context({ documentNumber: 2 })), { items: [], errors: [] });
      // A page the first page's total promised: the listing shrank while the run read it, so it is not whole. Past that total it ended.
      assert.deepEqual(wordpressConnector.parse(answer(past), context({ documentNumber: 2, fullListing: true, listing: { pages: 3, items: 250 } })), {
        items: [],
        errors: [],
        incomplete: 'the listing shrank during the run (page 2 of 3 was past the end); nothing it lacks was withdrawn',
      });
      assert.deepEqual(wordpressConnector.parse(answer(past), context({ documentNumber: 2, fullListing: true, listing: { pages: 1, items: 80 } })), { items: [], errors: [], complete: true });
      // Page 1 past the end is no listing at all; another 400 is a failure, saying what WordPress said.
      assert.throws(() => wordpressConnector.parse(answer(past, PAGE_1), context()), { name: 'DocumentError', message: /^WordPress answered HTTP 400: rest_post_invalid_page_number: / });
      const other = JSON.stringify({ code: 'rest_invalid_param', message: 'Invalid parameter(s): page' });
      assert.throws(() => wordpressConnector.parse(answer(other), context({ documentNumber: 2 })), { name: 'DocumentError', message: 'WordPress answered HTTP 400: rest_invalid_param: Invalid parameter(s): page' });
      assert.throws(() => wordpressConnector.parse(answer('[]'), context({ documentNumber: 2 })), { name: 'DocumentError', message: `${PAGE_2} is not a WordPress posts listing (HTTP 400: expected a JSON array)` });
    });

    it('fails the document for a WordPress error, a non-array or a body that is not JSON', () => {
      const error = JSON.stringify({ code: 'rest_post_invalid_page_number', message: 'The page number requested is larger than the number of pages available.', data: { status: 400 } });
      assert.throws(() => wordpressConnector.parse(document(error), context()), {
        name: 'DocumentError',
        message: 'WordPress answered rest_post_invalid_page_number: The page number requested is larger than the number of pages available.',
      });
      // The site's words go into the run's record: what no column may hold is dropped.
      assert.throws(() => wordpressConnector.parse(document(JSON.stringify({ code: 'rest_forbidden', message: 'Sorry,\u0000 no.\n' })), context()), {
        name: 'DocumentError',
        message: 'WordPress answered rest_forbidden: Sorry, no.',
      });
      assert.throws(() => wordpressConnector.parse(document('{"posts": []}'), context()), DocumentError);
      assert.throws(() => wordpressConnector.parse(document('<!doctype html><title>Maintenance</title>'), context()), DocumentError);
      assert.throws(() => wordpressConnector.parse(document(Buffer.from([0x5b, 0xff, 0x5d])), context()), DocumentError);
    });
  });
});
