import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ContentType } from '../src/shared/content/content-status';
import { SourceKind } from '../src/shared/content/source-kind';
import { DocumentError, type FetchedDocument, type ParseResult, type RunContext } from '../src/ingest/connector';
import { feedConnector } from '../src/ingest/connectors/feed';
import { parseFeedDate } from '../src/ingest/connectors/feed-dates';

const FIXTURES = path.resolve(__dirname, '../../tests/fixtures/feeds');
const EXAMPLES = path.resolve(__dirname, '../../examples/sources');

function context(targetType: ContentType = ContentType.DIGEST_ARTICLE, options: Record<string, unknown> = {}): RunContext {
  return {
    source: { name: 'Test source', kind: SourceKind.FEED, location: 'https://coalition.example/feed', targetType, options },
    documentNumber: 1,
    lastSuccessAt: null,
    fullListing: false,
  };
}

function fetched(body: string | Buffer, url = 'https://coalition.example/feeds/feed', contentType: string | null = null): FetchedDocument {
  return { url, status: 200, contentType, headers: {}, body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body };
}

function fixture(name: string, url = `https://coalition.example/feeds/${name}`): FetchedDocument {
  return fetched(fs.readFileSync(path.join(FIXTURES, name)), url);
}

function parse(document: FetchedDocument, targetType?: ContentType, options?: Record<string, unknown>): ParseResult {
  return feedConnector.parse(document, context(targetType, options));
}

function refuses(document: FetchedDocument, message: RegExp): void {
  assert.throws(() => parse(document), (error: unknown) => {
    assert.ok(error instanceof DocumentError, `expected a DocumentError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

/** A minimal RSS 2.0 document around some items. */
function rss(items: string, channel = '<title>Press</title><link>https://coalition.example/</link>'): string {
  return `<?xml version="1.0"?><rss version="2.0">\n<channel>${channel}${items}</channel></rss>`;
}

describe('feedConnector', () => {
  it('is the FEED connector and reads the source location as its only document', () => {
    assert.equal(feedConnector.kind, SourceKind.FEED);
    assert.equal(feedConnector.firstUrls, undefined);
  });

  it('reads RSS 1.0 (RDF)', () => {
    assert.deepEqual(parse(fixture('rss1.rdf')), {
      items: [
        {
          externalId: 'https://coalition.example/stabilisation/anah-water',
          type: ContentType.DIGEST_ARTICLE,
          title: 'Anah’s water pumping station is running again',
          summary: 'A rebuilt pumping station supplies clean water to about 20,000 residents.',
          body: null,
          url: 'https://coalition.example/stabilisation/anah-water',
          publishedAt: new Date('2025-03-03T08:00:00Z'),
          language: 'en-GB',
          tags: ['Iraq', 'Water'],
          fields: { outlet: 'Stabilisation Notes', originalUrl: 'https://coalition.example/stabilisation/anah-water' },
        },
        {
          externalId: 'https://coalition.example/stabilisation/raqqa-clinics',
          type: ContentType.DIGEST_ARTICLE,
          title: 'Two clinics reopen in Raqqa',
          summary: 'Primary health care is available again in two neighbourhoods of Raqqa.',
          body: '<p>Primary health care is available again in <b>two neighbourhoods</b> of Raqqa.</p>',
          url: 'https://coalition.example/stabilisation/raqqa-clinics',
          publishedAt: new Date('2025-03-01T07:00:00Z'),
          language: 'ar',
          tags: ['Syria'],
          fields: { outlet: 'Stabilisation Notes', originalUrl: 'https://coalition.example/stabilisation/raqqa-clinics' },
        },
      ],
      errors: [],
      meta: { title: 'Stabilisation Notes', language: 'en-GB' },
    });
  });

  it('reads JSON Feed 1.0: numeric ids, content_text escaped into paragraphs, external_url as the original, titles and summaries as the plain text they are', () => {
    // JSON Feed's titles and summaries are plain text: what looks like markup in them is text, kept as written; a character reference (`&amp;`) is read.
    assert.deepEqual(parse(fixture('jsonfeed-1.0.json')), {
      items: [
        {
          externalId: '1042',
          type: ContentType.DIGEST_ARTICLE,
          title: 'Vocational training for returnees in Anbar',
          summary: 'Forty young people finished a six-month course in electrical work. Most have found jobs. A second course starts in April.',
          body: '<p>Forty young people finished a six-month course in electrical work.<br />Most have found jobs.</p><p>A second course starts in April.</p>',
          url: 'https://coalition.example/returnees/anbar-training',
          publishedAt: new Date('2025-02-20T09:00:00Z'),
          language: null,
          tags: ['Iraq', 'Returnees'],
          fields: { outlet: 'Returnees & Reintegration', originalUrl: 'https://anbar-times.example/vocational-training' },
        },
        {
          externalId: 'returnees-2',
          type: ContentType.DIGEST_ARTICLE,
          title: 'Families reunited after years in camps',
          summary: 'Caseworkers helped <b>twelve</b> families find relatives.',
          body: '<p>Caseworkers helped twelve families find relatives.</p><img src="https://coalition.example/img/reunion.jpg" alt="A reunion" />',
          url: 'https://coalition.example/returnees/family-reunions',
          publishedAt: new Date('2025-02-18T11:30:00Z'),
          publishedAtIsLastChange: true,
          language: null,
          tags: [],
          fields: { outlet: 'Returnees & Reintegration', originalUrl: 'https://coalition.example/returnees/family-reunions' },
        },
      ],
      errors: [{ position: 'entry 3', message: 'No title', externalId: 'returnees-3' }],
      meta: { title: 'Returnees & Reintegration', language: null },
    });
  });

  it('skips and reports entries without a title, a date or an id, and repeated ids; the others go on', () => {
    const item = (externalId: string, title: string, hour: string) => ({
      externalId,
      type: ContentType.DIGEST_ARTICLE,
      title,
      summary: '',
      body: null,
      url: externalId.startsWith('https:') ? externalId : 'https://coalition.example/reports/complete',
      publishedAt: new Date(`2025-03-03T${hour}:00:00Z`),
      language: null,
      tags: [],
      fields: { outlet: 'Field Reports', originalUrl: externalId.startsWith('https:') ? externalId : 'https://coalition.example/reports/complete' },
    });
    assert.deepEqual(parse(fixture('missing-fields.rss')), {
      items: [item('report-1', 'A complete report', '08'), item('https://coalition.example/reports/last', 'The last report, still read', '13')],
      errors: [
        { position: 'entry 2', message: 'No title', externalId: 'report-2' },
        { position: 'entry 3', message: 'No title', externalId: 'report-3' },
        { position: 'entry 4', message: 'No date (pubDate, dc:date)', externalId: 'report-4' },
        { position: 'entry 5', message: 'No usable date: pubDate "sometime last week" is not a date', externalId: 'report-5' },
        { position: 'entry 6', message: 'No id and no link: the entry cannot be told apart from the others' },
        { position: 'entry 7', message: 'Same id as entry 1: skipped', externalId: 'report-1' },
        { position: 'entry 8', message: 'Unreadable entry: the item is empty' },
      ],
      meta: { title: 'Field Reports', language: null },
    });
  });

  it('skips entries whose link is not http(s), and sanitises titles and bodies', () => {
    assert.deepEqual(parse(fixture('hostile-links.atom', 'file:///srv/feeds/hostile-links.atom')), {
      items: [
        {
          externalId: 'urn:hostile:5',
          type: ContentType.DIGEST_ARTICLE,
          title: 'A safe entry with a hostile body',
          summary: 'Read this and that.',
          body: '<p>Read <a rel="nofollow noopener">this</a> and <a href="https://coalition.example/more" rel="nofollow noopener">that</a>.</p><img src="https://coalition.example/news/x" />',
          url: 'https://coalition.example/news/5',
          publishedAt: new Date('2025-03-03T08:00:00Z'),
          publishedAtIsLastChange: true,
          language: null,
          tags: [],
          fields: { outlet: 'Hostile Links', originalUrl: 'https://coalition.example/news/5' },
        },
      ],
      errors: [
        { position: 'entry 1', message: 'Link "javascript:alert(document.cookie)" is not an http(s) address', externalId: 'urn:hostile:1' },
        { position: 'entry 2', message: 'Link "JaVa ScRiPt:alert(1)" is not an http(s) address', externalId: 'urn:hostile:2' },
        { position: 'entry 3', message: 'Link "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==" is not an http(s) address', externalId: 'urn:hostile:3' },
        { position: 'entry 4', message: 'Link "/news/4" is relative and the feed gives no address to resolve it against', externalId: 'urn:hostile:4' },
      ],
      meta: { title: 'Hostile Links', language: null },
    });
  });

  it('reads double-escaped, CDATA and unescaped HTML as the text and HTML they mean', () => {
    const digest = (slug: string, title: string, summary: string, body: string | null, hour: string) => ({
      externalId: `https://coalition.example/news/${slug}`,
      type: ContentType.DIGEST_ARTICLE,
      title,
      summary,
      body,
      url: `https://coalition.example/news/${slug}`,
      publishedAt: new Date(`2025-03-03T${hour}:00:00Z`),
      language: null,
      tags: [],
      fields: { outlet: 'Escaped & Re-escaped', originalUrl: `https://coalition.example/news/${slug}` },
    });
    assert.deepEqual(parse(fixture('double-escaped.rss')), {
      items: [
        digest('escaped', 'Mosul’s schools reopen', 'Twelve schools & 4,000 pupils.', '<p>Escaped <em>twice</em>.</p>', '08'),
        digest('cdata', 'CDATA title with markup & an entity', 'Once escaped, as RSS should be: bold & fine.', null, '09'),
        digest('raw', 'Unescaped markup a feed forgot to escape', 'Raw HTML in the description.', null, '10'),
      ],
      errors: [],
      meta: { title: 'Escaped & Re-escaped', language: null },
    });
  });

  it('resolves relative links against xml:base, the feed and the document; keeps Atom XHTML and text content', () => {
    // Dated by `updated` (no `published`): the date of the last change, which dates a new item only.
    const story = (id: string, title: string, summary: string, body: string | null, url: string, publishedAt: string, lastChange = true) => ({
      externalId: id,
      type: ContentType.CAMPAIGN_STORY,
      title,
      summary,
      body,
      url,
      publishedAt: new Date(publishedAt),
      ...(lastChange ? { publishedAtIsLastChange: true } : {}),
      language: 'en-GB',
      tags: [],
      fields: { places: [] },
    });
    assert.deepEqual(parse(fixture('relative-links.atom', 'file:///srv/feeds/relative-links.atom'), ContentType.CAMPAIGN_STORY), {
      items: [
        story(
          'urn:relative:1',
          "Resolved against the feed's xml:base",
          'See the statement and .',
          '<p>See <a href="https://coalition.example/press/statement" rel="nofollow noopener">the statement</a> and <img src="https://coalition.example/digest/img/mosul.jpg" alt="Mosul" />.</p>',
          'https://coalition.example/digest/2025/mosul',
          '2025-03-03T08:00:00Z',
        ),
        story(
          'urn:relative:2',
          "Resolved against the entry's own xml:base",
          'Plain text content, with a line break & an ampersand. And a second paragraph.',
          '<p>Plain text content,<br />with a line break &amp; an ampersand.</p><p>And a second paragraph.</p>',
          'https://archive.coalition.example/2024/raqqa-demining',
          '2024-11-20T08:00:00Z',
          false,
        ),
        story('urn:relative:3', 'Protocol-relative', '', null, 'https://news.example/story', '2025-03-01T08:00:00Z'),
      ],
      errors: [],
      meta: { title: 'Relative Links', language: 'en-GB' },
    });
  });

  it('resolves relative RSS links against the channel link', () => {
    const result = parse(fetched(rss('<item><title>T</title><link>news/1</link><pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate></item>', '<title>P</title><link>https://coalition.example/press/</link>'), 'file:///tmp/press.rss'));
    assert.equal(result.items[0].url, 'https://coalition.example/press/news/1');
  });

  it('reads the odd dates feeds write, and reports the ones it cannot', () => {
    const result = parse(fixture('odd-dates.rss'));
    assert.deepEqual(
      result.items.map((item) => [item.title, item.publishedAt?.toISOString()]),
      [
        ['RFC 822 with GMT', '2025-03-03T08:00:00.000Z'],
        ['Named zone EDT', '2025-03-03T12:00:00.000Z'],
        ['Numeric offset, no seconds', '2025-03-03T05:00:00.000Z'],
        ['Two-digit year, extra spaces, PST', '2025-03-03T16:00:00.000Z'],
        ['UT and no day name', '2025-03-03T08:00:00.000Z'],
        ['ISO 8601 with fractions', '2025-03-03T07:00:00.250Z'],
        ['dc:date only', '2025-03-03T00:00:00.000Z'],
        ["JavaScript's Date#toString", '2025-03-03T05:00:00.000Z'],
        ['Unreadable pubDate, usable dc:date', '2025-03-03T08:00:00.000Z'],
      ],
    );
    assert.deepEqual(result.errors, [
      { position: 'entry 10', message: 'No usable date: pubDate "Fri, 31 Feb 2025 08:00:00 GMT" is not a date', externalId: 'https://coalition.example/d/10' },
      { position: 'entry 11', message: 'No usable date: pubDate "0000-00-00 00:00:00" is not a date', externalId: 'https://coalition.example/d/11' },
      { position: 'entry 12', message: 'No usable date: pubDate "Mon, 03 Mar 2025 08:00:00 AST" is not a date', externalId: 'https://coalition.example/d/12' },
    ]);
  });

  it('detects the format from the document, whatever the content type says', () => {
    const atom = fs.readFileSync(path.join(EXAMPLES, 'coalition-digest.atom'));
    const json = fs.readFileSync(path.join(EXAMPLES, 'updates.json'));
    assert.equal(parse(fetched(atom, 'https://coalition.example/digest', 'application/json')).items.length, 8);
    assert.equal(parse(fetched(json, 'https://coalition.example/updates', 'application/rss+xml')).items.length, 6);
    assert.equal(parse(fetched(atom, 'https://coalition.example/digest', 'text/html')).items.length, 8);
  });

  it('reads documents in other encodings', () => {
    const declared = rss('<item><title>R\u00e9ouverture</title><guid>1</guid><pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate></item>').replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>');
    const latin1 = Buffer.from(declared, 'latin1');
    assert.equal(parse(fetched(latin1)).items[0].title, 'Réouverture');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(rss('<item><title>الموصل</title><guid>1</guid><pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate></item>'), 'utf16le')]);
    assert.equal(parse(fetched(utf16)).items[0].title, 'الموصل');
  });
});

describe('feedConnector reading text', () => {
  const date = '<updated>2024-12-02T00:00:00Z</updated>';
  const atom = (entry: string) => `<feed xmlns="http://www.w3.org/2005/Atom"><title>Digest</title><entry><id>urn:x</id><link href="https://coalition.example/x"/>${date}${entry}</entry></feed>`;
  const withType = (body: string | Buffer, contentType: string) => ({ ...fetched(body), contentType: contentType.split(';')[0], headers: { 'content-type': contentType } });

  it('keeps plain text plain: markup in an Atom text title or summary, or a JSON Feed’s, is text', () => {
    const [entry] = parse(fetched(atom('<title>Why &lt;iframe&gt; embeds  break on mobile</title><summary type="text">Never put &lt;script&gt; in a summary:\n it ate the rest\u00ad</summary>'))).items;
    assert.deepEqual([entry.title, entry.summary], ['Why <iframe> embeds break on mobile', 'Never put <script> in a summary: it ate the rest']);
    const json = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'T', items: [{ id: '1', url: 'https://coalition.example/1', title: 'Use <template> wisely', summary: 'x < y and <b> is a tag', date_published: '2024-12-02T00:00:00Z' }] });
    const [item] = parse(fetched(json)).items;
    assert.deepEqual([item.title, item.summary], ['Use <template> wisely', 'x < y and <b> is a tag']);
    // HTML stays HTML: its markup goes.
    const [html] = parse(fetched(atom('<title type="html">Why &lt;b&gt;embeds&lt;/b&gt; break</title>'))).items;
    assert.equal(html.title, 'Why embeds break');
  });

  it('reads the charset of the Content-Type when the XML declaration names none; the declaration and a byte-order mark win over it', () => {
    const latin1 = Buffer.from(rss(`<item><title>Caf\u00e9 in Mosul</title><guid>1</guid><pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate></item>`), 'latin1');
    assert.equal(parse(withType(latin1, 'application/rss+xml; charset=ISO-8859-1')).items[0].title, 'Café in Mosul');
    assert.equal(parse(withType(latin1, 'application/rss+xml;charset="iso-8859-1"')).items[0].title, 'Café in Mosul');
    // A UTF-8 feed served with a server's default charset: its declaration is right, the label is not.
    const declaredUtf8 = Buffer.from(rss(`<item><title>Caf\u00e9</title><guid>1</guid><pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate></item>`).replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>'), 'utf8');
    assert.equal(parse(withType(declaredUtf8, 'text/xml; charset=ISO-8859-1')).items[0].title, 'Café');
    const marked = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(rss(`<item><title>Caf\u00e9</title><guid>1</guid><pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate></item>`))]);
    assert.equal(parse(withType(marked, 'application/rss+xml; charset=ISO-8859-1')).items[0].title, 'Café');
  });

  it('refuses bytes that are not text in the encoding the document is read in, rather than storing replacement characters', () => {
    const latin1 = Buffer.from(rss(`<item><title>Caf\u00e9</title><guid>1</guid><pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate></item>`), 'latin1');
    refuses(fetched(latin1), /^The document is not valid text in UTF-8 \(nothing names another encoding\)/);
    refuses(withType(latin1, 'application/rss+xml; charset=utf-8'), /^The document is not valid text in UTF-8, the encoding the charset of its Content-Type names/);
    refuses(withType(latin1, 'application/rss+xml; charset=x-klingon'), /^Unknown character encoding "x-klingon" in the charset of its Content-Type$/);
  });

  it('quotes what a document that is no feed starts with as JSON, control characters escaped', () => {
    refuses(fetched('\u0000\u0001 binary'), /^Not a feed: neither XML nor JSON \(it starts with "\\u0000\\u0001 binary"\)$/);
  });
});

describe('feedConnector refusing documents', () => {
  it('refuses a billion-laughs document', () => {
    refuses(fixture('billion-laughs.xml'), /DOCTYPE declares entities/);
  });

  it('refuses an external entity', () => {
    refuses(fixture('xxe.xml'), /DOCTYPE declares entities/);
  });

  it('refuses a truncated document, saying where it ends', () => {
    refuses(fixture('truncated.rss'), /ends inside <rss> > <channel> > <item> > <title>/);
  });

  it('refuses an HTML page, naming it by its title', () => {
    refuses(fixture('html-page.html'), /^Not a feed: an HTML page \("502 Bad Gateway"\)$/);
  });

  it('refuses JSON that is not a JSON Feed, and broken JSON', () => {
    refuses(fetched('{"status":"error","message":"Rate limited"}'), /JSON with no "version", not a JSON Feed/);
    refuses(fetched('{"version":"https://jsonfeed.org/version/2","items":[]}'), /version "https:\/\/jsonfeed.org\/version\/2"/);
    refuses(fetched('[1, 2, 3]'), /JSON array/);
    refuses(fetched('{"version":"https://jsonfeed.org/version/1.1","items":'), /unreadable JSON/);
    refuses(fetched('{"version":"https://jsonfeed.org/version/1.1","title":"x"}'), /"items" is not a list/);
  });

  it('refuses XML that is not a feed, naming what it found', () => {
    refuses(fetched('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.example/</loc></url></urlset>'), /root element is <urlset>/);
    refuses(fetched('<feed xmlns="http://purl.org/atom/ns#" version="0.3"><title>Old</title></feed>'), /Atom 0\.3/);
    refuses(fetched('<feed xmlns="http://example.org/not-atom"><title>x</title></feed>'), /namespace "http:\/\/example.org\/not-atom"/);
    refuses(fetched('<rss version="3.0"><channel><title>x</title></channel></rss>'), /RSS version "3.0"/);
    refuses(fetched('<rss version="2.0"><title>No channel</title></rss>'), /no <channel>/);
  });

  it('refuses what is neither XML nor JSON, and nothing at all', () => {
    refuses(fetched('Service temporarily unavailable'), /neither XML nor JSON \(it starts with "Service temporarily unavailable"\)/);
    refuses(fetched('  \n'), /empty/);
  });
});

describe('feedConnector items', () => {
  const date = '<pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate>';

  it('gives each target type its fields', () => {
    const document = fetched(rss(`<item><title>Post</title><guid>p1</guid><description>&lt;p&gt;Text of the post&lt;/p&gt;</description>${date}</item>`));
    assert.deepEqual(parse(document, ContentType.SOCIAL_POST).items[0].fields, {
      platform: 'OTHER',
      authorHandle: null,
      text: 'Text of the post',
      hashtags: [],
      mentions: [],
      links: [],
    });
    assert.deepEqual(parse(document, ContentType.CAMPAIGN_STORY).items[0].fields, { places: [] });
    assert.deepEqual(parse(document, ContentType.DIGEST_ARTICLE, { outlet: 'The Mosul Observer' }).items[0].fields, { outlet: 'The Mosul Observer', originalUrl: null });
  });

  it('names the outlet after the feed, then the source, when no outlet is set', () => {
    assert.equal(parse(fetched(rss(`<item><title>T</title><guid>1</guid>${date}</item>`, '<title>Capital &amp;amp; Ledger</title>'))).items[0].fields.outlet, 'Capital & Ledger');
    assert.equal(parse(fetched(rss(`<item><title>T</title><guid>1</guid>${date}</item>`, ''))).items[0].fields.outlet, 'Test source');
  });

  it('refuses to make stabilisation projects of a news feed, with one clear error', () => {
    const result = parse(fetched(rss(`<item><title>T</title><guid>1</guid>${date}</item>`)), ContentType.STABILISATION_PROJECT);
    assert.deepEqual(result, {
      items: [],
      errors: [
        {
          position: 'document',
          message: "A news feed cannot supply stabilisation projects (it has no sector, phase, country or budget): set the source's target type to DIGEST_ARTICLE, CAMPAIGN_STORY or SOCIAL_POST",
        },
      ],
      meta: { title: 'Press', language: null },
    });
  });

  it('cuts summaries to 500 characters at a word boundary, and titles to 300', () => {
    const words = Array.from({ length: 200 }, (_, index) => `word${index}`).join(' ');
    const [item] = parse(fetched(rss(`<item><title>${words}</title><guid>1</guid><description>${words}</description>${date}</item>`))).items;
    assert.ok(item.summary.length <= 500);
    assert.match(item.summary, /^word0 word1 .* word\d+…$/);
    assert.ok(item.title.length <= 300);
    assert.match(item.title, /word\d+…$/);
  });

  it('falls back to the content for the summary and keeps the body null without content', () => {
    const [withContent, withoutAnything] = parse(
      fetched(`<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>
        <entry><id>a</id><title>A</title><updated>2025-03-03T08:00:00Z</updated><content type="html">&lt;p&gt;Only content&lt;/p&gt;</content></entry>
        <entry><id>b</id><title>B</title><updated>2025-03-03T08:00:00Z</updated><content src="https://coalition.example/b.pdf" type="application/pdf"/></entry>
      </feed>`),
    ).items;
    assert.equal(withContent.summary, 'Only content');
    assert.equal(withContent.body, '<p>Only content</p>');
    assert.equal(withoutAnything.summary, '');
    assert.equal(withoutAnything.body, null);
  });

  it('keeps at most 20 tags, trimmed and without duplicates', () => {
    const categories = Array.from({ length: 30 }, (_, index) => `<category> Tag ${index % 25} </category>`).join('');
    const [item] = parse(fetched(rss(`<item><title>T</title><guid>1</guid>${categories}<category>tag 1</category>${date}</item>`))).items;
    assert.deepEqual(item.tags, Array.from({ length: 20 }, (_, index) => `Tag ${index}`));
  });

  it('keeps ids of any length', () => {
    const id = `tag:coalition.example,2025:${'x'.repeat(1000)}`;
    assert.equal(parse(fetched(rss(`<item><title>T</title><guid isPermaLink="false">${id}</guid>${date}</item>`))).items[0].externalId, id);
  });

  it('takes an RSS guid as the link unless it says it is no permalink', () => {
    const [permalink, notPermalink] = parse(
      fetched(rss(`<item><title>A</title><guid>https://coalition.example/a</guid>${date}</item><item><title>B</title><guid isPermaLink="false">https://coalition.example/b</guid>${date}</item>`)),
    ).items;
    assert.equal(permalink.url, 'https://coalition.example/a');
    assert.equal(notPermalink.url, null);
  });

  it('reads the language of the entry, then of the document, as BCP 47', () => {
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us"><title>F</title>
      <entry xml:lang="FR_fr"><id>a</id><title>A</title><updated>2025-03-03T08:00:00Z</updated></entry>
      <entry><id>b</id><title>B</title><updated>2025-03-03T08:00:00Z</updated></entry>
      <entry xml:lang="English"><id>c</id><title>C</title><updated>2025-03-03T08:00:00Z</updated></entry>
    </feed>`;
    const result = parse(fetched(atom));
    assert.deepEqual(result.items.map((item) => item.language), ['fr-FR', 'en-US', 'en-US']);
    assert.deepEqual(result.meta, { title: 'F', language: 'en-US' });
  });

  it('reads the example sources without an error', () => {
    const expectations: [string, number, string | null][] = [
      ['coalition-digest.atom', 8, 'Coalition Weekly Digest'],
      ['press.rss', 8, 'Coalition Press Office'],
      ['updates.json', 6, 'Coalition Updates'],
    ];
    for (const [file, count, title] of expectations) {
      const result = parse(fetched(fs.readFileSync(path.join(EXAMPLES, file)), `file://${path.join(EXAMPLES, file)}`));
      assert.deepEqual(result.errors, [], file);
      assert.equal(result.items.length, count, file);
      assert.deepEqual(result.meta, { title, language: 'en-GB' }, file);
    }
    const digest = parse(fetched(fs.readFileSync(path.join(EXAMPLES, 'coalition-digest.atom'))));
    assert.deepEqual(digest.items.map((item) => item.language), ['en-GB', 'en-GB', 'en-GB', 'en-GB', 'fr', 'fr', 'ar', 'ar']);
    assert.equal(digest.items[6].title, 'إعادة فتح المدارس في الموصل');
  });
});

describe('parseFeedDate', () => {
  it('reads RFC 822 with named zones and offsets, two-digit years and ISO 8601', () => {
    const cases: [string, string][] = [
      ['Tue, 10 Jun 2003 04:00:00 GMT', '2003-06-10T04:00:00.000Z'],
      ['Tue, 10 Jun 2003 04:00:00 EST', '2003-06-10T09:00:00.000Z'],
      ['10 Jun 03 04:00 +0530', '2003-06-09T22:30:00.000Z'],
      ['10 Jun 99 04:00 Z', '1999-06-10T04:00:00.000Z'],
      ['Tue, 10 June 2003 04:00:00 CEST', '2003-06-10T02:00:00.000Z'],
      ['Tue, 10 Jun 2003', '2003-06-10T00:00:00.000Z'],
      ['2003-06-10T04:00:00-07:00', '2003-06-10T11:00:00.000Z'],
      ['2003-06-10T04:00Z', '2003-06-10T04:00:00.000Z'],
      ['2003-06-10 04:00:00', '2003-06-10T04:00:00.000Z'],
      ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.000Z'],
    ];
    for (const [value, iso] of cases) assert.equal(parseFeedDate(value)?.toISOString(), iso, value);
  });

  it('refuses what is not a date', () => {
    for (const value of ['', 'now', '2025-13-01', '2025-02-29', '29 Feb 2025', 'Mon, 03 Mar 2025 25:00:00 GMT', '03 Mar 2025 08:00 +2400', '03 Decimal 2025', '1850-01-01', '03 Mar 2025 08:00 XYZ']) {
      assert.equal(parseFeedDate(value), null, value);
    }
  });
});
