import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DocumentError, type FetchedDocument, type ItemDraft, type RunContext } from '../src/ingest/connector';
import { socialArchiveConnector } from '../src/ingest/connectors/social-archive';
import { ContentType } from '../src/shared/content/content-status';
import { SourceKind } from '../src/shared/content/source-kind';

const FIXTURES = join(__dirname, '../../examples/sources');
const MOSUL_STORY = 'https://example.org/thisgenerationlearns-back-to-class-in-west-mosul/';
const RAQQA_STORY = 'https://example.org/raqqa-le-deminage-ouvre-la-voie/';

function context(options: Record<string, unknown> = { authorHandle: '@CoalitionDemo' }): RunContext {
  return {
    source: { name: 'Coalition on X', kind: SourceKind.SOCIAL_ARCHIVE, location: '/data/archive/tweets.js', targetType: ContentType.SOCIAL_POST, options },
    documentNumber: 1,
    lastSuccessAt: null,
    fullListing: false,
  };
}

function document(body: string | Buffer, url = 'file:///data/archive/tweets.js'): FetchedDocument {
  return { url, status: 200, contentType: null, headers: {}, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

function post(id: string, publishedAt: string, language: string | null, text: string, title: string, tags: { hashtags?: string[]; mentions?: string[]; links?: string[] } = {}): ItemDraft {
  return {
    externalId: id,
    type: ContentType.SOCIAL_POST,
    title,
    summary: text.replace(/\s+/g, ' '),
    url: `https://x.com/CoalitionDemo/status/${id}`,
    publishedAt: new Date(publishedAt),
    language,
    fields: { platform: 'TWITTER', authorHandle: 'CoalitionDemo', text, hashtags: tags.hashtags ?? [], mentions: tags.mentions ?? [], links: tags.links ?? [] },
  };
}

/** What the fixture archive's tweets become (the retweet and the reply to a journalist are left out). */
const POSTS: Record<string, ItemDraft> = {
  school: post(
    '1181931122003456001',
    '2019-10-09T14:03:12Z',
    'en',
    `Back to school in #Mosul: 1,200 pupils return to classrooms rebuilt with coalition support. #ThisGenerationLearns ${MOSUL_STORY}`,
    'Back to school in #Mosul: 1,200 pupils return to classrooms rebuilt with coalition support…',
    { hashtags: ['Mosul', 'ThisGenerationLearns'], links: [MOSUL_STORY] },
  ),
  thread1: post(
    '1237402855123406850',
    '2020-03-10T16:20:05Z',
    'en',
    '1/ Demining in #Raqqa: local teams trained with @UNMAS have cleared more than 300 homes since January. 🧵',
    '1/ Demining in #Raqqa: local teams trained with @UNMAS have cleared more than 300 homes since…',
    { hashtags: ['Raqqa'], mentions: ['UNMAS'] },
  ),
  thread2: post(
    '1237402859011522561',
    '2020-03-10T16:20:06Z',
    'en',
    `2/ Every home cleared means a family can return & rebuild. Read more: ${RAQQA_STORY}`,
    '2/ Every home cleared means a family can return & rebuild. Read more:',
    { links: [RAQQA_STORY] },
  ),
  arabic: post(
    '1250000000000000001',
    '2020-04-14T08:00:00Z',
    'ar',
    '#هذا_الجيل_يتعلم عودة أكثر من ١٢٠٠ تلميذ إلى مدارس الموصل القديمة https://example.org/ar/mosul-schools/',
    '#هذا_الجيل_يتعلم عودة أكثر من ١٢٠٠ تلميذ إلى مدارس الموصل القديمة',
    { hashtags: ['هذا_الجيل_يتعلم'], links: ['https://example.org/ar/mosul-schools/'] },
  ),
  french: post(
    '1250000000000000002',
    '2020-04-14T08:30:00Z',
    'fr',
    `Le déminage de #Raqqa se poursuit : 300 maisons rendues aux familles avec @UNMAS. ${RAQQA_STORY}`,
    'Le déminage de #Raqqa se poursuit : 300 maisons rendues aux familles avec @UNMAS.',
    { hashtags: ['Raqqa'], mentions: ['UNMAS'], links: [RAQQA_STORY] },
  ),
  funding: post(
    '1260000000000000003',
    '2020-05-11T12:00:00Z',
    'en',
    'Stabilisation funding > $1bn since 2015 & counting: schools, water, power <and> demining in liberated areas. #DefeatDaesh',
    'Stabilisation funding > $1bn since 2015 & counting: schools, water, power <and> demining in…',
    { hashtags: ['DefeatDaesh'] },
  ),
  // Only a photo: its t.co link goes, no text is left, and X's `zxx` is no language.
  photo: post('1260000000000000004', '2020-05-11T15:45:00Z', null, '', 'Post 1260000000000000004'),
  applause: post('1270000000000000005', '2020-06-06T10:00:00Z', null, '@UNDPIraq @UNMAS 👏👏👏', '@UNDPIraq @UNMAS 👏👏👏', { mentions: ['UNDPIraq', 'UNMAS'] }),
};

const parse = (body: string | Buffer, options?: Record<string, unknown>) => socialArchiveConnector.parse(document(body), context(options));

describe('social archive connector', () => {
  describe('X’s tweets.js export', () => {
    const archive = readFileSync(join(FIXTURES, 'tweets.js'));

    it('reads the account’s tweets and threads, leaving out the retweet and the reply to someone else', () => {
      const { school, thread1, thread2, arabic, french, funding, photo, applause } = POSTS;
      assert.deepEqual(parse(archive), { items: [applause, photo, funding, french, arabic, thread2, thread1, school], errors: [] });
    });

    it('never leaves a t.co link', () => {
      for (const item of parse(archive, { authorHandle: 'CoalitionDemo', includeRetweets: true, includeReplies: true }).items) {
        assert.doesNotMatch(JSON.stringify(item), /t\.co\//, item.externalId);
      }
    });

    it('takes retweets and replies when the options say so', () => {
      const items = parse(archive, { authorHandle: 'CoalitionDemo', includeRetweets: true, includeReplies: true }).items;
      assert.equal(items.length, 10);
      const retweet = items.find((item) => item.externalId === '1241122334455667712')!;
      assert.deepEqual(retweet.fields, {
        platform: 'TWITTER',
        authorHandle: 'CoalitionDemo',
        text: 'RT @UNDPIraq: Water is flowing again from the Al-Qubba plant in Mosul, serving 250,000 people. https://example.org/undp-al-qubba',
        hashtags: [],
        mentions: ['UNDPIraq'],
        links: ['https://example.org/undp-al-qubba'],
      });
      const reply = items.find((item) => item.externalId === '1240011876540981248')!;
      assert.equal((reply.fields as { text: string }).text, '@SomeJournalist Thank you for covering the reopening of the Mosul museum & library.');
      assert.equal(parse(archive, { authorHandle: 'CoalitionDemo', includeReplies: true }).items.length, 9);
    });

    it('links through x.com/i/web without a handle, and keeps threads recognised by their parent in the archive', () => {
      const items = parse(archive, {}).items;
      assert.deepEqual(
        items.map((item) => item.externalId),
        [POSTS.applause, POSTS.photo, POSTS.funding, POSTS.french, POSTS.arabic, POSTS.thread2, POSTS.thread1, POSTS.school].map((item) => item.externalId),
      );
      assert.equal(items[0].url, 'https://x.com/i/web/status/1270000000000000005');
      assert.equal((items[0].fields as { authorHandle: unknown }).authorHandle, null);
    });

    it('accepts a byte-order mark, another part, a trailing semicolon and CRLF line ends', () => {
      const text = `\ufeff${archive.toString('utf8').replace('tweets.part0', 'tweets.part3').trimEnd()};\r\n`.replace(/\n/g, '\r\n');
      assert.deepEqual(parse(text).items.length, 8);
    });

    it('withdraws every tweet of deleted_tweets.js', () => {
      const text = 'window.YTD.deleted_tweets.part0 = [ { "tweet" : { "id_str" : "1181931122003456001", "deleted_at" : "Thu Oct 10 09:00:00 +0000 2019", "full_text" : "Back to school" } } ]';
      assert.deepEqual(parse(text), { items: [], errors: [], withdrawn: ['1181931122003456001'] });
    });

    it('reports entries without an id or a date and goes on', () => {
      const text = `window.YTD.tweets.part0 = [
        { "tweet" : { "id" : 1181931122003456001, "full_text" : "a numeric id only" } },
        { "tweet" : { "id_str" : "42", "full_text" : "no date" } },
        "not a tweet",
        { "tweet" : { "id_str" : "43", "full_text" : "fine", "created_at" : "Wed Oct 09 14:03:12 +0200 2019", "lang" : "in" } }
      ]`;
      assert.deepEqual(parse(text, {}), {
        items: [
          {
            externalId: '43',
            type: ContentType.SOCIAL_POST,
            title: 'fine',
            summary: 'fine',
            url: 'https://x.com/i/web/status/43',
            publishedAt: new Date('2019-10-09T12:03:12Z'),
            language: 'id',
            // No entities: hashtags, mentions and links come from the text (none here).
            fields: { platform: 'TWITTER', authorHandle: null, text: 'fine', hashtags: [], mentions: [], links: [] },
          },
        ],
        errors: [
          { position: 'entry 3', message: 'not a JSON object' },
          { position: 'entry 1', message: 'a tweet without `id_str` (a numeric `id` is not exact past 2^53, so it is not used)' },
          { position: 'tweet 42', externalId: '42', message: 'created_at null is not a date' },
        ],
      });
    });

    it('refuses a day the calendar lacks rather than rolling it over, and drops NUL and other control characters from the text', () => {
      const lines = [
        { tweet: { id_str: '50', full_text: 'leap', created_at: 'Sat Feb 31 10:00:00 +0000 2024' } },
        { tweet: { id_str: '51', full_text: 'iso', created_at: '2023-02-29T10:00:00Z' } },
        { tweet: { id_str: '52', full_text: 'a bad\u0000 post\u0007\non two lines', created_at: '2024-02-29T10:00:00Z' } },
      ];
      const result = parse(lines.map((line) => JSON.stringify(line)).join('\n'), {});
      assert.deepEqual(result.errors, [
        { position: 'line 1', externalId: '50', message: 'created_at "Sat Feb 31 10:00:00 +0000 2024" is not a date' },
        { position: 'line 2', externalId: '51', message: 'created_at "2023-02-29T10:00:00Z" is not a date' },
      ]);
      assert.deepEqual(
        result.items.map((item) => [item.title, item.summary, (item.fields as { text: string }).text, item.publishedAt]),
        [['a bad post on two lines', 'a bad post on two lines', 'a bad post\non two lines', new Date('2024-02-29T10:00:00Z')]],
      );
    });

    it('fails a document that is not an archive', () => {
      assert.throws(() => parse('window.YTD.tweets.part0 = [ { "tweet" : '), DocumentError);
      assert.throws(() => parse('window.YTD.tweets.part0 = { "tweet" : {} }'), /does not hold an array/);
      assert.throws(() => parse('<html><body>Rate limit exceeded</body></html>'), /not a social archive/);
      assert.throws(() => parse('window.YTD.tweets = []'), /does not start with/);
    });

    it('reads an empty archive as no items', () => {
      assert.deepEqual(parse('window.YTD.tweets.part0 = [ ]'), { items: [], errors: [] });
      assert.deepEqual(parse(''), { items: [], errors: [] });
    });
  });

  describe('JSON Lines', () => {
    it('reads the same records, wrapped or bare, and withdraws the deleted one', () => {
      const { school, thread1, thread2, arabic, french, photo, applause } = POSTS;
      assert.deepEqual(parse(readFileSync(join(FIXTURES, 'tweets.jsonl'))), {
        items: [school, thread1, thread2, arabic, french, photo, applause],
        errors: [],
        withdrawn: ['1260000000000000003'],
      });
    });

    it('reports a bad line by its number and reads the others; a deletion wins wherever it stands', () => {
      const lines = [
        JSON.stringify({ deleted: true, id_str: '2' }),
        '',
        '{"id_str": "1", "full_text": "Hello #Mosul @UNMAS https://example.org/x", "created_at": "2020-01-01T10:00:00Z"}',
        '{"id_str": "2", "full_text": "gone", "created_at": "2020-01-01T10:00:00Z"}',
        '{"id_str": "3", "full_text": "trunc',
        '[1, 2]',
        '{"id_str": "1", "full_text": "again", "created_at": "2020-01-01T10:00:00Z"}',
      ].join('\n');
      const result = parse(lines);
      assert.deepEqual(result.errors, [
        { position: 'line 5', message: result.errors[0].message },
        { position: 'line 6', message: 'not a JSON object' },
        { position: 'line 7', externalId: '1', message: 'the same tweet again: the first one is kept' },
      ]);
      assert.match(result.errors[0].message, /^not a JSON record: /);
      assert.deepEqual(result.withdrawn, ['2']);
      assert.deepEqual(result.items, [
        {
          externalId: '1',
          type: ContentType.SOCIAL_POST,
          title: 'Hello #Mosul @UNMAS',
          summary: 'Hello #Mosul @UNMAS https://example.org/x',
          url: 'https://x.com/CoalitionDemo/status/1',
          publishedAt: new Date('2020-01-01T10:00:00Z'),
          language: null,
          fields: { platform: 'TWITTER', authorHandle: 'CoalitionDemo', text: 'Hello #Mosul @UNMAS https://example.org/x', hashtags: ['Mosul'], mentions: ['UNMAS'], links: ['https://example.org/x'] },
        },
      ]);
    });

    it('reads an ISO time without a zone as UTC, whatever the process’s zone; one with a zone as it says', () => {
      const saved = process.env.TZ;
      process.env.TZ = 'America/New_York';
      try {
        const lines = [
          '{"id_str": "1", "full_text": "Zoneless", "created_at": "2024-03-01T10:00:00"}',
          '{"id_str": "2", "full_text": "Offset", "created_at": "2024-03-01T10:00:00+03:00"}',
          '{"id_str": "3", "full_text": "Zulu", "created_at": "2024-03-01T10:00:00.5Z"}',
        ].join('\n');
        assert.deepEqual(
          parse(lines).items.map((item) => item.publishedAt?.toISOString()),
          ['2024-03-01T10:00:00.000Z', '2024-03-01T07:00:00.000Z', '2024-03-01T10:00:00.500Z'],
        );
      } finally {
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
      }
    });

    it('takes the handle an API record carries, and knows a reply to its own author as a thread', () => {
      const line = JSON.stringify({
        id_str: '9',
        full_text: '@CoalitionHQ 3/ And the schools reopened.',
        created_at: 'Sun Jan 05 08:00:00 +0000 2020',
        in_reply_to_status_id_str: '8',
        in_reply_to_user_id_str: '77',
        in_reply_to_screen_name: 'CoalitionHQ',
        user: { id_str: '77', screen_name: 'CoalitionHQ' },
        entities: { hashtags: [], user_mentions: [{ screen_name: 'CoalitionHQ' }], urls: [] },
      });
      const [item] = parse(line, {}).items;
      assert.equal(item.url, 'https://x.com/CoalitionHQ/status/9');
      assert.equal((item.fields as { authorHandle: string }).authorHandle, 'CoalitionHQ');
    });

    it('fails a file where no line is a record', () => {
      assert.throws(() => parse('{oops\n{still not json'), /no line is a JSON record \(line 1: /);
    });
  });
});
