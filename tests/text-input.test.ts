import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeCursor } from '../src/shared/pagination/cursor';
import { Role } from '../src/shared/viewer';
import { Editor, keyHeaders } from './helpers/changes';
import { DRIVERS } from './helpers/drivers';
import { connectLive, wsUrl } from './helpers/live';
import { startTestGateway, type TestGateway } from './helpers/server';

/**
 * Text holding U+0000, which PostgreSQL's text types refuse with an error
 * (SQLite takes it): refused alike on both databases and on every way in,
 * before anything runs, never an INTERNAL_SERVER_ERROR.
 */
for (const driver of DRIVERS) {
  describe(`text holding U+0000 [${driver}]`, () => {
    let gw: TestGateway;
    let editor: Editor;

    before(async () => {
      gw = await startTestGateway(driver);
      editor = new Editor(gw.post.bind(gw), await keyHeaders(gw.gateway.db, Role.EDITOR));
    });
    after(() => gw.stop());

    /** Posts twice (the second time the fast path knows the document) and checks both answers refuse alike. */
    async function refused(query: string, variables: Record<string, unknown> | undefined, path: string, headers: Record<string, string> = {}): Promise<void> {
      const answers = [await gw.post(query, variables, headers), await gw.post(query, variables, headers)];
      for (const { status, body } of answers) {
        assert.equal(body.data ?? null, null, JSON.stringify(body));
        assert.deepEqual(
          body.errors?.map((error) => [error.extensions?.code, error.extensions?.reason, error.extensions?.path]),
          [['BAD_USER_INPUT', 'NUL_CHARACTER', path]],
          JSON.stringify(body),
        );
        assert.equal(body.errors![0].message, `${path}: text may not contain the NUL character (U+0000)`);
        assert.ok(status < 500, `status ${status}`);
      }
      assert.equal(answers[0].status, answers[1].status);
      assert.deepEqual(answers[0].body, answers[1].body, 'the fast path answers as the normal path');
    }

    it('refuses it in variables, naming where', async () => {
      await refused('query ($filter: FeedFilter) { feed(first: 1, filter: $filter) { edges { cursor } } }', { filter: { tags: ['water', 'a\u0000'] } }, 'variables.filter.tags[1]');
      await refused('query ($slug: String!) { digestArticle(slug: $slug) { id } }', { slug: 'x\u0000' }, 'variables.slug');
    });

    it('refuses it in the document’s strings, written as \\u0000 or \\u{0}', async () => {
      await refused('{ feed(first: 1, filter: { campaigns: ["a\\u0000"] }) { edges { cursor } } }', undefined, 'document');
      await refused('{ digestArticle(slug: "x\\u{0}") { id } }', undefined, 'document');
    });

    it('refuses it written raw in the document’s strings, which graphql-js takes as it is', async () => {
      await refused('{ digestArticle(slug: "x\u0000") { id } }', undefined, 'document');
      await refused('{ search(query: """a\u0000b""") { totalCount } }', undefined, 'document');
    });

    it('answers a block string that merely shows the escape, which holds no U+0000', async () => {
      const { body } = await gw.post('{ digestArticle(slug: """x\\u0000""") { id } }');
      assert.deepEqual(body, { data: { digestArticle: null } });
    });

    it('refuses an editor’s text and writes nothing', async () => {
      const before = await gw.post('{ feed(first: 100) { totalCount } }', undefined, editor.headers);
      await refused(
        'mutation ($input: DigestArticleInput!) { createDigestArticle(input: $input) { id } }',
        { input: { slug: 'with-nul', title: 'A\u0000B', summary: 'Summary.', countries: ['IRQ'], outlet: 'Outlet' } },
        'variables.input.title',
        editor.headers,
      );
      const { body } = await gw.post('{ digestArticle(slug: "with-nul") { id } }', undefined, editor.headers);
      assert.deepEqual(body, { data: { digestArticle: null } });
      assert.deepEqual((await gw.post('{ feed(first: 100) { totalCount } }', undefined, editor.headers)).body, before.body);
    });

    it('refuses a cursor whose text holds it as a malformed cursor', async () => {
      const cursor = encodeCursor(['Ira\u0000q', 'IRQ']);
      const { body } = await gw.post('query ($after: String) { memberNations(first: 1, after: $after) { edges { cursor } } }', { after: cursor });
      assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(body));
    });

    it('refuses a feed parameter holding it with 400 and one line', async () => {
      const response = await fetch(`${gw.origin}/feed.json?tags=a%00`);
      assert.equal(response.status, 400);
      assert.match(await response.text(), /Invalid tags: text may not contain the NUL character \(U\+0000\)/);
    });

    it('refuses it in a subscription’s variables', async () => {
      const live = connectLive(wsUrl(gw.url));
      try {
        const subscription = live.subscribe('subscription ($filter: FeedFilter) { contentPublished(filter: $filter) { id } }', { filter: { tags: ['a\u0000'] } });
        const errors = await subscription.waitForError('the refusal');
        assert.deepEqual(
          errors.map((error: { extensions?: Record<string, unknown> }) => [error.extensions?.code, error.extensions?.reason]),
          [['BAD_USER_INPUT', 'NUL_CHARACTER']],
        );
      } finally {
        await live.dispose();
      }
    });
  });
}
