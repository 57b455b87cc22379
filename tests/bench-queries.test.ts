import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeQueries, type QueryName } from '../bench/queries';
import { insertItems } from './helpers/content';
import { DRIVERS } from './helpers/drivers';
import { requestStatements } from './helpers/request-statements';
import { startTestGateway, type TestGateway } from './helpers/server';

/**
 * The SQL statements each benchmark query costs, pinned so that a regression
 * fails CI (counts, never times). PostGraphile 5, measured by `npm run bench`,
 * runs Q1 2, Q2 1, Q3 2, Q4 2, Q5 2.
 */
const STATEMENTS = (driver: string): Record<QueryName, number> => ({
  Q1: 1, // the posts, each with its nation tags
  Q2: 1, // the nation's projects and its digest articles, read together (the nation itself comes from the catalogue)
  Q3: 1, // the feed page with nation tags (campaigns come from the catalogue)
  // The campaign's stories with nation tags, and the first projects of all their nations: on PostgreSQL in the same
  // statement (the stories' ids as a subquery, see nested-lists.ts); on SQLite, which has no LATERAL join, once the stories are read.
  Q4: driver === 'postgres' ? 1 : 2,
  Q5: 1, // a page after a deep cursor
  Q6: 1, // the home page: the feed page with nation tags (campaigns from the catalogue)
});

for (const driver of DRIVERS) {
  describe(`benchmark queries [${driver}]`, () => {
    let gw: TestGateway;
    let queries: ReturnType<typeof makeQueries>;

    before(async () => {
      gw = await startTestGateway(driver);
      await insertItems(gw.gateway.db, 240);
      const { body } = await gw.post(`{ feed(first: 40) { pageInfo { endCursor } } }`);
      queries = makeQueries({
        nationCodes: ['IRQ'],
        campaignSlugs: ['this-generation-learns'],
        feedDepth: 40,
        feedCursor: { gateway: body.data.feed.pageInfo.endCursor, postgraphile: '', floor: body.data.feed.pageInfo.endCursor },
      });
    });
    after(() => gw.stop());

    for (const [name, expected] of Object.entries(STATEMENTS(driver)) as [QueryName, number][]) {
      it(`runs ${name} in ${expected} statement${expected > 1 ? 's' : ''}`, async () => {
        const query = queries.find((q) => q.name === name)!;
        gw.sql.reset();
        const { body } = await gw.post(query.text.gateway, query.variables('gateway', 0));
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        assert.ok(query.hasShape(query.normalise('gateway', body.data)), `${name} returns what it is for`);
        // The items inserted before wake the webhook deliverer, whose look for work may land beside the request.
        assert.equal(requestStatements(gw.sql).length, expected, gw.sql.statements.join('\n'));
      });
    }

    if (driver === 'postgres') {
      it('plans the statements of Q1–Q6 and of pages before a cursor once: parents and cursor positions are hidden from the planner', async () => {
        // A value compared straight to a column (`c.id < $2`) makes PostgreSQL plan the prepared statement again on every request.
        const { body: page } = await gw.post(`{ feed(first: 10) { pageInfo { endCursor } } }`);
        const cursor = page.data.feed.pageInfo.endCursor;
        const pagesAtCursors = [
          { name: 'a page before a cursor', text: `query ($c: String) { feed(last: 3, before: $c) { edges { cursor } } }`, variables: { c: cursor } },
          { name: 'a nation’s feed after a cursor', text: `query ($c: String) { memberNation(code: "IRQ") { feed(first: 3, after: $c) { edges { cursor } } } }`, variables: { c: cursor } },
        ];
        const sent = [...queries.map((query) => ({ name: query.name, text: query.text.gateway, variables: query.variables('gateway', 0) })), ...pagesAtCursors];
        for (const { name, text, variables } of sent) {
          gw.sql.reset();
          const { body } = await gw.post(text, variables);
          assert.equal(body.errors, undefined, JSON.stringify(body.errors));
          const statements = requestStatements(gw.sql);
          assert.ok(statements.length > 0, `${name} ran a statement`);
          for (const statement of statements) {
            const bare = statement.replace(/\(SELECT CAST\(\$\d+ AS [a-z\[\]]+\)\)/g, '');
            assert.doesNotMatch(bare, /\$\d/, `${name}: ${statement}`);
          }
        }
      });
    }
  });
}
