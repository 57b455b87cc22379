import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseFeed } from '@rowanmanning/feed-parser';
import { DRIVERS } from './helpers/drivers';
import { assertHttpError } from './helpers/http';
import { requestStatements } from './helpers/request-statements';
import { startTestGateway, type TestGateway } from './helpers/server';

/** The self link a feed document gives, read as a reader reads it: JSON Feed's `feed_url`, Atom's and RSS's self link by a feed parser. */
function selfLinkOf(format: 'atom' | 'rss' | 'json', text: string): string {
  const self = format === 'json' ? (JSON.parse(text) as { feed_url?: string }).feed_url : parseFeed(text).self;
  assert.ok(self, 'the document has a self link');
  return self;
}

for (const driver of DRIVERS) {
  describe(`feed date parameters within years 1 to 9999 [${driver}]`, () => {
    let gw: TestGateway;

    async function get(url: string): Promise<{ status: number; text: string }> {
      const response = await fetch(url);
      return { status: response.status, text: await response.text() };
    }

    before(async () => {
      gw = await startTestGateway(driver);
    });
    after(() => gw.stop());

    it('refuses a date whose instant falls outside years 1 to 9999 in UTC, whatever the day as written, with 400 and a one-line reason, before any SQL', async () => {
      const cases: [string, RegExp][] = [
        // 9999-12-31 as written, year 10000 in UTC: its self link was `+010000-…`, which this very parser refused.
        ['publishedAfter=9999-12-31T23:59:59-14:00', /\+010000-01-01T13:59:59\.000Z in UTC/],
        ['publishedBefore=9999-12-31T12:00:00-1200', /\+010000-01-01T00:00:00\.000Z in UTC/],
        // Year 0 (none in PostgreSQL, GraphQL's publishContent or a cursor), as written or by the offset.
        ['publishedBefore=0000-06-01', /0000-06-01T00:00:00\.000Z in UTC/],
        ['publishedBefore=0001-01-01T00:00:00+14:00', /0000-12-31T10:00:00\.000Z in UTC/],
        ['publishedAfter=0000-12-31T23:59:59Z', /0000-12-31T23:59:59\.000Z in UTC/],
      ];
      for (const [query, instant] of cases) {
        for (const format of ['atom', 'rss', 'json']) {
          gw.sql.reset();
          const response = await get(`${gw.origin}/feed.${format}?${query.replace('+', '%2B')}`);
          assert.equal(response.status, 400, `${query}: ${response.text.slice(0, 300)}`);
          const message = assertHttpError({ status: response.status, json: JSON.parse(response.text) }, 400, 'BAD_USER_INPUT');
          assert.match(message, new RegExp(`^Invalid ${query.split('=')[0]}: `), message);
          assert.match(message, instant, message);
          assert.match(message, /outside years 0001 to 9999/, message);
          assert.doesNotMatch(message, /[\r\n]/, 'one line');
          assert.equal(requestStatements(gw.sql).length, 0, query);
        }
      }
    });

    it('takes the first and last instants of years 1 to 9999, however written, and every self link it gives serves the same document', async () => {
      const accepted = [
        'publishedAfter=9999-12-31T23:59:59.999Z',
        'publishedAfter=9999-12-31T23:59:59%2B14:00',
        'publishedBefore=9999-12-31T23:59:59.999Z',
        'publishedAfter=0001-01-01',
        'publishedBefore=0001-01-01T00:00:00Z',
        'publishedBefore=0000-12-31T23:00:00-02:00',
        'publishedAfter=0001-01-01T00:00:00%2B00:00&publishedBefore=9999-12-31T23:59:59.999Z',
      ];
      for (const query of accepted) {
        for (const format of ['atom', 'rss', 'json'] as const) {
          const first = await get(`${gw.origin}/feed.${format}?${query}`);
          assert.equal(first.status, 200, `${query}: ${first.text}`);
          const self = selfLinkOf(format, first.text);
          const followed = await get(self);
          assert.equal(followed.status, 200, `${query}: its self link ${self} answered ${followed.text}`);
          assert.equal(selfLinkOf(format, followed.text), self, `${query}: the self link is canonical`);
        }
      }
    });
  });
}
