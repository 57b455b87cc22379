import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Parser } from 'htmlparser2';
import { ContentStatus, ContentType } from '../src/shared/content/content-status';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import { CLI_ACTOR, write } from '../src/store/session';
import { upsertContent, type UpsertInput } from '../src/store/upsert';
import { sanitiseHtml } from '../src/text/text';
import { Content } from '../src/shared/content/content.entity';
import { DRIVERS } from './helpers/drivers';
import { ingestFixture } from './helpers/ingest';
import { rss, type RssEntry } from './helpers/upstream';
import { startTestGateway, type TestGateway } from './helpers/server';
import { ALLOWED_ELEMENTS, INERT, REFUSED } from './fixtures/xss-corpus';

/**
 * CommonMark as the most careless client renders it: raw HTML passed through and
 * links of every scheme kept. markdown-it is not ours (it comes with the
 * playground's GraphiQL), and has no types here.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (options: { html: boolean }) => { render(markdown: string): string; validateLink(url: string): boolean };
const careless = new MarkdownIt({ html: true });
careless.validateLink = () => true;

/** Attributes that hold a URL a browser would follow or load. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'background', 'poster', 'cite', 'data', 'srcset', 'xlink:href', 'lowsrc', 'dynsrc']);

/** Everything in some HTML that could run script: elements outside the allow-list, handlers, styles, URLs of other schemes, comments. */
function activeParts(html: string, allowed: ReadonlySet<string> = ALLOWED_ELEMENTS): string[] {
  const found: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (!allowed.has(name)) found.push(`<${name}>`);
        for (const [attribute, value] of Object.entries(attributes)) {
          if (/^on/i.test(attribute) || attribute === 'style' || attribute === 'srcdoc') found.push(`${attribute} on ${name}`);
          // As a browser reads a URL: controls and spaces around and inside the scheme do not count.
          const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value.replace(/[\u0000-\u0020]/g, ''));
          if (URL_ATTRIBUTES.has(attribute) && scheme && !['http', 'https', 'mailto'].includes(scheme[1].toLowerCase())) found.push(`${scheme[1]}: in ${attribute} on ${name}`);
        }
      },
      oncomment() {
        found.push('comment');
      },
      onprocessinginstruction(name) {
        found.push(`declaration ${name}`);
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return found;
}

/** What Markdown rendered by a careless client may hold: what HTML may, and the two elements Markdown has that the sanitiser does not keep. */
const MARKDOWN_ELEMENTS = new Set([...ALLOWED_ELEMENTS, 'h1', 'hr']);

/** Anything in plain text that a page inserting it unescaped would read as a tag. */
const TAG_OPENING = /<[a-z/!?]/i;

const RICH_BODY =
  '<h2>Back to school</h2>' +
  '<p>Children in <strong>West Mosul</strong> are <em>back</em> in class.<br>Read <a href="https://example.org/report" title="The report">the report</a> or write to <a href="mailto:press@example.org">press@example.org</a>.</p>' +
  '<figure><img src="https://example.org/class.jpg" alt="A classroom in Mosul" width="640" height="480"><figcaption>A rebuilt classroom</figcaption></figure>' +
  '<ul><li>Twelve schools</li><li>3,000 pupils</li></ul><ol><li>First</li><li>Second</li></ol>' +
  '<blockquote><p>We can learn again.</p></blockquote>' +
  '<p>Use <code>npm test</code>; 2 * 3 = 6 and a &lt; b &amp; c.</p>' +
  '<pre><code>line one\n  line two</code></pre>' +
  '<table><thead><tr><th>School</th><th>Pupils</th></tr></thead><tbody><tr><td>Al-Noor</td><td>450</td></tr></tbody></table>';

const RICH_HTML =
  '<h2>Back to school</h2>' +
  '<p>Children in <strong>West Mosul</strong> are <em>back</em> in class.<br />Read <a href="https://example.org/report" title="The report" rel="nofollow noopener">the report</a> or write to <a href="mailto:press@example.org" rel="nofollow noopener">press@example.org</a>.</p>' +
  '<figure><img src="https://example.org/class.jpg" alt="A classroom in Mosul" width="640" height="480" /><figcaption>A rebuilt classroom</figcaption></figure>' +
  '<ul><li>Twelve schools</li><li>3,000 pupils</li></ul><ol><li>First</li><li>Second</li></ol>' +
  '<blockquote><p>We can learn again.</p></blockquote>' +
  '<p>Use <code>npm test</code>; 2 * 3 = 6 and a &lt; b &amp; c.</p>' +
  '<pre><code>line one\n  line two</code></pre>' +
  '<table><thead><tr><th>School</th><th>Pupils</th></tr></thead><tbody><tr><td>Al-Noor</td><td>450</td></tr></tbody></table>';

const RICH_TEXT = [
  'Back to school',
  '',
  'Children in West Mosul are back in class.',
  'Read the report (https://example.org/report) or write to press@example.org.',
  '',
  '[Image: A classroom in Mosul]',
  '',
  'A rebuilt classroom',
  '',
  '- Twelve schools',
  '- 3,000 pupils',
  '',
  '- First',
  '- Second',
  '',
  'We can learn again.',
  '',
  'Use npm test; 2 * 3 = 6 and a < b & c.',
  '',
  'line one',
  '  line two',
  '',
  'School | Pupils',
  'Al-Noor | 450',
].join('\n');

const RICH_MARKDOWN = [
  '## Back to school',
  '',
  'Children in **West Mosul** are *back* in class.  ',
  'Read [the report](https://example.org/report "The report") or write to [press@example.org](mailto:press@example.org).',
  '',
  '![A classroom in Mosul](https://example.org/class.jpg)',
  '',
  'A rebuilt classroom',
  '',
  '-   Twelve schools',
  '-   3,000 pupils',
  '',
  '1.  First',
  '2.  Second',
  '',
  '> We can learn again.',
  '',
  'Use `npm test`; 2 \\* 3 = 6 and a \\< b & c.',
  '',
  '```',
  'line one',
  '  line two',
  '```',
  '',
  'School',
  '',
  'Pupils',
  '',
  'Al-Noor',
  '',
  '450',
].join('\n');

const CREATE = `mutation ($input: DigestArticleInput!) { createDigestArticle(input: $input) { id version body } }`;

const FORMATS = `query ($id: ID!) {
  node(id: $id) { ... on Content { body html: body(format: HTML) text: body(format: TEXT) markdown: body(format: MARKDOWN) } }
}`;

function digest(slug: string, body: string | null): Record<string, unknown> {
  return { slug, title: `Item ${slug}`, summary: 'A body to check.', countries: ['IRQ'], outlet: 'Test Outlet', language: 'en', body };
}

/** What an editor's refused body answers: the body field named with what would be removed, and nothing else. */
function refusal(removed: readonly string[]) {
  return {
    data: null,
    errors: [
      {
        message: `The body holds what is not allowed and would be removed: ${removed.join('; ')}`,
        path: ['createDigestArticle'],
        extensions: { code: 'BAD_USER_INPUT', fields: [{ field: 'input.body', reasons: removed.map((what) => `not allowed: ${what}`) }] },
      },
    ],
  };
}

/** An imported item whose body went through the ingestion sanitiser, as connectors store it. */
function ingested(slug: string, html: string, n: number): UpsertInput {
  return {
    type: ContentType.DIGEST_ARTICLE,
    slug,
    title: `Imported ${slug}`,
    summary: 'An imported body.',
    body: sanitiseHtml(html),
    language: 'en',
    publishedAt: new Date(Date.UTC(2021, 0, 1, 0, n)),
    status: ContentStatus.PUBLISHED,
    countries: ['IRQ'],
    tags: ['xss'],
    source: { name: 'xss-corpus', externalId: slug },
    fields: { outlet: 'Test Outlet', originalUrl: null },
  };
}

interface Served {
  slug: string;
  html: string | null;
  text: string | null;
  markdown: string | null;
}

for (const driver of DRIVERS) {
  describe(`rich text [${driver}]`, () => {
    let gw: TestGateway;
    let editor: Record<string, string>;

    before(async () => {
      gw = await startTestGateway(driver);
      const { secret } = await createApiKey(gw.gateway.db, { name: 'rich text desk', role: Role.EDITOR });
      editor = { authorization: `Bearer ${secret}` };
    });
    after(() => gw.stop());

    it('stores an editor’s body once as sanitised HTML and serves it as HTML, plain text and Markdown', async () => {
      const created = await gw.post(CREATE, { input: digest('rich-body', RICH_BODY) }, editor);
      assert.equal(created.body.errors, undefined, JSON.stringify(created.body.errors));
      assert.equal(created.body.data.createDigestArticle.body, RICH_HTML);
      const [row] = await gw.gateway.db.query(`SELECT body FROM content WHERE slug = 'rich-body'`);
      assert.equal(row.body, RICH_HTML, 'stored once, as the sanitised HTML');

      const { body } = await gw.post(FORMATS, { id: created.body.data.createDigestArticle.id }, editor);
      assert.deepEqual(body, { data: { node: { body: RICH_HTML, html: RICH_HTML, text: RICH_TEXT, markdown: RICH_MARKDOWN } } });
    });

    it('renders the Markdown back to the same structure: headings, emphasis, links with targets, images with alt text', () => {
      const rendered = careless.render(RICH_MARKDOWN);
      assert.deepEqual(activeParts(rendered, MARKDOWN_ELEMENTS), []);
      assert.match(rendered, /<h2>Back to school<\/h2>/);
      assert.match(rendered, /<a href="https:\/\/example\.org\/report" title="The report">the report<\/a>/);
      assert.match(rendered, /<a href="mailto:press@example\.org">press@example\.org<\/a>/);
      assert.match(rendered, /<img src="https:\/\/example\.org\/class\.jpg" alt="A classroom in Mosul">/);
      assert.match(rendered, /<p>Use <code>npm test<\/code>; 2 \* 3 = 6 and a &lt; b &amp; c\.<\/p>/);
    });

    it('answers null in every format for an item without a body', async () => {
      const created = await gw.post(CREATE, { input: digest('no-body', null) }, editor);
      const { body } = await gw.post(FORMATS, { id: created.body.data.createDigestArticle.id }, editor);
      assert.deepEqual(body, { data: { node: { body: null, html: null, text: null, markdown: null } } });
    });

    it('accepts what the sanitiser only normalises (quotes, void tags, URLs, rel) and stores the normalised form', async () => {
      const { body } = await gw.post(CREATE, { input: digest('normalised-body', `<P>One<BR>two</P><p><a href='HTTPS://Example.org'>home</a></p>`) }, editor);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      assert.equal(body.data.createDigestArticle.body, '<p>One<br />two</p><p><a href="https://example.org/" rel="nofollow noopener">home</a></p>');
    });

    it(`refuses every one of the ${REFUSED.length} bodies of the XSS corpus with BAD_USER_INPUT naming what would be removed, and stores none`, async () => {
      assert.ok(REFUSED.length >= 25);
      for (const [n, { html, removed }] of REFUSED.entries()) {
        const { status, body } = await gw.post(CREATE, { input: digest(`xss-editor-${n}`, html) }, editor);
        const { data, errors } = body;
        assert.deepEqual(
          { data, errors: errors?.map(({ message, path, extensions }) => ({ message, path, extensions })) },
          refusal(removed),
          `payload ${n}: ${html}`,
        );
        assert.equal(status, 200);
      }
      const [{ n }] = await gw.gateway.db.query(`SELECT count(*) AS n FROM content WHERE slug LIKE 'xss-editor-%'`);
      assert.equal(Number(n), 0);
    });

    it('refuses them in an update and in a translation too, leaving the item and its translations as they were', async () => {
      const created = await gw.post(CREATE, { input: digest('kept-body', '<p>Kept.</p>') }, editor);
      const { id } = created.body.data.createDigestArticle;
      const update = await gw.post(
        `mutation ($id: ID!, $input: DigestArticleInput!) { updateDigestArticle(id: $id, expectedVersion: 1, input: $input) { version } }`,
        { id, input: digest('kept-body', '<p>Changed <img src="https://example.org/a.png" alt="a" onerror="alert(1)"></p>') },
        editor,
      );
      assert.deepEqual(update.body.errors?.map((e) => [e.path, e.extensions?.code, e.message]), [
        [['updateDigestArticle'], 'BAD_USER_INPUT', 'The body holds what is not allowed and would be removed: onerror on img'],
      ]);
      const translation = await gw.post(
        `mutation ($id: ID!) { setTranslation(id: $id, locale: FR, input: { title: "Gardé", summary: "Gardé.", body: "<p>x</p><script>alert(1)</script>" }) { version } }`,
        { id },
        editor,
      );
      assert.deepEqual(translation.body.errors?.map((e) => [e.path, e.extensions?.code, e.message]), [
        [['setTranslation'], 'BAD_USER_INPUT', 'The body holds what is not allowed and would be removed: script'],
      ]);
      const { body } = await gw.post(`query ($id: ID!) { node(id: $id) { ... on Content { version body translations translation(locale: FR) { title } } } }`, { id }, editor);
      assert.deepEqual(body, { data: { node: { version: 1, body: '<p>Kept.</p>', translations: ['EN'], translation: null } } });
    });

    it('accepts markup escaped as text from an editor, and serves it as text in every format', async () => {
      const created = await gw.post(CREATE, { input: digest('escaped-markup', '<p>&lt;script&gt;alert(1)&lt;/script&gt; is how a script starts</p>') }, editor);
      assert.equal(created.body.errors, undefined, JSON.stringify(created.body.errors));
      const { body } = await gw.post(FORMATS, { id: created.body.data.createDigestArticle.id }, editor);
      assert.deepEqual(body, {
        data: {
          node: {
            body: '<p>&lt;script&gt;alert(1)&lt;/script&gt; is how a script starts</p>',
            html: '<p>&lt;script&gt;alert(1)&lt;/script&gt; is how a script starts</p>',
            // What reads as a tag is dropped from plain text, as from titles: a page that inserts it unescaped runs nothing.
            text: 'is how a script starts',
            markdown: '\\<script>alert(1)\\</script> is how a script starts',
          },
        },
      });
      assert.equal(careless.render(body.data.node.markdown), '<p>&lt;script&gt;alert(1)&lt;/script&gt; is how a script starts</p>\n');
    });

    it(`never serves script, handlers or other URL schemes from the ${REFUSED.length + INERT.length} ingested bodies of the corpus, in any format`, async () => {
      const payloads = [...REFUSED.map(({ html }) => html), ...INERT];
      await write(gw.gateway.db, CLI_ACTOR, (session) => upsertContent(session, payloads.map((html, n) => ingested(`xss-ingested-${n}`, html, n))));
      const { body } = await gw.post(
        `{ feed(first: 100, filter: { tags: ["xss"] }) { edges { node { slug html: body text: body(format: TEXT) markdown: body(format: MARKDOWN) } } } }`,
      );
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      const served: Served[] = body.data.feed.edges.map((edge: { node: Served }) => edge.node);
      assert.equal(served.length, payloads.length);
      for (const item of served) {
        const payload = payloads[Number(item.slug.replace('xss-ingested-', ''))];
        const where = `${item.slug}: ${payload}`;
        assert.deepEqual(activeParts(item.html ?? ''), [], `HTML of ${where}: ${item.html}`);
        assert.doesNotMatch(item.text ?? '', TAG_OPENING, `TEXT of ${where}`);
        assert.deepEqual(activeParts(careless.render(item.markdown ?? ''), MARKDOWN_ELEMENTS), [], `MARKDOWN of ${where}: ${item.markdown}`);
        // The harmless text around the payload survives in every format.
        if (payload.includes('<p>after</p>')) for (const format of [item.html, item.text, item.markdown]) assert.match(format ?? '', /after/, where);
      }
    });

    it('keeps a link’s target and an image’s alt text in plain text and Markdown, however they are written', async () => {
      const html = '<p><a href="https://example.org/a) [x](javascript:alert(1)">link text</a> <img src="https://example.org/x.png" alt="a](https://example.org/y.png) [click](javascript:alert(1)) ![b"></p>';
      await write(gw.gateway.db, CLI_ACTOR, (session) => upsertContent(session, [{ ...ingested('odd-targets', html, 200), tags: ['odd'] }]));
      const { body } = await gw.post(`{ digestArticle(slug: "odd-targets") { text: body(format: TEXT) markdown: body(format: MARKDOWN) } }`);
      assert.deepEqual(body, {
        data: {
          digestArticle: {
            text: 'link text (https://example.org/a)%20[x](javascript:alert(1)) [Image: a](https://example.org/y.png) [click](javascript:alert(1)) ![b]',
            markdown: '[link text](https://example.org/a\\)%20[x]\\(javascript:alert\\(1\\)) ![a\\](https://example.org/y.png) \\[click\\](javascript:alert(1)) !\\[b](https://example.org/x.png)',
          },
        },
      });
      assert.equal(
        careless.render(body.data.digestArticle.markdown),
        '<p><a href="https://example.org/a)%20%5Bx%5D(javascript:alert(1)">link text</a> <img src="https://example.org/x.png" alt="a](https://example.org/y.png) [click](javascript:alert(1)) ![b"></p>\n',
      );
    });

    it('escapes in Markdown whatever in the text would become markup', async () => {
      const html = '<p>*not emphasis* _nor this_ [x](javascript:alert(1)) `code`</p><p># not a heading</p><p>1. not a list</p><p>&lt;b&gt;bold?&lt;/b&gt; &lt;https://example.org&gt;</p>';
      await write(gw.gateway.db, CLI_ACTOR, (session) => upsertContent(session, [{ ...ingested('literal-markdown', html, 201), tags: ['literal'] }]));
      const { body } = await gw.post(`{ digestArticle(slug: "literal-markdown") { markdown: body(format: MARKDOWN) } }`);
      const markdown = '\\*not emphasis\\* \\_nor this\\_ \\[x\\](javascript:alert(1)) \\`code\\`\n\n\\# not a heading\n\n1\\. not a list\n\n\\<b>bold?\\</b> \\<https://example.org>';
      assert.deepEqual(body, { data: { digestArticle: { markdown } } });
      // Rendered, it is the text the HTML holds, and nothing more.
      assert.equal(
        careless.render(markdown),
        '<p>*not emphasis* _nor this_ [x](javascript:alert(1)) `code`</p>\n<p># not a heading</p>\n<p>1. not a list</p>\n<p>&lt;b&gt;bold?&lt;/b&gt; &lt;https://example.org&gt;</p>\n',
      );
    });
  });
}

for (const driver of DRIVERS) {
  describe(`bodies a feed brings in are served inert [${driver}]`, () => {
    const fixture = ingestFixture(driver);

    it(`a FEED run of the ${REFUSED.length + INERT.length} bodies of the corpus writes none that serves script, handlers or other URL schemes, in any format`, async () => {
      // As the connector gets them, not sanitised by the test: each payload is an entry's body (content:encoded, escaped once as RSS does).
      const { upstream, gw } = fixture;
      const payloads = [...REFUSED.map(({ html }) => html), ...INERT];
      const entries: RssEntry[] = payloads.map((html, n) => ({
        guid: `xss-${n}`,
        title: `Hostile entry ${n}`,
        link: `https://wire.example/xss/${n}`,
        date: new Date(Date.UTC(2021, 0, 1, 0, n)).toUTCString(),
        description: 'A hostile body.',
        content: `<p>before</p>${html}<p>after</p>`,
      }));
      upstream.serve('/xss.rss', rss(entries));
      await gw.addSource({ name: 'xss-wire', kind: 'FEED', url: upstream.url('/xss.rss'), type: 'DIGEST_ARTICLE', options: { outlet: 'Wire' } });
      const run = await gw.runSource('xss-wire');
      assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
      assert.equal(run.created, payloads.length, JSON.stringify(run.errors));

      const items = await gw.gateway.db.getRepository(Content).find({ where: { sourceName: 'xss-wire' } });
      assert.equal(items.length, payloads.length);
      for (let from = 0; from < items.length; from += 100) {
        const ids = items.slice(from, from + 100).map((item) => item.nodeId);
        const data = await gw.ok<{ nodes: (Served & { source: { externalId: string } })[] }>(
          `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on DigestArticle { slug html: body text: body(format: TEXT) markdown: body(format: MARKDOWN) source { externalId } } } }`,
          { ids },
          gw.editor,
        );
        for (const item of data.nodes) {
          const payload = payloads[Number(item.source.externalId.replace('xss-', ''))];
          const where = `${item.source.externalId}: ${payload}`;
          assert.deepEqual(activeParts(item.html ?? ''), [], `HTML of ${where}: ${item.html}`);
          assert.doesNotMatch(item.text ?? '', TAG_OPENING, `TEXT of ${where}`);
          assert.deepEqual(activeParts(careless.render(item.markdown ?? ''), MARKDOWN_ELEMENTS), [], `MARKDOWN of ${where}: ${item.markdown}`);
          // Served as markup, not escaped into inert text (which would pass the checks above trivially).
          assert.match(item.html ?? '', /<p>before<\/p>[\s\S]*<p>after<\/p>/, `the markup around ${where}`);
          for (const format of [item.text, item.markdown]) assert.match(format ?? '', /after/, `the text around ${where}`);
        }
      }
    });
  });
}
